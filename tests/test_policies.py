"""The custom App Runner policies: each fails its bad example, and only that one; the real service passes."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

CHECKS = ["CKV_CERBERUS_1", "CKV_CERBERUS_2", "CKV_CERBERUS_3", "CKV_CERBERUS_4", "CKV_CERBERUS_5"]


def _variants(service: dict) -> dict[str, tuple[dict, str | None]]:
    def changed(edit) -> dict:  # type: ignore[no-untyped-def]
        variant = copy.deepcopy(service)
        edit(variant)
        return variant

    image = lambda s: s["source_configuration"]["image_repository"]["image_configuration"]  # noqa: E731
    return {
        "good": (service, None),
        "public_egress": (
            changed(lambda s: s["network_configuration"].update(egress_configuration={"egress_type": "DEFAULT"})),
            "CKV_CERBERUS_1",
        ),
        "no_instance_role": (changed(lambda s: s["instance_configuration"].pop("instance_role_arn")), "CKV_CERBERUS_2"),
        "auto_deploy": (
            changed(lambda s: s["source_configuration"].update(auto_deployments_enabled=True)),
            "CKV_CERBERUS_3",
        ),
        "no_health_check": (changed(lambda s: s.pop("health_check_configuration")), "CKV_CERBERUS_4"),
        "plain_secret": (
            changed(lambda s: image(s)["runtime_environment_variables"].update(DB_PASSWORD="hunter2")),
            "CKV_CERBERUS_5",
        ),
    }


def test_each_policy_catches_its_bad_example(stack_json, tmp_path: Path) -> None:
    service = stack_json("stage")["resource"]["aws_apprunner_service"]["service"]
    variants = _variants(service)
    document = {"resource": {"aws_apprunner_service": {name: body for name, (body, _) in variants.items()}}}
    (tmp_path / "examples.tf.json").write_text(json.dumps(document, indent=2))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "checkov.main",
            "-d",
            str(tmp_path),
            "--framework",
            "terraform_json",
            "--skip-download",
            "--external-checks-dir",
            str(ROOT / "policies" / "checkov"),
            "--check",
            ",".join(CHECKS),
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = json.loads(result.stdout)
    failed = {(check["resource"].split(".")[-1], check["check_id"]) for check in report["results"]["failed_checks"]}
    passed = {(check["resource"].split(".")[-1], check["check_id"]) for check in report["results"]["passed_checks"]}
    expected_failures = {(name, check) for name, (_, check) in variants.items() if check}
    assert failed == expected_failures
    assert len(passed) == len(variants) * len(CHECKS) - len(expected_failures)
    assert {("good", check) for check in CHECKS} <= passed
