"""ECS environments applied for real against the local AWS, both HTTPS paths: the default VPC with CloudFront in
front of the load balancer (no domain), and a dedicated network with a domain whose ACM certificate is
validated in Route 53. Each deploys with nothing left unapplied, plans again with nothing to add, change,
replace or destroy, and destroys to an empty state, keeping the key its final snapshots need.

The two run side by side, each in a folder of its own (a copy of the bootstrap's local state), on the
session's one local AWS (tests/conftest.py): most of an apply is the provider waiting for the local AWS.
The domain environment is the fixture with the id of a hosted zone made in the local AWS, and unprotected
(scripts/destroy.sh refuses a protected environment)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_local_apply import client, destroy_keeps_the_key, script, state

pytestmark = pytest.mark.slow
FIXTURES = ROOT / "tests" / "fixtures" / "ecs"
DEFAULT_VPC, DOMAIN = "ecs-default-vpc", "ecs-domain"
ZONE = "example.com"  # the fixture's domain is api.example.com


@pytest.fixture(scope="module")
def ecs_environments(shared_local_aws: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two ECS environment files, the domain one naming a hosted zone of the local AWS."""
    folder = tmp_path_factory.mktemp("ecs-environments")
    for name in ("_defaults.toml", f"{DEFAULT_VPC}.toml"):
        shutil.copy(FIXTURES / name, folder / name)
    zone = client(shared_local_aws, "route53").create_hosted_zone(Name=ZONE, CallerReference="test-local-ecs")
    zone_id = zone["HostedZone"]["Id"].removeprefix("/hostedzone/")
    text = (FIXTURES / f"{DOMAIN}.toml").read_text(encoding="utf-8")
    changed = re.sub(r'hosted_zone_id = "Z\w+"', f'hosted_zone_id = "{zone_id}"', text, count=1)
    changed = changed.replace("protected = true", "protected = false", 1)
    assert changed.count(zone_id) == 1 and "protected = false" in changed, changed
    (folder / f"{DOMAIN}.toml").write_text(changed, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def local(shared_local_aws: dict[str, str], ecs_environments: Path) -> dict[str, str]:
    """The session's local AWS, bootstrapped for these environment files (a no-op when another module did it)."""
    env = {**shared_local_aws, "ENVIRONMENTS_DIR": str(ecs_environments)}
    result = script(env, "bootstrap.sh", "--local")
    assert result.returncode == 0, result.stdout + result.stderr
    return env


def deploy_plan_destroy(env: dict[str, str], stack: str) -> dict[str, str]:
    """Deploy, plan again, destroy; returns the deploy's and plan's output for the tests to read."""
    deployed = script(env, "deploy.sh", stack, "--local", "--yes")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    planned = script(env, "plan.sh", stack, "--local")
    assert planned.returncode == 0, planned.stdout + planned.stderr
    plan = json.loads((Path(env["LOCAL_DIR"]) / "cdktf.out" / "stacks" / stack / "plan.json").read_text())
    applied = state(env, stack)
    destroy_keeps_the_key(env, stack)
    return {"deploy": deployed.stdout, "plan": planned.stdout, "plan_json": json.dumps(plan),
            "applied": "\n".join(applied)}  # fmt: skip


@pytest.fixture(scope="module")
def runs(
    local: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future[dict[str, str]]]]:
    """Each environment deployed, planned and destroyed in the background, from its own folder."""
    envs = {}
    for stack in (DEFAULT_VPC, DOMAIN):
        folder = tmp_path_factory.mktemp(f"local-{stack}")
        shutil.copytree(Path(local["LOCAL_DIR"]) / "bootstrap", folder / "bootstrap")
        envs[stack] = {**local, "LOCAL_DIR": str(folder)}
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield {stack: pool.submit(deploy_plan_destroy, env, stack) for stack, env in envs.items()}


def check(run: Future[dict[str, str]], stack: str, *expected: str) -> None:
    result = run.result(timeout=3600)  # the background run's own assertions fail here, with their messages
    assert "local AWS: every planned resource was applied" in result["deploy"], result["deploy"]
    assert f"plan for {stack}: 0 to add, 0 to change, 0 to replace, 0 to destroy" in result["plan"], result["plan"]
    changes = [
        c["address"] for c in json.loads(result["plan_json"])["resource_changes"] if c["change"]["actions"] != ["no-op"]
    ]
    assert changes == [], changes
    applied = result["applied"].split()
    for address in expected:
        assert address in applied, (address, applied)


def test_cloudfront_in_front_of_the_load_balancer_applies_plans_clean_and_destroys(
    runs: dict[str, Future[dict[str, str]]],
) -> None:
    check(runs[DEFAULT_VPC], DEFAULT_VPC, "aws_cloudfront_distribution.ecs_cdn", "aws_ecs_service.ecs_service",
          "aws_appautoscaling_target.ecs_scaling", "aws_appautoscaling_policy.ecs_scale_on_cpu",
          "aws_appautoscaling_policy.ecs_scale_on_requests")  # fmt: skip


def test_a_domain_validated_in_route53_applies_plans_clean_and_destroys(
    runs: dict[str, Future[dict[str, str]]],
) -> None:
    check(runs[DOMAIN], DOMAIN, "aws_acm_certificate_validation.ecs_certificate_validated",
          "aws_route53_record.ecs_certificate_validation", "aws_route53_record.ecs_alias",
          "aws_ecs_service.ecs_service", "aws_appautoscaling_target.ecs_scaling")  # fmt: skip
