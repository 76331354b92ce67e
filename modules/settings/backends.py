"""Which state backend each environment uses, which bootstrap stack creates it and where that stack's
local state lives: the one owner of those facts, read by the bootstrap stack (synthesis) and by the
operations flow (no framework), which compares them with what this checkout already created.

A backend is one (project, account, region): bucket ``<project>-tfstate[-<account>]-<region>``. With one
backend its stack is ``bootstrap`` (state ``bootstrap/terraform.tfstate``); with several each is
``bootstrap-<project>[-<account>]-<region>`` (state ``bootstrap/<stack>.tfstate``). Adding an environment
in a second region or account therefore renames the first stack and moves its state file: the
operations flow refuses that until it is done on purpose (``state_moves``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from modules.settings.environment import EnvironmentSettings
from modules.settings.loader import EnvironmentConfig
from modules.settings.naming import (
    RESERVED_PREFIX,
    lock_table_name,
    state_bucket_name,
    state_key,
    state_key_alias,
)

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
    grouped: dict[tuple[str, str, str], list[EnvironmentSettings]] = {}
    for config in configs:
        env = config.environment
        grouped.setdefault((env.project, env.account_id, env.region), []).append(env)
    backends = {
        key: Backend(*key, tuple(env.name for env in envs), shared_tags([env.tags for env in envs]))
        for key, envs in sorted(grouped.items())
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
    cannot tell whether they share an account, and two bootstraps of one account collide on the lock
    table and the key alias (named by project only), half-applying the second."""
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
                f"one account collide on {lock_table_name(project)} and {state_key_alias(project)})"
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
                "dynamodb_table": lock_table_name(backend.project), "kms_key_id": state_key_alias(backend.project),
                "bootstrap_stack": stack_id,
            }  # fmt: skip
    return {
        "bootstrap_stacks": {
            stack_id: {"bucket": backend.bucket, "region": backend.region, "state": state_file(stack_id)}
            for stack_id, backend in stacks.items()
        },
        "environments": dict(sorted(environments.items())),
    }
