"""The bootstrap stack: a hardened state backend found by naming convention."""

from __future__ import annotations

import json
import re

from modules.settings.naming import state_bucket_name
from tests.conftest import only, resources


def test_bootstrap_keeps_its_own_state_locally_outside_cdktf_out(stack_json) -> None:
    backend = stack_json("bootstrap")["terraform"]["backend"]
    assert backend == {"local": {"path": "../../../bootstrap/terraform.tfstate"}}


def test_state_bucket_is_named_by_the_shared_convention(stack_json) -> None:
    buckets = resources(stack_json("bootstrap"), "aws_s3_bucket")
    assert (
        buckets["state_bucket"]["bucket"]
        == state_bucket_name("cerberus", "us-east-1", "")
        == "cerberus-tfstate-us-east-1"
    )
    assert buckets["state_logs"]["bucket"] == "cerberus-tfstate-logs-us-east-1"
    assert all(bucket["lifecycle"] == {"prevent_destroy": True} for bucket in buckets.values())


def test_state_bucket_is_encrypted_with_the_customer_managed_key(stack_json) -> None:
    encryption = resources(stack_json("bootstrap"), "aws_s3_bucket_server_side_encryption_configuration")
    rule = encryption["state_bucket_encryption"]["rule"][0]
    assert rule["apply_server_side_encryption_by_default"] == {
        "kms_master_key_id": "${aws_kms_key.state_key.arn}",
        "sse_algorithm": "aws:kms",
    }
    assert rule["bucket_key_enabled"] is True
    # Server access logs can only be delivered to SSE-S3 buckets.
    logs_rule = encryption["state_logs_encryption"]["rule"][0]
    assert logs_rule["apply_server_side_encryption_by_default"] == {"sse_algorithm": "AES256"}


def test_key_rotates_and_has_an_explicit_policy(stack_json) -> None:
    key = only(stack_json("bootstrap"), "aws_kms_key")
    assert key["enable_key_rotation"] is True and key["deletion_window_in_days"] == 30
    # jsonencode(...) rather than a JSON string: cdktf's HCL output breaks on quotes inside strings.
    policy = key["policy"]
    assert policy.startswith("${jsonencode({") and re.findall(r'"Sid" = "(\w+)"', policy) == [
        "AccountAdministersKeyThroughIam"
    ]
    assert (
        '"AWS" = "arn:${data.aws_partition.state_partition.partition}:iam::'
        '${data.aws_caller_identity.state_account.account_id}:root"' in policy
    )
    assert key["lifecycle"] == {"prevent_destroy": True}


def test_both_buckets_block_all_public_access_and_enforce_ownership(stack_json) -> None:
    document = stack_json("bootstrap")
    blocks = resources(document, "aws_s3_bucket_public_access_block")
    assert len(blocks) == 2
    for block in blocks.values():
        assert all(
            block[flag] is True
            for flag in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
        )
    for ownership in resources(document, "aws_s3_bucket_ownership_controls").values():
        assert ownership["rule"]["object_ownership"] == "BucketOwnerEnforced"
    for versioning in resources(document, "aws_s3_bucket_versioning").values():
        assert versioning["versioning_configuration"]["status"] == "Enabled"


def test_bucket_policies_deny_insecure_transport(stack_json) -> None:
    documents = (
        resources(stack_json("bootstrap"), "aws_iam_policy_document")
        or stack_json("bootstrap")["data"]["aws_iam_policy_document"]
    )
    for name in ("state_bucket_policy_document", "state_logs_policy_document"):
        deny = next(s for s in documents[name]["statement"] if s["sid"] == "DenyInsecureTransport")
        assert deny["effect"] == "Deny" and deny["actions"] == ["s3:*"]
        assert deny["condition"] == [{"test": "Bool", "values": ["false"], "variable": "aws:SecureTransport"}]


def test_lifecycle_expires_noncurrent_versions_and_aborts_incomplete_uploads(stack_json) -> None:
    lifecycles = resources(stack_json("bootstrap"), "aws_s3_bucket_lifecycle_configuration")
    state_rule = lifecycles["state_bucket_lifecycle"]["rule"][0]
    assert state_rule["noncurrent_version_expiration"] == [{"noncurrent_days": 90}]
    assert state_rule["abort_incomplete_multipart_upload"] == [{"days_after_initiation": 7}]
    assert "expiration" not in state_rule  # current state versions never expire
    assert lifecycles["state_logs_lifecycle"]["rule"][0]["expiration"] == [{"days": 365}]


def test_state_bucket_access_is_logged_to_the_log_bucket(stack_json) -> None:
    logging = only(stack_json("bootstrap"), "aws_s3_bucket_logging")
    assert logging["bucket"] == "${aws_s3_bucket.state_bucket.id}"
    assert logging["target_bucket"] == "${aws_s3_bucket.state_logs.id}"


def test_locking_needs_no_table_and_an_earlier_lock_table_is_forgotten_not_destroyed(stack_json, outdir) -> None:
    assert "aws_dynamodb_table" not in stack_json("bootstrap").get("resource", {})
    # Bootstraps from before S3 lockfile locking hold a deletion-protected table at this address.
    versions = (outdir / "stacks" / "bootstrap" / "versions.tf").read_text(encoding="utf-8")
    forgotten = "removed {\n  from = aws_dynamodb_table.state_lock\n  lifecycle {\n    destroy = false\n  }\n}\n"
    assert forgotten in versions


def test_bootstrap_outputs_what_the_scripts_use(stack_json) -> None:
    outputs = stack_json("bootstrap")["output"]
    assert {"state_bucket_name", "state_kms_key_arn", "region"} <= set(outputs) and "lock_table_name" not in outputs
    assert all(output.get("description") for output in outputs.values())


def test_every_bootstrap_suppression_names_resource_check_and_reason(outdir) -> None:
    declared = json.loads((outdir / "stacks" / "bootstrap" / "checkov-suppressions.json").read_text())
    assert {(item["resource"], item["check_id"]) for item in declared} == {
        ("aws_s3_bucket.state_bucket", "CKV2_AWS_62"),
        ("aws_s3_bucket.state_bucket", "CKV_AWS_144"),
        ("aws_s3_bucket.state_logs", "CKV2_AWS_62"),
        ("aws_s3_bucket.state_logs", "CKV_AWS_144"),
        ("aws_s3_bucket.state_logs", "CKV_AWS_145"),
    }
    assert all(len(item["reason"].split()) >= 8 for item in declared)
