"""parliament, the second IAM linter: every policy of every stack, references resolved to placeholder
ARNs of the right format; findings fail unless accepted with a reason beside the resource."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modules.layout import LINT_SUPPRESSIONS_FILE
from scripts.ops import iam_lint


def load(outdir: Path, stack: str) -> tuple[dict, list[dict]]:
    stack_dir = outdir / "stacks" / stack
    document = json.loads((stack_dir / "cdk.tf.json").read_text(encoding="utf-8"))
    return document, json.loads((stack_dir / LINT_SUPPRESSIONS_FILE).read_text(encoding="utf-8"))


@pytest.mark.parametrize("stack", ["bootstrap", "stage", "prod"])
def test_every_policy_passes_or_is_accepted_with_a_reason(outdir: Path, stack: str) -> None:
    document, accepted = load(outdir, stack)
    result = iam_lint.check(document, accepted)
    assert result.documents >= 3
    assert (result.failed, result.stale) == ([], [])
    assert all(len(item["reason"].split()) >= 5 for item in accepted)


def test_identity_policies_need_no_suppression(outdir: Path) -> None:
    """Only key policies and trust policies carry accepted findings: the roles' own policies are clean."""
    _, accepted = load(outdir, "prod")
    assert {item["resource"] for item in accepted} <= {
        "aws_kms_key.key",
        *(
            f"data.aws_iam_policy_document.{name}"
            for name in (
                "backup_role_trust",
                "db_monitoring_role_trust",
                "network_flow_log_role_trust",
                "service_access_role_trust",
                "service_instance_role_trust",
            )
        ),
    }


def test_a_wrong_action_or_resource_format_is_a_finding(outdir: Path) -> None:
    document, accepted = load(outdir, "prod")
    statements = document["data"]["aws_iam_policy_document"]["service_instance_policy_document"]["statement"]
    statements.append({"actions": ["secretsmanager:GetSecretValu"], "effect": "Allow", "resources": ["*"]})
    statements.append({"actions": ["s3:GetObject"], "effect": "Allow", "resources": ["${aws_kms_key.key.arn}"]})
    failed = iam_lint.check(document, accepted).failed
    assert any(
        line.startswith("UNKNOWN_ACTION data.aws_iam_policy_document.service_instance_policy_document")
        for line in failed
    )
    assert any(line.startswith("RESOURCE_MISMATCH ") for line in failed)


def test_a_suppression_that_matches_nothing_is_stale(outdir: Path) -> None:
    document, accepted = load(outdir, "stage")
    extra = {"resource": "aws_kms_key.key", "issue": "UNKNOWN_ACTION", "reason": "no such finding exists here at all"}
    assert iam_lint.check(document, [*accepted, extra]).stale == [
        "UNKNOWN_ACTION aws_kms_key.key: declared, but parliament reports no such finding"
    ]


def test_references_become_arns_of_the_referenced_type() -> None:
    assert (
        iam_lint.resolve("${aws_ecr_repository.ecr.arn}") == "arn:aws:ecr:us-east-1:123456789012:repository/placeholder"
    )
    assert iam_lint.resolve("${aws_rds_cluster.db.master_user_secret[0].secret_arn}").startswith(
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
    )
    assert iam_lint.resolve(
        "arn:${data.aws_partition.p.partition}:iam::${data.aws_caller_identity.a.account_id}:root"
    ) == ("arn:aws:iam::123456789012:root")
    with pytest.raises(ValueError, match="no placeholder"):
        iam_lint.resolve("${aws_unknown_thing.x.arn}")


def test_a_policy_parliament_cannot_read_fails_instead_of_passing(
    monkeypatch: pytest.MonkeyPatch, outdir: Path
) -> None:
    import parliament

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(parliament, "analyze_policy_string", broken)
    document, accepted = load(outdir, "bootstrap")
    assert all(line.startswith("UNREADABLE ") for line in iam_lint.check(document, accepted).failed)
    assert iam_lint.check(document, accepted).failed
