"""The plan summary people review: a markdown page per environment, written beside the plan
(``plan-summary.md``) by ``plan`` and ``deploy``, printed to the terminal and posted by CI.

- adds, changes, replaces and destroys by resource address;
- resources that hold data (``modules.settings.protection.STATEFUL_TYPES``) called out;
- security-relevant changes as a diff: IAM policies (inline, role and trust), policy attachments, security
  group rules, KMS key policies, bucket and other resource policies;
- the idle monthly cost before (prior state) and after (planned values), against the budget, counted by
  ``modules.settings.cost`` from what the state and the plan hold.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from modules.settings import EnvironmentConfig
from modules.settings.cost import count, idle_cost, total
from modules.settings.protection import STATEFUL_TYPES
from scripts.ops.plan_scan import COLUMNS, action_of

# Attributes that hold a policy document (JSON), by resource type.
POLICY_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "aws_iam_role": ("assume_role_policy",),
    "aws_iam_role_policy": ("policy",),
    "aws_iam_policy": ("policy",),
    "aws_iam_user_policy": ("policy",),
    "aws_iam_group_policy": ("policy",),
    "aws_kms_key": ("policy",),
    "aws_s3_bucket_policy": ("policy",),
    "aws_secretsmanager_secret_policy": ("policy",),
    "aws_sns_topic_policy": ("policy",),
    "aws_sns_topic": ("policy",),
    "aws_ecr_repository_policy": ("policy",),
}
# Resources that are one grant or one rule each: shown whole.
GRANT_TYPES: dict[str, tuple[str, ...]] = {
    "aws_iam_role_policy_attachment": ("role", "policy_arn"),
    "aws_iam_policy_attachment": ("policy_arn", "roles"),
    "aws_vpc_security_group_ingress_rule": (
        "security_group_id", "ip_protocol", "from_port", "to_port", "cidr_ipv4", "cidr_ipv6",
        "referenced_security_group_id", "prefix_list_id", "description",
    ),
    "aws_vpc_security_group_egress_rule": (
        "security_group_id", "ip_protocol", "from_port", "to_port", "cidr_ipv4", "cidr_ipv6",
        "referenced_security_group_id", "prefix_list_id", "description",
    ),
    "aws_security_group_rule": (
        "type", "security_group_id", "protocol", "from_port", "to_port", "cidr_blocks",
        "source_security_group_id", "description",
    ),
    "aws_security_group": ("ingress", "egress"),
}  # fmt: skip
SYMBOL = {"add": "+", "change": "~", "replace": "-/+", "destroy": "-"}


def _resources(values: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Every managed resource of a plan's ``values`` (root and child modules)."""
    found: list[dict[str, Any]] = []

    def walk(module: Mapping[str, Any]) -> None:
        found.extend(item for item in module.get("resources", []) if item.get("mode", "managed") == "managed")
        for child in module.get("child_modules", []):
            walk(child)

    if values:
        walk(values.get("root_module", {}))
    return found


def as_document(resources: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Resources of a state or plan in the shape of a synthesized stack (``resource.<type>.<name>``)."""
    document: dict[str, dict[str, Any]] = {}
    for item in resources:
        document.setdefault(item["type"], {})[item["address"]] = item.get("values") or {}
    return {"resource": document}


# --- changes -------------------------------------------------------------------------------------------


def changes(plan: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(action, address, type) of every managed resource the plan touches, by address."""
    rows = []
    for change in plan.get("resource_changes", []):
        if change.get("mode", "managed") != "managed":
            continue
        action = action_of(change["change"]["actions"])
        if action != "no-op":
            rows.append((action, change["address"], change["type"]))
    return sorted(rows, key=lambda row: row[1])


def _changes_section(rows: list[tuple[str, str, str]]) -> list[str]:
    if not rows:
        return ["No changes."]
    lines = ["| | action | address |", "|---|---|---|"]
    for action, address, kind in rows:
        mark = " **holds data**" if kind in STATEFUL_TYPES and action in ("replace", "destroy") else ""
        lines.append(f"| `{SYMBOL[action]}` | {action} | `{address}`{mark} |")
    return lines


def _stateful_section(rows: list[tuple[str, str, str]]) -> list[str]:
    risky = [(action, address) for action, address, kind in rows if kind in STATEFUL_TYPES]
    if not risky:
        return []
    lines = ["### Resources that hold data", ""]
    for action, address in risky:
        lost = action in ("replace", "destroy")
        warning = " (**its data is lost unless a snapshot or backup is kept**)" if lost else ""
        lines.append(f"- {action} `{address}`{warning}")
    return [*lines, ""]


# --- the security diff ---------------------------------------------------------------------------------


def _statements(text: Any) -> list[str]:
    """A policy as one canonical line per statement (sorted keys), so a diff shows statements."""
    if not isinstance(text, str) or not text:
        return []
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return [text]
    statements = document.get("Statement", []) if isinstance(document, dict) else document
    if isinstance(statements, dict):
        statements = [statements]
    return sorted(json.dumps(item, sort_keys=True) for item in statements)


def _grant_lines(values: Mapping[str, Any] | None, keys: tuple[str, ...]) -> list[str]:
    if not values:
        return []
    shown = {key: values[key] for key in keys if values.get(key) not in (None, "", [])}
    return [json.dumps(shown, sort_keys=True)] if shown else []


def _lines_of(kind: str, values: Mapping[str, Any] | None) -> list[str]:
    if kind in POLICY_ATTRIBUTES:
        return [
            f"{attribute}: {line}"
            for attribute in POLICY_ATTRIBUTES[kind]
            for line in _statements((values or {}).get(attribute))
        ]
    return _grant_lines(values, GRANT_TYPES[kind])


def security_diff(plan: Mapping[str, Any]) -> list[str]:
    """A unified diff per security-relevant resource the plan changes (empty when none)."""
    out: list[str] = []
    for change in sorted(plan.get("resource_changes", []), key=lambda item: item["address"]):
        kind = change["type"]
        if change.get("mode", "managed") != "managed" or kind not in {**POLICY_ATTRIBUTES, **GRANT_TYPES}:
            continue
        if action_of(change["change"]["actions"]) == "no-op":
            continue
        before = _lines_of(kind, change["change"].get("before"))
        unknown = change["change"].get("after_unknown") or {}
        after_values = change["change"].get("after")
        if after_values is not None and kind in GRANT_TYPES:  # a rule's group ids are often created by the plan
            known_later = {key: "(known after apply)" for key in GRANT_TYPES[kind] if unknown.get(key) is True}
            after_values = {**after_values, **known_later}
        after = _lines_of(kind, after_values)
        if any(unknown.get(attribute) is True for attribute in POLICY_ATTRIBUTES.get(kind, ())):
            after.append("(known after apply: the policy depends on a value created by this plan)")
        if before == after:
            continue
        diff = difflib.unified_diff(before, after, lineterm="", n=len(before) + len(after))
        body = [line for line in diff if not line.startswith(("---", "+++", "@@"))]
        out += [f"`{change['address']}`", "```diff", *body, "```", ""]
    return out


# --- cost ----------------------------------------------------------------------------------------------


def _first(document: Mapping[str, Any], kind: str) -> Mapping[str, Any] | None:
    found = document["resource"].get(kind, {})
    return next(iter(found.values()), None) if found else None


def _nested(values: Mapping[str, Any] | None, key: str) -> Mapping[str, Any]:
    block = (values or {}).get(key) or [{}]
    return block[0] if isinstance(block, list) and block else {}


def _megabytes(text: Any, fallback: int) -> int:
    """App Runner memory as the API returns it (``1024`` or ``1 GB``)."""
    value = str(text or "").strip().upper()
    if value.endswith("GB"):
        return int(float(value[:-2]) * 1024)
    return int(value) if value.isdigit() else fallback


def as_built(config: EnvironmentConfig, document: Mapping[str, Any]) -> EnvironmentConfig:
    """``config`` with what the idle cost depends on taken from a state or plan: what runs, not what the
    file says. A tier that does not exist there counts zero."""
    service = _first(document, "aws_apprunner_service")
    scaling = _first(document, "aws_apprunner_auto_scaling_configuration_version")
    cluster = _first(document, "aws_rds_cluster")
    cache = _first(document, "aws_elasticache_replication_group")
    if config.app.ecs:
        task, target = _first(document, "aws_ecs_task_definition"), _first(document, "aws_appautoscaling_target")
        running = int((target or {}).get("min_capacity") or config.app.min_instances) if task else 0
        memory = int((task or {}).get("memory") or config.app.memory)
        app = dataclasses.replace(config.app, memory=memory, min_instances=running)
    else:
        memory = _megabytes(_nested(service, "instance_configuration").get("memory"), config.app.memory)
        app = dataclasses.replace(
            config.app, memory=memory, min_instances=int((scaling or {}).get("min_size") or 0) if service else 0
        )
    scaling_v2 = _nested(cluster, "serverlessv2_scaling_configuration")
    database = dataclasses.replace(
        config.database,
        min_acu=float(scaling_v2.get("min_capacity", config.database.min_acu)),
        instances=len(document["resource"].get("aws_rds_cluster_instance", {})) if cluster else 0,
    )
    nodes = int((cache or {}).get("num_cache_clusters") or 1) if cache else 0
    valkey = dataclasses.replace(
        config.cache, node_type=(cache or {}).get("node_type") or config.cache.node_type, replicas=nodes - 1
    )
    return dataclasses.replace(config, app=app, database=database, cache=valkey)


def idle_of(config: EnvironmentConfig, resources: list[dict[str, Any]]) -> float:
    if not resources:
        return 0.0
    document = as_document(resources)
    return total(idle_cost(as_built(config, document), count(document)))


def _budget(resources: list[dict[str, Any]]) -> float | None:
    for item in resources:
        if item["type"] == "aws_budgets_budget":
            amount = (item.get("values") or {}).get("limit_amount")
            try:
                return float(str(amount))
            except (TypeError, ValueError):
                return None
    return None


def cost_section(plan: Mapping[str, Any], config: EnvironmentConfig) -> list[str]:
    before_resources = _resources((plan.get("prior_state") or {}).get("values"))
    after_resources = _resources(plan.get("planned_values"))
    before, after = idle_of(config, before_resources), idle_of(config, after_resources)
    budget = _budget(after_resources) or config.budget.monthly_usd
    share = f"{after / budget:.0%} of" if budget else "no"
    line = (
        f"Idle cost: **{before:.2f} → {after:.2f} USD/month** ({after - before:+.2f}), {share} the "
        f"{budget:g} USD monthly budget"
    )
    lines = ["### Cost", "", line]
    if budget and after > budget:
        lines.append("")
        lines.append("**The idle cost exceeds the budget**: its alerts would fire every month.")
    return [*lines, "", "Usage (requests, ACU above the minimum, storage, transfer) comes on top."]


# --- the page -------------------------------------------------------------------------------------------


def render(name: str, plan: Mapping[str, Any], config: EnvironmentConfig) -> str:
    rows = changes(plan)
    counts = {column: sum(1 for action, _, _ in rows if action == column) for column in COLUMNS}
    head = ", ".join(f"{counts[column]} to {column}" for column in COLUMNS)
    security = security_diff(plan)
    lines = [
        f"## plan for {name}: {head}",
        "",
        *_changes_section(rows),
        "",
        *_stateful_section(rows),
        "### Security-relevant changes",
        "",
        *(security or ["None: no IAM policy, trust policy, policy attachment, security group rule, key or "
                       "resource policy changes.", ""]),
        *cost_section(plan, config),
    ]  # fmt: skip
    return "\n".join(lines).rstrip() + "\n"
