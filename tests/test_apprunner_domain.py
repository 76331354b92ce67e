"""App Runner with a custom domain ([app] domain + hosted_zone_id on platform = "apprunner"): the association,
its certificate validation records (count, picked by name), the postcondition on their number, the CNAME to
the service, the zone checks, outputs, cost, the workspace README and the loader's lines.

tests/fixtures/apprunner-domain/ (not shipped) holds one environment: App Runner in the default VPC with
api.example.com in the zone Z0123456789ABCDEFGHIJ."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from modules.compute.apprunner import VALIDATION_RECORDS
from modules.settings import load_environment
from modules.settings.cost import count, idle_cost
from tests.config_helpers import environment_copy, problems, set_key
from tests.conftest import ROOT, only, resources, synthesized

FIXTURES = ROOT / "tests" / "fixtures" / "apprunner-domain"
NAME = "apprunner-domain"
DOMAIN, ZONE = "api.example.com", "Z0123456789ABCDEFGHIJ"
ASSOCIATION = "aws_apprunner_custom_domain_association.service_domain"


@pytest.fixture(scope="module")
def domain_json(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], dict]:
    return synthesized(FIXTURES, tmp_path_factory.mktemp("apprunner-domain") / "cdktf.out")


@pytest.fixture
def domain_file(tmp_path: Path) -> Path:
    return environment_copy(FIXTURES, tmp_path / "environments", NAME)


def records(document: dict) -> dict[str, dict]:
    return resources(document, "aws_route53_record")


# --- the loader ------------------------------------------------------------------------------------


def test_app_runner_accepts_a_domain_with_its_zone(domain_file: Path) -> None:
    app = load_environment(domain_file).app
    assert (app.platform, app.domain, app.hosted_zone_id) == ("apprunner", DOMAIN, ZONE)


@pytest.mark.parametrize(
    ("key", "remaining"), [("hosted_zone_id", "domain"), ("domain", "hosted_zone_id")]
)  # fmt: skip
def test_domain_and_zone_are_still_set_together(domain_file: Path, key: str, remaining: str) -> None:
    set_key(domain_file, "app", key, None)
    (line,) = problems(domain_file)
    assert f"{NAME}.toml" in line and f"app.{remaining} = " in line
    assert f"expected set together with {key}" in line, line


@pytest.mark.parametrize("domain", ["example.com", "example.io"])
def test_app_runner_refuses_a_two_label_domain_it_could_only_serve_at_the_apex(domain_file: Path, domain: str) -> None:
    set_key(domain_file, "app", "domain", f'"{domain}"')
    (line,) = problems(domain_file)
    assert f'app.domain = "{domain}": expected with platform = "apprunner": a subdomain like api.example.com' in line
    assert "apex cannot carry the CNAME" in line


def test_ecs_keeps_an_apex_domain_behind_its_alias_record(domain_file: Path) -> None:
    set_key(domain_file, "app", "platform", '"ecs"')
    set_key(domain_file, "app", "domain", '"example.com"')
    assert load_environment(domain_file).app.domain == "example.com"


@pytest.mark.parametrize("domain", ["API.example.com", "*.example.com", "api_x.example.com", "-api.example.com"])
def test_a_domain_that_is_no_hostname_is_one_line(domain_file: Path, domain: str) -> None:
    set_key(domain_file, "app", "domain", f'"{domain}"')
    (line,) = problems(domain_file)
    assert "expected a lowercase DNS name of two labels at least" in line, line


@pytest.mark.parametrize("platform", ["apprunner", "ecs"])
def test_a_domain_longer_than_an_acm_certificates_first_name_is_refused_before_anything_is_created(
    domain_file: Path, platform: str
) -> None:
    """A valid DNS name of 73 characters (labels under 63): ACM refuses it at apply, after the rest exists."""
    long_domain = f"{'a' * 50}.{'b' * 10}.example.com"
    set_key(domain_file, "app", "platform", f'"{platform}"')
    set_key(domain_file, "app", "domain", f'"{long_domain}"')
    (line,) = problems(domain_file)
    assert f'app.domain = "{long_domain}": expected at most 64 characters: ACM refuses' in line, line
    set_key(domain_file, "app", "domain", f'"{long_domain[len(long_domain) - 64 :].lstrip(".")}"')
    assert load_environment(domain_file).app.domain is not None  # 64 is accepted


# --- what the environment synthesizes --------------------------------------------------------------


def test_the_association_names_the_domain_without_www_on_the_service(domain_json: Callable[[str], dict]) -> None:
    association = only(domain_json(NAME), "aws_apprunner_custom_domain_association")
    assert association["domain_name"] == DOMAIN
    assert association["enable_www_subdomain"] is False
    assert association["service_arn"] == "${aws_apprunner_service.service.arn}"


def test_validation_records_have_a_fixed_count_and_are_picked_by_name(domain_json: Callable[[str], dict]) -> None:
    validation = records(domain_json(NAME))["service_domain_validation"]
    assert validation["count"] == VALIDATION_RECORDS == 2
    assert "for_each" not in validation
    picked = (
        f"values({{ for record in {ASSOCIATION}.certificate_validation_records : record.name => record }})[count.index]"
    )
    assert validation["name"] == f"${{{picked}.name}}"
    assert validation["type"] == f"${{{picked}.type}}"
    assert validation["records"] == [f"${{{picked}.value}}"]
    assert validation["zone_id"] == ZONE and validation["allow_overwrite"] is True


def test_no_record_of_the_domain_is_driven_by_for_each(domain_json: Callable[[str], dict]) -> None:
    document = domain_json(NAME)
    assert not [name for name, record in records(document).items() if "for_each" in record]
    assert "for_each" not in only(document, "aws_apprunner_custom_domain_association")


def test_a_wrong_number_of_validation_records_stops_the_apply_saying_what_to_do(
    domain_json: Callable[[str], dict],
) -> None:
    association = only(domain_json(NAME), "aws_apprunner_custom_domain_association")
    (condition,) = association["lifecycle"]["postcondition"]
    assert condition["condition"] == f"${{length(self.certificate_validation_records) == {VALIDATION_RECORDS}}}"
    message = condition["error_message"]
    assert "${length(self.certificate_validation_records)}" in message  # the number AWS returned
    assert DOMAIN in message and "VALIDATION_RECORDS in modules/compute/apprunner.py" in message
    assert "aws apprunner describe-custom-domains" in message


def test_the_domain_is_a_cname_to_the_associations_dns_target(domain_json: Callable[[str], dict]) -> None:
    record = records(domain_json(NAME))["service_domain_record"]
    assert (record["name"], record["type"], record["zone_id"]) == (DOMAIN, "CNAME", ZONE)
    assert record["records"] == [f"${{{ASSOCIATION}.dns_target}}"]
    assert "alias" not in record


def test_the_zone_is_read_and_refuses_an_apex_another_zone_and_a_private_zone(
    domain_json: Callable[[str], dict],
) -> None:
    zone = domain_json(NAME)["data"]["aws_route53_zone"]["service_domain_zone"]
    assert zone["zone_id"] == ZONE and "depends_on" not in zone  # read at plan time
    apex, inside, public = zone["lifecycle"]["postcondition"]
    name = 'trimsuffix(self.name, ".")'
    assert apex["condition"] == f'${{"{DOMAIN}" != {name}}}' and "apex" in apex["error_message"]
    assert inside["condition"] == f'${{"{DOMAIN}" == {name} || endswith("{DOMAIN}", ".${{{name}}}")}}'
    assert f"is not in app.hosted_zone_id = {ZONE}" in inside["error_message"]
    assert public["condition"] == "${!self.private_zone}" and "private zone" in public["error_message"]


def test_app_url_is_the_domain_and_app_runners_own_url_stays(domain_json: Callable[[str], dict]) -> None:
    outputs = domain_json(NAME)["output"]
    assert outputs["app_url"]["value"] == f"https://{DOMAIN}"
    assert outputs["apprunner_service_url"]["value"] == "https://${aws_apprunner_service.service.service_url}"
    assert "apprunner_service_arn" in outputs


def test_shipped_environments_have_no_domain_and_no_association(stack_json: Callable[[str], dict]) -> None:
    for name in ("stage", "prod"):
        document = stack_json(name)
        assert "aws_apprunner_custom_domain_association" not in document["resource"]
        assert "aws_route53_record" not in document["resource"]
        assert "apprunner_service_url" not in document["output"]


def test_the_idle_cost_says_the_domain_costs_nothing_at_idle(domain_json: Callable[[str], dict]) -> None:
    config = load_environment(FIXTURES / f"{NAME}.toml")
    lines = {line.item: line for line in idle_cost(config, count(domain_json(NAME)))}
    assert lines["Custom domain"].usd == 0.0 and "per million queries" in lines["Custom domain"].basis


def test_the_workspace_readme_gives_the_domain_the_wait_and_the_status_to_watch(
    domain_json: Callable[[str], dict],
) -> None:
    text = (domain_json.outdir / "stacks" / NAME / "README.md").read_text(encoding="utf-8")  # type: ignore[attr-defined]
    assert f"HTTPS on `https://{DOMAIN}`" in text and f"`{ZONE}`" in text
    assert "24-48 hours" in text and "pending_certificate_dns_validation" in text and "`active`" in text
    assert "aws apprunner describe-custom-domains" in text
    # The diagram: both records, and the CNAME to the service.
    assert "Route 53 record ×2" in text and "aws_route53_record -.->|CNAME| aws_apprunner_service" in text


# --- with Terraform --------------------------------------------------------------------------------


@pytest.mark.slow
def test_each_index_picks_one_whole_record_and_keeps_it_when_a_record_validates(
    domain_json: Callable[[str], dict], tmp_path: Path
) -> None:
    """Terraform evaluates the synthesized expressions over two records (given out of name order), before and
    after one of them validates (its status changes): each index gives one record's name with that record's
    value, in the order of the names, both times."""
    validation = records(domain_json(NAME))["service_domain_validation"]
    terms = [term.removeprefix("${").removesuffix("}") for term in (validation["name"], validation["records"][0])]
    later = {"name": "_b2.x7q.api.example.com.", "type": "CNAME", "value": "_v2.acm-validations.aws."}
    earlier = {"name": "_a1.api.example.com.", "type": "CNAME", "value": "_v1.acm-validations.aws."}
    picked = []
    for statuses in (("PENDING_VALIDATION", "PENDING_VALIDATION"), ("PENDING_VALIDATION", "SUCCESS")):
        items = [{**later, "status": statuses[0]}, {**earlier, "status": statuses[1]}]
        (tmp_path / "main.tf").write_text(
            f"locals {{\n  certificate_validation_records = toset({json.dumps(items)})\n}}\n", encoding="utf-8"
        )
        expressions = [
            term.replace(f"{ASSOCIATION}.", "local.").replace("count.index", str(i))
            for i in range(VALIDATION_RECORDS)
            for term in terms
        ]
        # One expression: the console prints only its input's last result.
        result = subprocess.run(
            ["terraform", "console"], cwd=tmp_path, input=f"jsonencode([{', '.join(expressions)}])\n",
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        picked.append(json.loads(json.loads(result.stdout)))
    expected = [item[key] for item in (earlier, later) for key in ("name", "value")]
    assert picked == [expected, expected]


@pytest.mark.slow
def test_the_environment_validates_and_passes_checkov(domain_json: Callable[[str], dict], tmp_path: Path) -> None:
    """The gate (terraform validate with the real provider, checkov, the IAM linter) on the fixture."""
    reports = tmp_path / "reports"
    outdir = str(domain_json.outdir)  # type: ignore[attr-defined]
    result = subprocess.run(
        [sys.executable, "-m", "scripts.ops", "gate", "--outdir", outdir, "--reports", str(reports)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summary = {item["name"]: item for item in json.loads((reports / "summary.json").read_text())}
    assert set(summary) == {"bootstrap", NAME}
    item = summary[NAME]
    assert item["validate"] == "valid" and item["passed"] > 0
    assert item["failed"] == [] and item["stale"] == [] and item["iam_failed"] == []
