"""[ci]: the GitHub repository whose Actions workflows plan and deploy the environment through OIDC.

Without it the environment has no CI roles. With it, the bootstrap of the environment's account creates
GitHub's OIDC provider (once per account: IAM is global) and the environment stack creates two roles that
only that repository's workflow tokens can assume, told apart by the token's ``sub``:

- the plan role, for pull requests: ``repo:<owner>/<repo>:pull_request``;
- the apply role, for the job that declares ``environment: <env>``: ``repo:<owner>/<repo>:environment:<env>``.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules.settings.schema import matches, no_suffix, setting

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_OIDC_URL = f"https://{GITHUB_OIDC_HOST}"
STS_AUDIENCE = "sts.amazonaws.com"  # the audience aws-actions/configure-aws-credentials requests
# GitHub: an owner (user or organization) is 1-39 letters, digits and single hyphens, not starting or ending
# with one; a repository name is 1-100 letters, digits, '.', '-' and '_', and neither '.' nor '..'.
GITHUB_OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}"
GITHUB_REPOSITORY = rf"(?:{GITHUB_OWNER}/(?!\.{{1,2}}$)[A-Za-z0-9._-]{{1,100}})?"


def plan_subject(repository: str) -> str:
    """The ``sub`` of a workflow token on a pull request (GitHub gives no token to pull requests from forks)."""
    return f"repo:{repository}:pull_request"


def apply_subject(repository: str, environment: str) -> str:
    """The ``sub`` of a workflow token in a job that declares ``environment: <environment>``."""
    return f"repo:{repository}:environment:{environment}"


@dataclass(frozen=True, kw_only=True)
class CiSettings:
    """[ci]: the GitHub repository that plans and deploys this environment (OIDC roles; needs account_id)."""

    github_repository: str = setting(
        "GitHub repository (owner/name, spelled as GitHub shows it: the token's sub is compared exactly) whose "
        "Actions workflows may assume this environment's plan role (pull requests) and apply role (jobs with "
        "environment: <name>); empty: no CI roles",
        matches(
            GITHUB_REPOSITORY,
            "owner/name: an owner of 1-39 letters, digits and single hyphens (not first or last), a name of "
            "1-100 letters, digits, . - and _ (not . or ..)",
        ),
        no_suffix(".git", "that is the clone URL's ending: the token's sub names the repository without it"),
        default="",
    )

    @property
    def enabled(self) -> bool:
        return bool(self.github_repository)
