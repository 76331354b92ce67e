"""A second IAM linter beside checkov: parliament, offline, on every policy document of a stack.

The policies in a synthesized stack refer to resources that do not exist yet (``${aws_kms_key.key.arn}``).
Each reference is replaced by a placeholder ARN of the right format for the referenced type, so that
parliament checks what it can check: actions that exist, resources whose format fits the action,
conditions that make sense. parliament's ``--file`` refuses to run without a terminal (CI), so it is
called through ``analyze_policy_string``.

Findings are refused unless the stack declares them accepted, with a reason, beside the resource
(``modules.stack.suppress(resource, "PARLIAMENT.<ISSUE>", reason)``), the same way as checkov's.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"
PREFIX = "PARLIAMENT."
# What a reference to an attribute of this type stands for, by the ARN format AWS gives it.
ARN_OF_TYPE = {
    "aws_backup_vault": f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:placeholder",
    "aws_cloudwatch_log_group": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:placeholder",
    "aws_dynamodb_table": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/placeholder",
    "aws_ecr_repository": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/placeholder",
    # The account of Elastic Load Balancing that delivers access logs in the region (us-east-1's).
    "aws_elb_service_account": "arn:aws:iam::127311923021:root",
    "aws_elasticache_replication_group": f"arn:aws:elasticache:{REGION}:{ACCOUNT}:replicationgroup:placeholder",
    "aws_elasticache_user": f"arn:aws:elasticache:{REGION}:{ACCOUNT}:user:placeholder",
    "aws_iam_openid_connect_provider": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com",
    "aws_iam_role": f"arn:aws:iam::{ACCOUNT}:role/placeholder",
    "aws_kms_key": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-0000-0000-000000000000",
    "aws_rds_cluster": f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:placeholder",
    "aws_s3_bucket": "arn:aws:s3:::placeholder",
    "aws_secretsmanager_secret": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:placeholder-AbCdEf",
    "aws_sns_topic": f"arn:aws:sns:{REGION}:{ACCOUNT}:placeholder",
}
# Attributes that are not ARNs, by name.
SCALAR_OF_ATTRIBUTE = {
    "partition": "aws",
    "account_id": ACCOUNT,
    "region": REGION,
    "name": "placeholder",
    "cluster_resource_id": "cluster-ABCDEFGHIJKLMNOPQRSTUVWXY0",  # an Aurora cluster's, in rds-db:connect ARNs
}
SECRET_ATTRIBUTES = re.compile(r"master_user_secret\[0\]\.secret_arn$")
_REFERENCE = re.compile(r"\$\{([^}]*)\}")
_BARE_REFERENCE = re.compile(r"=\s((?:data\.)?aws_[\w.\[\]]+)(?=\s*[,}\]])")
# Resources whose inline ``policy`` is an IAM policy (a key policy; bucket and role policies come
# from aws_iam_policy_document data sources, linted as such).
INLINE_POLICY_TYPES = ("aws_kms_key",)


@dataclass(frozen=True, order=True)
class Finding:
    address: str  # the Terraform address of the document (data source, or resource with an inline policy)
    issue: str  # parliament's issue code, e.g. RESOURCE_MISMATCH
    detail: str


def _placeholder(reference: str, whole: bool) -> str:
    parts = reference.split(".")
    kind = parts[1] if parts[0] == "data" else parts[0]
    attribute = parts[-1]
    if SECRET_ATTRIBUTES.search(reference):
        return ARN_OF_TYPE["aws_secretsmanager_secret"]
    if attribute == "target_key_arn":  # an alias's key
        return ARN_OF_TYPE["aws_kms_key"]
    if attribute in SCALAR_OF_ATTRIBUTE and not (attribute == "name" and whole):
        return SCALAR_OF_ATTRIBUTE[attribute]
    if attribute in ("arn", "id", "key_id", "name") and kind in ARN_OF_TYPE:
        return ARN_OF_TYPE[kind]
    raise ValueError(f"no placeholder for the reference ${{{reference}}}: add its type to ARN_OF_TYPE")


def resolve(value: Any) -> Any:
    """Replaces every ``${...}`` reference inside ``value`` by a placeholder of the right format."""
    if isinstance(value, str):
        whole = _REFERENCE.fullmatch(value)
        if whole:
            return _placeholder(whole.group(1), whole=True)
        return _REFERENCE.sub(lambda match: _placeholder(match.group(1), whole=False), value)
    if isinstance(value, list):
        return [resolve(item) for item in value]
    if isinstance(value, dict):
        return {key: resolve(item) for key, item in value.items()}
    return value


def _statement(block: Mapping[str, Any]) -> dict[str, Any]:
    """One statement of an ``aws_iam_policy_document`` data source, as IAM JSON."""
    statement: dict[str, Any] = {"Effect": block.get("effect", "Allow"), "Action": block.get("actions", [])}
    keys = (("sid", "Sid"), ("resources", "Resource"), ("not_actions", "NotAction"), ("not_resources", "NotResource"))
    for key, name in keys:
        if block.get(key):
            statement[name] = block[key]
    principals: dict[str, list[str]] = {}
    for principal in block.get("principals", []):
        principals.setdefault(principal["type"], []).extend(principal["identifiers"])
    if principals == {"*": ["*"]}:
        statement["Principal"] = "*"  # how the data source renders "anyone"
    elif principals:
        statement["Principal"] = {kind: ids[0] if len(ids) == 1 else ids for kind, ids in principals.items()}
    conditions: dict[str, dict[str, str | list[str]]] = {}
    for condition in block.get("condition", []):
        values = condition["values"]  # one value is written as a scalar, as IAM shows it (parliament needs it)
        conditions.setdefault(condition["test"], {})[condition["variable"]] = values[0] if len(values) == 1 else values
    if conditions:
        statement["Condition"] = conditions
    return statement


def _jsonencoded(expression: str) -> Any:
    """The object inside ``${jsonencode({...})}`` as cdktf writes it (``"key" = value``, a whole-value
    reference bare), as data with the references back in ``${...}``."""
    body = expression.removeprefix("${jsonencode(").removesuffix(")}")
    body = _BARE_REFERENCE.sub(lambda match: f'= "${{{match.group(1)}}}"', body)
    return json.loads(re.sub(r'"\s=\s', '": ', body))


def policy_documents(stack: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(address, IAM policy document) for every policy a synthesized stack holds."""
    for name, block in sorted(stack.get("data", {}).get("aws_iam_policy_document", {}).items()):
        statements = [_statement(item) for item in block.get("statement", [])]
        yield f"data.aws_iam_policy_document.{name}", {"Version": "2012-10-17", "Statement": statements}
    for kind in INLINE_POLICY_TYPES:
        for name, block in sorted(stack.get("resource", {}).get(kind, {}).items()):
            policy = block.get("policy")
            if isinstance(policy, str) and policy.startswith("${jsonencode("):
                yield f"{kind}.{name}", _jsonencoded(policy)


def lint(stack: Mapping[str, Any]) -> list[Finding]:
    """parliament's findings on every policy of ``stack``, references resolved to placeholders."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # parliament imports pkg_resources, which warns on import
        from parliament import analyze_policy_string  # noqa: PLC0415  (its import reads its whole IAM database)

    found = []
    for address, document in policy_documents(stack):
        try:
            analyzed = analyze_policy_string(json.dumps(resolve(document)))
        except Exception as error:  # noqa: BLE001  (a linter that cannot read a policy has not passed it)
            found.append(Finding(address, "UNREADABLE", f"parliament could not analyze it: {error!r}"))
            continue
        for finding in analyzed.findings:
            found.append(Finding(address, finding.issue, json.dumps(finding.detail, sort_keys=True, default=str)))
    return sorted(set(found))


@dataclass(frozen=True)
class LintResult:
    documents: int
    failed: list[str]  # findings no suppression accepts: the gate fails on them
    suppressed: list[str]
    stale: list[str]  # suppressions that match no finding: the gate fails on them too


def check(stack: Mapping[str, Any], accepted: list[Mapping[str, str]]) -> LintResult:
    """Lints ``stack`` and matches the findings against the suppressions synthesis wrote beside it."""
    reasons = {(item["resource"], item["issue"]): item["reason"] for item in accepted}
    findings = lint(stack)
    failed = [
        f"{item.issue} {item.address}: {item.detail}" for item in findings if (item.address, item.issue) not in reasons
    ]
    suppressed = sorted(
        {
            f"{item.issue} {item.address}: {reasons[item.address, item.issue]}"
            for item in findings
            if (item.address, item.issue) in reasons
        }
    )
    found = {(item.address, item.issue) for item in findings}
    stale = [
        f"{issue} {address}: declared, but parliament reports no such finding"
        for address, issue in sorted(reasons)
        if (address, issue) not in found
    ]
    return LintResult(sum(1 for _ in policy_documents(stack)), failed, suppressed, stale)
