"""CI: the [ci] setting, GitHub's OIDC provider (once per account), the plan and apply roles' trust (exact
sub and aud), validate + checkov + parliament on stacks with [ci], the workflow (zizmor, the workflow
schema, pins) and the plan summary on a recorded plan with an IAM change and destroys."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from main import synthesize
from modules.settings import ConfigError, load_environments
from modules.settings.backends import github_oidc_owners
from scripts.ops import iam_lint, plan_summary
from tests.config_helpers import set_key

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "infrastructure.yml"
REPOSITORY = "acme-corp/cerberus-infra"
HOST = "token.actions.githubusercontent.com"
ACCOUNT = "111111111111"


def with_ci(environments: Path, *, prod_region: str = "eu-west-1", account: str = ACCOUNT) -> Path:
    """stage and prod in one account, prod in another region: two backends, one OIDC provider. A user's
    own environment files beside them move to that account too (one account per project and region)."""
    for path in sorted(environments.glob("*.toml")):
        if not path.name.startswith("_") and path.stem not in ("stage", "prod"):
            set_key(path, "environment", "account_id", f'"{account}"')
    for name in ("stage", "prod"):
        path = environments / f"{name}.toml"
        set_key(path, "environment", "account_id", f'"{account}"')
        set_key(path, "ci", "github_repository", f'"{REPOSITORY}"')
        set_key(path, "alerts", "emails", '["platform@acme-corp.io"]')
    set_key(environments / "prod.toml", "environment", "region", f'"{prod_region}"')
    return environments


@pytest.fixture(scope="module")
def ci_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("ci-env") / "environments"
    shutil.copytree(ROOT / "environments", source)
    with_ci(source)
    target = tmp_path_factory.mktemp("ci-synth") / "cdktf.out"
    synthesize(source, target)
    return target


def stack(outdir: Path, name: str) -> dict:
    return json.loads((outdir / "stacks" / name / "cdk.tf.json").read_text(encoding="utf-8"))


# --- settings ------------------------------------------------------------------------------------------


def test_ci_needs_account_id_one_line_naming_file_key_and_fix(environments: Path) -> None:
    set_key(environments / "stage.toml", "ci", "github_repository", f'"{REPOSITORY}"')
    with pytest.raises(ConfigError) as error:
        load_environments(environments)
    [line] = [problem for problem in error.value.problems if "ci.github_repository" in problem]
    assert line.startswith("environments/stage.toml: ci.github_repository = ")
    assert "environment.account_id" in line and "add account_id" in line and "\n" not in line


NOT_OWNER_SLASH_NAME = [
    '"acme"',
    '"acme/"',
    '"/repo"',
    '"-acme/repo"',
    '"acme-/repo"',
    '"ac--me/repo"',
    '"acme/.."',
    '"acme/re po"',
    '"acme/repo/x"',
    f'"{"a" * 40}/repo"',
    f'"acme/{"r" * 101}"',
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [*((value, "expected owner/name") for value in NOT_OWNER_SLASH_NAME),
     ('"acme/repo.git"', "expected no .git suffix"), ('"acme/repo.GIT"', "expected no .git suffix")],
)  # fmt: skip
def test_a_repository_that_is_not_owner_slash_name_as_github_names_it_is_refused(
    environments: Path, value: str, expected: str
) -> None:
    """Not owner/name, or with the clone URL's .git (a token's sub names the repository without it)."""
    set_key(environments / "stage.toml", "environment", "account_id", f'"{ACCOUNT}"')
    set_key(environments / "prod.toml", "environment", "account_id", f'"{ACCOUNT}"')
    set_key(environments / "stage.toml", "ci", "github_repository", value)
    with pytest.raises(ConfigError) as error:
        load_environments(environments)
    [line] = error.value.problems
    assert line.startswith(f"environments/stage.toml: ci.github_repository = {value}: {expected}")


@pytest.mark.parametrize("value", ["Acme-Corp/Cerberus.Infra", "a/b", "octo-org/repo_name-2", f"{'a' * 39}/x"])
def test_a_valid_repository_is_accepted_as_written(environments: Path, value: str) -> None:
    with_ci(environments)
    set_key(environments / "stage.toml", "ci", "github_repository", f'"{value}"')
    stage = next(config for config in load_environments(environments) if config.name == "stage")
    assert stage.ci.github_repository == value and stage.ci.enabled


def test_one_oidc_provider_per_account_whatever_the_regions(environments: Path) -> None:
    configs = load_environments(with_ci(environments))
    assert github_oidc_owners(configs) == {f"bootstrap-cerberus-{ACCOUNT}-eu-west-1": ACCOUNT}
    assert github_oidc_owners(configs) == github_oidc_owners(list(reversed(configs)))  # order-independent


def test_each_account_gets_its_own_provider(environments: Path) -> None:
    with_ci(environments)
    set_key(environments / "prod.toml", "environment", "account_id", '"222222222222"')
    owners = github_oidc_owners(load_environments(environments))
    assert sorted(owners.values()) == [ACCOUNT, "222222222222"]


def test_no_ci_no_provider_and_no_roles(stack_json) -> None:  # type: ignore[no-untyped-def]
    assert "aws_iam_openid_connect_provider" not in stack_json("bootstrap").get("resource", {})
    assert not [name for name in stack_json("stage")["resource"]["aws_iam_role"] if name.startswith("ci_")]


# --- synthesized stacks --------------------------------------------------------------------------------


def test_exactly_one_bootstrap_creates_the_provider(ci_out: Path) -> None:
    bootstraps = sorted(path.name for path in (ci_out / "stacks").iterdir() if path.name.startswith("bootstrap"))
    assert bootstraps == [f"bootstrap-cerberus-{ACCOUNT}-eu-west-1", f"bootstrap-cerberus-{ACCOUNT}-us-east-1"]
    providers = {
        name: stack(ci_out, name).get("resource", {}).get("aws_iam_openid_connect_provider") for name in bootstraps
    }
    owner = {name: bare(block) for name, block in providers[bootstraps[0]].items()}
    assert providers[bootstraps[1]] is None
    assert owner == {"github_oidc": {"client_id_list": ["sts.amazonaws.com"], "url": f"https://{HOST}"}}


def bare(block: dict) -> dict:
    return {key: value for key, value in block.items() if key != "//"}


def trust(document: dict, purpose: str) -> dict:
    [statement] = document["data"]["aws_iam_policy_document"][f"ci_{purpose}_trust"]["statement"]
    return statement


@pytest.mark.parametrize(
    ("environment", "purpose", "sub"),
    [
        ("stage", "plan", f"repo:{REPOSITORY}:pull_request"),
        ("stage", "apply", f"repo:{REPOSITORY}:environment:stage"),
        ("prod", "plan", f"repo:{REPOSITORY}:pull_request"),
        ("prod", "apply", f"repo:{REPOSITORY}:environment:prod"),
    ],
)
def test_trust_is_exactly_the_repository_sub_and_sts_audience(
    ci_out: Path, environment: str, purpose: str, sub: str
) -> None:
    document = stack(ci_out, environment)
    statement = trust(document, purpose)
    assert statement["actions"] == ["sts:AssumeRoleWithWebIdentity"]
    assert statement["effect"] == "Allow"
    assert statement["principals"] == [
        {"identifiers": ["${data.aws_iam_openid_connect_provider.ci_github.arn}"], "type": "Federated"}
    ]
    assert statement["condition"] == [
        {"test": "StringEquals", "values": ["sts.amazonaws.com"], "variable": f"{HOST}:aud"},
        {"test": "StringEquals", "values": [sub], "variable": f"{HOST}:sub"},
    ]
    role = document["resource"]["aws_iam_role"][f"ci_{purpose}"]
    assert role["name"] == f"cerberus-{environment}-ci-{purpose}"
    assert role["assume_role_policy"] == f"${{data.aws_iam_policy_document.ci_{purpose}_trust.json}}"
    assert bare(document["data"]["aws_iam_openid_connect_provider"]["ci_github"]) == {"url": f"https://{HOST}"}


def statements(document: dict, purpose: str) -> dict[str, dict]:
    items = document["data"]["aws_iam_policy_document"][f"ci_{purpose}_policy_document"]["statement"]
    return {item["sid"]: item for item in items}


STATE = f"arn:${{data.aws_partition.partition.partition}}:s3:::cerberus-tfstate-{ACCOUNT}-us-east-1"
WRITES = ("Create", "Delete", "Put", "Update", "Modify", "Attach", "Tag")


def test_plan_role_reads_its_own_state_and_lock_only(ci_out: Path) -> None:
    policy = statements(stack(ci_out, "stage"), "plan")
    state = f"{STATE}/stage/terraform.tfstate"
    assert policy["ReadOwnState"]["actions"] == ["s3:GetObject"]
    assert policy["ReadOwnState"]["resources"] == [state]
    assert policy["HoldOwnStateLock"]["actions"] == ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    assert policy["HoldOwnStateLock"]["resources"] == [f"{state}.tflock"]
    assert policy["StateKeyThroughS3"]["actions"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert policy["StateKeyThroughS3"]["resources"] == ["${data.aws_kms_alias.ci_state_key.target_key_arn}"]
    deny = policy["NoOtherObjects"]
    assert deny["effect"] == "Deny" and deny["not_resources"] == [state, f"{state}.tflock"]
    assert not any("dynamodb" in action for item in policy.values() for action in item["actions"])
    writes = {
        action
        for item in policy.values()
        if item.get("effect", "Allow") == "Allow"
        for action in item["actions"]
        if action.split(":")[1].startswith(WRITES)
    }
    assert writes == {"s3:PutObject", "s3:DeleteObject"}  # the lock file only


OWN_STATE = ("/terraform.tfstate", ".tflock", "target_key_arn}", "aws_kms_key.key.arn}")
GENERIC = (":vpc/*", "role/aws-service-role/*", "secret:rds!cluster-*")


def test_apply_role_writes_only_what_the_environment_names_or_tags(ci_out: Path) -> None:
    policy = statements(stack(ci_out, "prod"), "apply")
    assert policy["ReadWriteOwnState"]["resources"] == [
        f"arn:${{data.aws_partition.partition.partition}}:s3:::cerberus-tfstate-{ACCOUNT}-eu-west-1/prod/terraform.tfstate"
    ]
    for sid, item in policy.items():
        if item.get("effect") == "Deny" or sid in ("ListStateBucket", "GeneratedPasswords"):
            continue
        conditioned = any(c["variable"].startswith("aws:") for c in item.get("condition", []))
        for resource in item["resources"]:
            scoped = "cerberus-prod" in resource or resource.endswith(OWN_STATE)
            assert scoped or conditioned or resource.endswith(GENERIC), (sid, resource)
    guard = policy["NeverChangeTheCiRoles"]
    assert guard["effect"] == "Deny"
    assert [r.rsplit("/", 1)[1] for r in guard["resources"]] == ["cerberus-prod-ci-plan", "cerberus-prod-ci-apply"]


def test_parliament_accepts_the_ci_policies_with_reasons(ci_out: Path) -> None:
    for name in ("stage", "prod"):
        stack_dir = ci_out / "stacks" / name
        accepted = json.loads((stack_dir / "iam-lint-suppressions.json").read_text(encoding="utf-8"))
        result = iam_lint.check(stack(ci_out, name), accepted)
        assert (result.failed, result.stale) == ([], [])
        ci_accepted = {(item["resource"], item["issue"]) for item in accepted if ".ci_" in item["resource"]}
        assert ("data.aws_iam_policy_document.ci_plan_trust", "UNKNOWN_FEDERATION_SOURCE") in ci_accepted


@pytest.mark.slow
def test_stacks_with_ci_pass_validate_and_checkov(ci_out: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scripts.ops", "gate", "--outdir", str(ci_out), "--reports", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    rows = {
        line.split()[0]: line.split() for line in result.stdout.splitlines() if line.startswith(("boot", "st", "pr"))
    }
    for name in ("stage", "prod", f"bootstrap-cerberus-{ACCOUNT}-us-east-1", f"bootstrap-cerberus-{ACCOUNT}-eu-west-1"):
        assert rows[name][4] == "valid" and rows[name][6] == "0", rows[name]  # validate, failed checks


# --- the workflow --------------------------------------------------------------------------------------


def tool(name: str) -> str:
    path = Path(sys.executable).parent / name
    return str(path) if path.exists() else name


def test_workflow_passes_zizmor_at_medium_and_above() -> None:
    result = subprocess.run(
        [tool("zizmor"), "--offline", "--min-severity", "medium", "--no-progress", str(WORKFLOW)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings" in result.stdout


def test_workflow_matches_the_github_workflow_schema() -> None:
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_action_is_pinned_by_full_sha_with_its_tag() -> None:
    uses = re.findall(r"uses:\s*(\S+)(.*)", WORKFLOW.read_text(encoding="utf-8"))
    assert len(uses) >= 10
    for action, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", action), action
        assert re.fullmatch(r"\s*# v\d+\.\d+\.\d+", comment), (action, comment)


def test_deploy_jobs_declare_their_environment_and_permissions_are_per_job() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "\npermissions: {}\n" in text
    jobs = re.split(r"\n  (?=[\w-]+:\n)", text.split("\njobs:\n", 1)[1])
    by_name = {job.split(":", 1)[0].strip(): job for job in jobs}
    assert "environment: stage" in by_name["deploy-stage"] and "environment: prod" in by_name["deploy-prod"]
    assert "environment:" not in by_name["plan"].replace("environment: stage\n", "").replace(
        "environment: prod\n", ""
    ).split("steps:")[0].replace("- environment", "")  # the plan job's sub must stay pull_request
    for name, job in by_name.items():
        assert "permissions:" in job, name
        assert ("id-token: write" in job) == (name in ("plan", "deploy-stage", "deploy-prod")), name
    assert "secrets." not in text and "aws-access-key-id" not in text


# --- the plan summary ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def summary() -> str:
    from modules.settings import load_environment

    plan = json.loads((ROOT / "tests" / "fixtures" / "prod-plan-iam-change-and-destroy.json").read_text())
    return plan_summary.render("prod", plan, load_environment(ROOT / "environments" / "prod.toml"))


def test_summary_counts_changes_by_resource(summary: str) -> None:
    assert summary.startswith("## plan for prod: 1 to add, 1 to change, 1 to replace, 10 to destroy\n")
    assert "| `-` | destroy | `aws_elasticache_replication_group.cache` **holds data** |" in summary
    assert "| `~` | change | `aws_iam_role_policy.service_instance_policy` |" in summary
    assert "aws_iam_role.service_instance_role" not in summary  # a no-op is not a change


def test_summary_calls_out_stateful_resources(summary: str) -> None:
    section = summary.split("### Resources that hold data")[1].split("###", maxsplit=1)[0]
    assert "destroy `aws_elasticache_replication_group.cache`" in section
    assert "replace `aws_rds_cluster.db`" in section
    assert "alarm" not in section


def test_summary_shows_security_changes_as_a_diff(summary: str) -> None:
    section = summary.split("### Security-relevant changes")[1].split("### Cost", maxsplit=1)[0]
    policy = section.split("`aws_iam_role_policy.service_instance_policy`\n```diff\n")[1].split("```")[0]
    lines = policy.splitlines()
    assert [line[0] for line in lines] == ["-", " ", "+"]
    assert '"Sid": "ConnectToCache"' in lines[0] and '"Sid": "ReadAnyParameter"' in lines[2]
    assert '"Action": "ssm:GetParameter"' in lines[2] and '"Resource": "*"' in lines[2]
    assert '+{"cidr_ipv4": "0.0.0.0/0"' in section
    assert '-{"description": "Valkey from the App Runner VPC connector"' in section


def test_summary_gives_the_idle_cost_change_against_the_budget(summary: str) -> None:
    # Before: App Runner 1 x 1 GB (5.11) + Aurora 2 x 0.5 ACU (87.60) + Valkey 2 x t4g.small (37.38) + 1 key
    # + 3 secrets + 16 alarms; after: the cache and its 8 alarms gone (37.38 + 0.80 less).
    assert "Idle cost: **134.29 → 96.11 USD/month** (-38.18), 38% of the 250 USD monthly budget" in summary


def test_summary_of_a_first_deploy_starts_from_zero() -> None:
    from modules.settings import load_environment

    plan = json.loads((ROOT / "tests" / "fixtures" / "prod-plan-iam-change-and-destroy.json").read_text())
    plan["prior_state"] = {}
    text = plan_summary.render("prod", plan, load_environment(ROOT / "environments" / "prod.toml"))
    assert "Idle cost: **0.00 → 96.11 USD/month** (+96.11)" in text


def test_plan_and_deploy_write_the_summary_beside_the_plan() -> None:
    source = (ROOT / "scripts" / "ops" / "flows.py").read_text(encoding="utf-8")
    assert "write_summary(directory, name" in source
    assert os.path.basename(plan_summary.__file__) == "plan_summary.py"


def test_rules_on_groups_the_plan_creates_say_so_and_empty_groups_are_not_noise() -> None:
    from modules.settings import load_environment

    rule = {"ip_protocol": "tcp", "from_port": 5432, "to_port": 5432, "description": "PostgreSQL from the app"}
    plan = {
        "resource_changes": [
            {"address": "aws_vpc_security_group_ingress_rule.db_from_app", "mode": "managed",
             "type": "aws_vpc_security_group_ingress_rule",
             "change": {"actions": ["create"], "before": None, "after": rule,
                        "after_unknown": {"security_group_id": True, "referenced_security_group_id": True}}},
            {"address": "aws_security_group.db", "mode": "managed", "type": "aws_security_group",
             "change": {"actions": ["create"], "before": None, "after": {"name": "db"}, "after_unknown": {}}},
        ]
    }  # fmt: skip
    lines = plan_summary.security_diff(plan)
    assert "`aws_security_group.db`" not in lines
    [added] = [line for line in lines if line.startswith("+")]
    assert '"referenced_security_group_id": "(known after apply)"' in added
    assert '"security_group_id": "(known after apply)"' in added and '"from_port": 5432' in added
    text = plan_summary.render("prod", plan, load_environment(ROOT / "environments" / "prod.toml"))
    assert "Idle cost: **0.00 → 0.00 USD/month** (+0.00)" in text


# The IAM service that creates each resource type the environment stacks hold (by type prefix).
SERVICE_OF_TYPE = {
    "aws_apprunner_": "apprunner", "aws_backup_": "backup", "aws_budgets_": "budgets",
    "aws_cloudwatch_log_": "logs", "aws_cloudwatch_metric_alarm": "cloudwatch", "aws_db_": "rds",
    "aws_ecr_": "ecr", "aws_elasticache_": "elasticache", "aws_iam_": "iam", "aws_kms_": "kms",
    "aws_rds_": "rds", "aws_secretsmanager_": "secretsmanager", "aws_security_group": "ec2",
    "aws_sns_": "sns", "aws_vpc": "ec2", "aws_subnet": "ec2", "aws_route": "ec2", "aws_nat_": "ec2",
    "aws_internet_gateway": "ec2", "aws_eip": "ec2", "aws_flow_log": "ec2", "aws_network_": "ec2",
    "aws_default_": "ec2", "aws_instance": "ec2", "aws_launch_template": "ec2",
    "aws_ecs_": "ecs", "aws_lb": "elasticloadbalancing", "aws_cloudfront_": "cloudfront", "aws_acm_": "acm",
    "aws_route53_": "route53", "aws_appautoscaling_": "application-autoscaling", "aws_s3_": "s3",
    "aws_wafv2_": "wafv2",
}  # fmt: skip
FIXTURES = ROOT / "tests" / "fixtures"


def fixtures_with_ci(folder: str, names: tuple[str, ...], target: Path) -> Path:
    """The environment files ``names`` of tests/fixtures/<folder> with [ci], synthesized into ``target``."""
    source = target.parent / "environments"
    source.mkdir()
    shutil.copy(FIXTURES / folder / "_defaults.toml", source)
    for name in names:
        path = source / f"{name}.toml"
        shutil.copy(FIXTURES / folder / f"{name}.toml", path)
        set_key(path, "environment", "account_id", f'"{ACCOUNT}"')
        set_key(path, "ci", "github_repository", f'"{REPOSITORY}"')
        set_key(path, "alerts", "emails", '["platform@acme-corp.io"]')
    synthesize(source, target)
    return target


@pytest.fixture(scope="module")
def ecs_ci_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ECS fixtures (default VPC with CloudFront, dedicated VPC with a domain) with [ci]."""
    return fixtures_with_ci("ecs", ("ecs-default-vpc", "ecs-domain"), tmp_path_factory.mktemp("ci-ecs") / "cdktf.out")


@pytest.fixture(scope="module")
def apprunner_domain_ci_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """App Runner with a custom domain, with [ci]."""
    target = tmp_path_factory.mktemp("ci-apprunner-domain") / "cdktf.out"
    return fixtures_with_ci("apprunner-domain", ("apprunner-domain",), target)


OUTDIR_OF = {
    "ecs-default-vpc": "ecs_ci_out",
    "ecs-domain": "ecs_ci_out",
    "apprunner-domain": "apprunner_domain_ci_out",
    **dict.fromkeys(("waf-cloudfront", "waf-domain", "waf-apprunner"), "waf_json"),
}


@pytest.mark.parametrize("environment", ["stage", "prod", *OUTDIR_OF])
def test_apply_role_can_write_every_resource_type_of_the_stack(
    request: pytest.FixtureRequest, environment: str
) -> None:
    """A resource type the apply role cannot create fails the deploy halfway: a new construct needs its
    service's statement in modules/security/ci_roles.py (and a line here)."""
    synthesized = request.getfixturevalue(OUTDIR_OF.get(environment, "ci_out"))
    outdir = getattr(synthesized, "outdir", synthesized)
    document = stack(outdir, environment)
    policy = statements(document, "apply")
    granted = {
        action.split(":")[0] for item in policy.values() if item.get("effect") != "Deny" for action in item["actions"]
    }
    for kind in document["resource"]:
        # The longest prefix: aws_route53_record is Route 53's, not EC2's (aws_route).
        prefix = max((prefix for prefix in SERVICE_OF_TYPE if kind.startswith(prefix)), key=len, default=None)
        service = SERVICE_OF_TYPE[prefix] if prefix else None
        assert service, f"{kind}: which IAM service creates it? add it to SERVICE_OF_TYPE and to the apply role"
        assert service in granted, f"{kind}: the apply role grants no {service} action"


def test_the_ecs_apply_role_writes_its_own_service_and_its_domains_zone_only(ecs_ci_out: Path) -> None:
    policy = statements(stack(ecs_ci_out, "ecs-domain"), "apply")
    prefix = "cerberus-ecs-domain"
    assert any(arn.endswith(f":cluster/{prefix}") for arn in policy["OwnEcs"]["resources"])
    assert all(prefix in arn for arn in policy["OwnElasticloadbalancing"]["resources"])
    assert policy["RecordsOfTheDomainsZone"]["resources"] == [
        "arn:${data.aws_partition.partition.partition}:route53:::hostedzone/Z0123456789ABCDEFGHIJ"
    ]
    tagged = policy["EcsChangeTaggedForThisEnvironment"]
    assert tagged["condition"] == [
        {"test": "StringEquals", "variable": "aws:ResourceTag/environment", "values": ["ecs-domain"]}
    ]
    passed = policy["PassOwnRolesToTheirServices"]["condition"][0]["values"]
    assert "ecs-tasks.amazonaws.com" in passed
    assert "RecordsOfTheDomainsZone" not in statements(stack(ecs_ci_out, "ecs-default-vpc"), "apply")


def test_the_app_runner_apply_role_associates_the_domain_and_writes_its_zone_only(
    apprunner_domain_ci_out: Path, ci_out: Path
) -> None:
    """AssociateCustomDomain acts on the service (Service Authorization Reference, App Runner): apprunner:* on
    this environment's services covers it; the records go to the domain's zone, nowhere else."""
    policy = statements(stack(apprunner_domain_ci_out, "apprunner-domain"), "apply")
    prefix = "cerberus-apprunner-domain"
    assert policy["OwnApprunner"]["actions"] == ["apprunner:*"]
    assert any(arn.endswith(f":service/{prefix}-*/*") for arn in policy["OwnApprunner"]["resources"])
    assert policy["RecordsOfTheDomainsZone"]["resources"] == [
        "arn:${data.aws_partition.partition.partition}:route53:::hostedzone/Z0123456789ABCDEFGHIJ"
    ]
    assert "route53:ChangeResourceRecordSets" in policy["RecordsOfTheDomainsZone"]["actions"]
    assert "EcsTaskDefinitions" not in policy
    assert "RecordsOfTheDomainsZone" not in statements(stack(apprunner_domain_ci_out, "apprunner-domain"), "plan")
    assert "RecordsOfTheDomainsZone" not in statements(stack(ci_out, "stage"), "apply")  # no domain, no zone


def test_the_apply_role_writes_its_own_web_acl_where_it_lives(
    waf_json: Callable[[str], dict], ecs_ci_out: Path
) -> None:
    """[waf]: the web ACL by name in its region (us-east-1 behind CloudFront: global/), what it protects, its log
    group; outside the stack's region, the alias of its logs' key there."""
    arn = "arn:${data.aws_partition.partition.partition}"
    cloudfront = statements(waf_json("waf-cloudfront"), "apply")
    assert cloudfront["OwnWafv2"]["resources"] == [
        f"{arn}:wafv2:us-east-1:{ACCOUNT}:global/webacl/cerberus-waf-cloudfront-waf/*"
    ]
    assert cloudfront["OwnLogsWaf"]["resources"] == [
        f"{arn}:logs:us-east-1:{ACCOUNT}:log-group:aws-waf-logs-cerberus-waf-cloudfront",
        f"{arn}:logs:us-east-1:{ACCOUNT}:log-group:aws-waf-logs-cerberus-waf-cloudfront:*",
    ]
    assert cloudfront["OwnKmsWaf"]["resources"] == [
        f"{arn}:kms:us-east-1:{ACCOUNT}:alias/cerberus-waf-cloudfront-waf-logs"
    ]
    apprunner = statements(waf_json("waf-apprunner"), "apply")
    assert apprunner["OwnWafv2"]["resources"] == [
        f"{arn}:wafv2:eu-west-1:{ACCOUNT}:regional/webacl/cerberus-waf-apprunner-waf/*",
        f"{arn}:apprunner:eu-west-1:{ACCOUNT}:service/cerberus-waf-apprunner-*/*",
    ]
    assert "OwnKmsWaf" not in apprunner
    domain = statements(waf_json("waf-domain"), "apply")
    assert domain["OwnWafv2"]["resources"][1] == (
        f"{arn}:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/app/cerberus-waf-domain/*"
    )
    assert domain["WafLogDelivery"]["resources"] == ["*"]
    assert "logs:PutResourcePolicy" in domain["WafLogDelivery"]["actions"]
    without = statements(stack(ecs_ci_out, "ecs-domain"), "apply")
    assert not [sid for sid in without if "Waf" in sid]
