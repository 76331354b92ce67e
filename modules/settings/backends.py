"""Which state backend each environment uses, which bootstrap stack creates it and where that stack's
local state lives: the one owner of those facts, read by the bootstrap stack (synthesis) and by the
operations flow (no framework), which compares them with what this checkout already created.

A backend is one (project, account, region): bucket ``<project>-tfstate-<account>-<region>`` (without the
account only in local mode: a deploy to AWS needs ``account_id``, see ``account_problems``). With one
backend its stack is ``bootstrap`` (state ``bootstrap/terraform.tfstate``); with several each is
``bootstrap-<project>[-<account>]-<region>`` (state ``bootstrap/<stack>.tfstate``). Adding an environment
in a second region or account therefore renames the first stack and moves its state file: the
operations flow refuses that until it is done on purpose (``state_moves``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from modules.settings.budget import COST_ALLOCATION_TAG
from modules.settings.loader import EnvironmentConfig, display
from modules.settings.naming import RESERVED_PREFIX, state_bucket_name, state_key, state_key_alias

BOOTSTRAP = RESERVED_PREFIX  # the state-backend stack of a single backend; several: bootstrap-<...>
STATE_FOLDER = "bootstrap"  # relative to the repository root
RECORD_FILE = "backends.json"  # in STATE_FOLDER: what bootstrap and deploy created, committed like the state


@dataclass(frozen=True)
class Backend:
    project: str
    account_id: str
    region: str
    environments: tuple[str, ...]
    tags: Mapping[str, str]  # only the tags every one of its environments shares
    # The account-wide `environment` cost allocation tag is activated by exactly one backend per account:
    # the one whose environment sets [budget] activate_cost_allocation_tag (cost_tag_problems).
    activates_cost_tag: bool = False

    @property
    def bucket(self) -> str:
        return state_bucket_name(self.project, self.region, self.account_id)


def shared_tags(tag_sets: Sequence[Mapping[str, str]]) -> dict[str, str]:
    """The tags (key and value) every set has: a backend serves several environments."""
    if not tag_sets:
        return {}
    first, *rest = tag_sets
    return {key: value for key, value in sorted(first.items()) if all(other.get(key) == value for other in rest)}


def bootstrap_stacks(configs: Sequence[EnvironmentConfig]) -> dict[str, Backend]:
    """One bootstrap stack per distinct backend (project, account, region), by stack id."""
    grouped: dict[tuple[str, str, str], list[EnvironmentConfig]] = {}
    for config in configs:
        env = config.environment
        grouped.setdefault((env.project, env.account_id, env.region), []).append(config)
    backends = {
        key: Backend(
            *key,
            tuple(config.name for config in group),
            shared_tags([config.environment.tags for config in group]),
            activates_cost_tag=any(config.budget.activate_cost_allocation_tag for config in group),
        )
        for key, group in sorted(grouped.items())
    }
    if len(backends) == 1:
        return {BOOTSTRAP: next(iter(backends.values()))}
    return {"-".join(part for part in (BOOTSTRAP, *key) if part): backend for key, backend in backends.items()}


def github_oidc_owners(configs: Sequence[EnvironmentConfig]) -> dict[str, str]:
    """stack id -> account id: the bootstrap stack that creates GitHub's OIDC provider in each account that
    has an environment with [ci]. IAM is global, one provider per account: of the account's backends that
    serve a [ci] environment, the first by stack id owns it, and the environment stacks look it up by its
    URL (the loader requires account_id with [ci], so the account is always known)."""
    owners: dict[str, str] = {}
    for stack_id, backend in sorted(bootstrap_stacks(configs).items()):
        with_ci = any(
            config.ci.enabled
            for config in configs
            if config.environment.name in backend.environments and config.environment.project == backend.project
        )
        if with_ci and backend.account_id and backend.account_id not in owners.values():
            owners[stack_id] = backend.account_id
    return owners


def state_file(stack_id: str) -> str:
    """The bootstrap stack's local state, relative to the repository root."""
    return f"{STATE_FOLDER}/{'terraform' if stack_id == BOOTSTRAP else stack_id}.tfstate"


def mixed_account_problems(configs: Sequence[EnvironmentConfig]) -> list[str]:
    """Environments of one project and region where some set account_id and some do not: without it we
    cannot tell whether they share an account, and two bootstraps of one account collide on the key alias
    (named by project only), half-applying the second."""
    by_place: dict[tuple[str, str], list[EnvironmentConfig]] = {}
    for config in configs:
        by_place.setdefault((config.environment.project, config.environment.region), []).append(config)
    problems = []
    for (project, region), group in sorted(by_place.items()):
        with_id = sorted(c.environment.name for c in group if c.environment.account_id)
        without = [c for c in group if not c.environment.account_id]
        if not with_id or not without:
            continue
        for config in sorted(without, key=lambda c: c.environment.name):
            problems.append(
                f"{config.source.parent.name}/{config.source.name}: environment.account_id: expected it set, as in "
                f"{', '.join(with_id)} (project {project}, region {region}): set account_id in every environment "
                "of a project and region or in none (unknown accounts may be the same one, and two bootstraps of "
                f"one account collide on {state_key_alias(project)})"
            )
    return problems


def layout(configs: Sequence[EnvironmentConfig]) -> dict[str, Any]:
    """What the record (bootstrap/backends.json) holds: each environment's backend and each bootstrap
    stack's bucket and local state file."""
    stacks = bootstrap_stacks(configs)
    environments = {}
    for stack_id, backend in stacks.items():
        for name in backend.environments:
            environments[name] = {
                "bucket": backend.bucket, "key": state_key(name), "region": backend.region,
                "kms_key_id": state_key_alias(backend.project), "bootstrap_stack": stack_id,
            }  # fmt: skip
    return {
        "bootstrap_stacks": {
            stack_id: {"bucket": backend.bucket, "region": backend.region, "state": state_file(stack_id)}
            for stack_id, backend in stacks.items()
        },
        "environments": dict(sorted(environments.items())),
    }


def account_problems(configs: Sequence[EnvironmentConfig]) -> list[str]:
    """What a deploy to AWS refuses: an environment without account_id. Its state bucket would be named
    without the account, a name anyone may have created first (local mode needs no account)."""
    return [
        f"{display(config.source)}: environment.account_id: not set: a deploy to AWS needs it, because the state "
        f"bucket is named {state_bucket_name(config.environment.project, config.environment.region, '<account_id>')} "
        "(S3 bucket names are global: a name without the account may belong to anyone, who would then receive "
        'the state) and the provider and the backend refuse other accounts; set account_id = "<12 digits>" under '
        "[environment] (aws sts get-caller-identity --query Account --output text); --local runs without it"
        for config in configs
        if not config.environment.account_id
    ]


def cost_tag_problems(configs: Sequence[EnvironmentConfig]) -> list[str]:
    """[budget] activate_cost_allocation_tag: the tag is account-wide, so exactly one environment per
    account (named by account_id) may switch it on; its state-backend stack owns the activation."""
    problems: list[str] = []
    owners: dict[str, str] = {}
    for config in sorted(configs, key=lambda config: config.name):
        if not config.budget.activate_cost_allocation_tag:
            continue
        account = config.environment.account_id
        where = f"{display(config.source)}: budget.activate_cost_allocation_tag = true"
        if not account:
            continue  # refused by the loader, with the file and the key
        if account in owners:
            problems.append(
                f"{where}: expected it in one environment per account: {owners[account]} activates the "
                f"{COST_ALLOCATION_TAG} cost allocation tag of account {account} already; set it to false here"
            )
        else:
            owners[account] = config.name
    return problems


def cost_tag_warnings(configs: Sequence[EnvironmentConfig]) -> dict[str, str]:
    """Environments whose budget filters on the tag while no environment of their account activates it:
    AWS ignores an inactive cost allocation tag, so such a budget measures nothing."""
    activated = {c.environment.account_id for c in configs if c.budget.activate_cost_allocation_tag}
    return {
        config.name: (
            f"{display(config.source)}: budget.filter_by_environment_tag: the budget counts only costs tagged "
            f"{COST_ALLOCATION_TAG}={config.name}, and AWS counts none until the {COST_ALLOCATION_TAG} cost "
            "allocation tag is activated, which no environment of this account does: set "
            "[budget] activate_cost_allocation_tag = true in one of them a day after the first deploy, or ask the "
            "organization's payer account to activate it (README, Budgets); until then the budget measures 0 USD"
        )
        for config in configs
        if config.budget.filter_by_environment_tag
        and not (config.environment.account_id and config.environment.account_id in activated)
    }
