"""IAM policy documents as data sources, so plans show them as readable JSON."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TypeAlias

from modules.framework import Construct, aws
from modules.stack import suppress

_doc = aws.data_aws_iam_policy_document
PolicyDocument: TypeAlias = aws.data_aws_iam_policy_document.DataAwsIamPolicyDocument


def statement(
    sid: str,
    actions: Sequence[str],
    resources: Sequence[str] = (),
    *,
    effect: str = "Allow",
    principals: Mapping[str, Sequence[str]] | None = None,
    conditions: Iterable[tuple[str, str, Sequence[str]]] = (),
    not_resources: Sequence[str] = (),
) -> object:
    """One statement; ``principals`` maps type (``AWS``, ``Service``, ``*``) to identifiers;
    ``conditions`` are (test, variable, values); ``not_resources``: every resource but these."""
    return _doc.DataAwsIamPolicyDocumentStatement(
        sid=sid,
        effect=effect,
        actions=list(actions),
        resources=list(resources) or None,
        not_resources=list(not_resources) or None,
        principals=[
            _doc.DataAwsIamPolicyDocumentStatementPrincipals(type=kind, identifiers=list(identifiers))
            for kind, identifiers in (principals or {}).items()
        ]
        or None,
        condition=[
            _doc.DataAwsIamPolicyDocumentStatementCondition(test=test, variable=variable, values=list(values))
            for test, variable, values in conditions
        ]
        or None,
    )


def policy_document(scope: Construct, construct_id: str, *statements: object) -> PolicyDocument:
    return _doc.DataAwsIamPolicyDocument(scope, construct_id, statement=list(statements))


def deny_insecure_transport(bucket_arn: str) -> object:
    """The statement every bucket policy here carries: TLS only."""
    return statement(
        "DenyInsecureTransport",
        ["s3:*"],
        [bucket_arn, f"{bucket_arn}/*"],
        effect="Deny",
        principals={"*": ["*"]},
        conditions=[("Bool", "aws:SecureTransport", ["false"])],
    )


def service_role(
    scope: Construct, construct_id: str, *, name: str, description: str, service: str
) -> aws.iam_role.IamRole:
    """A role only ``service`` (e.g. ``tasks.apprunner.amazonaws.com``) can assume; its trust policy is
    the data source ``<construct_id>_trust``."""
    trust = policy_document(
        scope,
        f"{construct_id}_trust",
        statement("ServiceAssumesRole", ["sts:AssumeRole"], principals={"Service": [service]}),
    )
    suppress(
        trust,
        "PARLIAMENT.MALFORMED",
        "A trust policy names a principal and no resource; parliament reads every document as an identity policy",
    )
    return aws.iam_role.IamRole(scope, construct_id, name=name, description=description, assume_role_policy=trust.json)
