"""GitHub Actions' OIDC identity provider: one per AWS account, created by one bootstrap stack
(``modules.settings.backends.github_oidc_owners`` says which)."""

from __future__ import annotations

from modules.framework import Construct, aws
from modules.settings.ci import GITHUB_OIDC_URL, STS_AUDIENCE


class GithubOidcProvider(Construct):
    """Lets workflow tokens of GitHub Actions be exchanged for role credentials (AssumeRoleWithWebIdentity).

    No ``thumbprint_list``: it is optional in provider 5.100, IAM fills in the thumbprint of the issuer's
    top intermediate certificate when none is given, and for GitHub AWS verifies the JWKS endpoint against
    its own library of trusted root CAs, so a thumbprint pinned here would only go stale. Which repository
    may assume which role is decided in each role's trust policy, never here."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        provider = aws.iam_openid_connect_provider.IamOpenidConnectProvider(
            self, "this", url=GITHUB_OIDC_URL, client_id_list=[STS_AUDIENCE]
        )
        self.arn: str = provider.arn


def github_oidc_provider_arn(scope: Construct, construct_id: str) -> str:
    """The account's provider, looked up by its URL: a plan fails with a clear error when the bootstrap
    that creates it has not run."""
    provider = aws.data_aws_iam_openid_connect_provider.DataAwsIamOpenidConnectProvider(
        scope, construct_id, url=GITHUB_OIDC_URL
    )
    arn: str = provider.arn
    return arn
