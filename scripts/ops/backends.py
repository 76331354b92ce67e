"""No silent state moves. A change to the environment files that renames a bootstrap stack, moves its
local state file, or changes the backend of an environment this checkout already deployed stops
bootstrap, plan, deploy, destroy and cdktf (real AWS) with an explanation and the command that makes
the move on purpose.

"Already" is what this checkout holds: the bootstrap stacks' local state files (``bootstrap/*.tfstate``:
each names its state bucket) and the record ``bootstrap/backends.json``, which bootstrap and deploy
write (commit it with the bootstrap state). A fresh clone with neither has nothing to compare.
``python -m scripts.ops backends --record`` accepts the current layout once a move is done. Local mode
is not checked: its state lives in .cache/local and a fresh local AWS starts from nothing.

A command against AWS also needs ``account_id`` in every environment it touches (the state bucket is
named with it) and, before ``terraform init``, S3's word that the account owns the bucket
(``bucket_owner.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from modules.settings.backends import RECORD_FILE, STATE_FOLDER, account_problems, bootstrap_stacks, layout
from modules.settings.naming import state_bucket_name
from scripts.ops import bucket_owner
from scripts.ops.console import BAD_ARGUMENT, REFUSED, OpsError
from scripts.ops.environments import all_settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
# Where an environment's state lives. The lock is not part of it: records from before S3 lockfile locking
# also name a dynamodb_table, which is ignored (dropping it moves no state).
BACKEND_KEYS = ("bucket", "key", "region", "kms_key_id")


def read_record(root: Path) -> dict[str, Any]:
    path = root / STATE_FOLDER / RECORD_FILE
    if not path.is_file():
        return {"bootstrap_stacks": {}, "environments": {}}
    record: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    record.setdefault("bootstrap_stacks", {})
    record.setdefault("environments", {})
    return record


def write_record(root: Path, record: dict[str, Any]) -> None:
    path = root / STATE_FOLDER / RECORD_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def state_buckets(root: Path) -> dict[str, str]:
    """Each local bootstrap state file (relative path) -> the state bucket it created."""
    found = {}
    for path in sorted((root / STATE_FOLDER).glob("*.tfstate")):
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for resource in state.get("resources", []):
            if resource.get("type") == "aws_s3_bucket" and resource.get("name") == "state_bucket":
                for instance in resource.get("instances", []):
                    bucket = instance.get("attributes", {}).get("bucket")
                    if bucket:
                        found[f"{STATE_FOLDER}/{path.name}"] = bucket
    return found


def account_renames() -> dict[str, list[tuple[str, str]]]:
    """Bucket names from before state buckets carried the account id -> [(bootstrap stack, new name)]: one
    per account that uses the project and region (the old name does not say which account it lived in)."""
    renamed: dict[str, list[tuple[str, str]]] = {}
    for stack_id, backend in bootstrap_stacks(all_settings()).items():
        if backend.account_id:
            old = state_bucket_name(backend.project, backend.region, "")
            renamed.setdefault(old, []).append((stack_id, backend.bucket))
    return renamed


def stack_moves(current: dict[str, Any], files: dict[str, str], renamed: dict[str, list[tuple[str, str]]]) -> list[str]:
    """Local bootstrap state files that the current environment files would put elsewhere, or orphan."""
    by_bucket = {stack["bucket"]: (stack_id, stack["state"]) for stack_id, stack in current["bootstrap_stacks"].items()}
    problems = []
    for path, bucket in files.items():
        if bucket in renamed:
            problems.append(account_rename(path, bucket, renamed[bucket], current))
            continue
        if bucket not in by_bucket:
            problems.append(
                f"{path} holds the state backend {bucket}, which no environment file uses now: its stack would be "
                f"dropped, not moved. Restore the environment files, or retire it on purpose: "
                f"mkdir -p {STATE_FOLDER}/retired && mv {path} {STATE_FOLDER}/retired/"
            )
            continue
        stack_id, wanted = by_bucket[bucket]
        if wanted != path:
            problems.append(
                f"the bootstrap stack of {bucket} is now named {stack_id} (the environments use several backends), so "
                f"its local state moves from {path} to {wanted}; without the move bootstrap would create that "
                f"backend again. Move it on purpose: mv {path} {wanted}"
            )
    return problems


def environment_moves(current: dict[str, Any], record: dict[str, Any]) -> list[str]:
    """Deployed environments whose backend (bucket, key, region, lock table, key) the files change."""
    problems = []
    for name, before in sorted(record["environments"].items()):
        after = current["environments"].get(name)
        if after is None or all(before.get(key) == after[key] for key in BACKEND_KEYS):
            continue
        changes = ", ".join(f"{key} {before.get(key)} -> {after[key]}" for key in BACKEND_KEYS
                            if before.get(key) != after[key])  # fmt: skip
        old = " ".join(f"-backend-config={key}={before.get(key)}" for key in BACKEND_KEYS)
        problems.append(
            f"{name} was deployed with its state in s3://{before.get('bucket')}/{before.get('key')}; the environment "
            f"files change its backend ({changes}), and a plan there would start from an empty state. Move it on "
            f"purpose: ./scripts/bootstrap.sh (the new backend), ./scripts/synth.sh --no-gate, then "
            f"terraform -chdir=cdktf.out/stacks/{name} init -reconfigure {old} && "
            f"terraform -chdir=cdktf.out/stacks/{name} init -migrate-state -force-copy, "
            f"then python -m scripts.ops backends --record"
        )
    return problems


def account_rename(path: str, old: str, candidates: list[tuple[str, str]], current: dict[str, Any]) -> str:
    """The move from a bucket named without the account id to the account-unique one, step by step."""
    prefix = (
        f"{path} holds the state backend {old}, named before state buckets carried the account id; the environment "
        "files now name"
    )
    if len(candidates) > 1:
        names = " or ".join(f"{new} (stack {stack_id})" for stack_id, new in candidates)
        return (
            f"{prefix} {names}: move the file to the stack of the account it was created in "
            f'(mv {path} {STATE_FOLDER}/<stack>.tfstate), then follow README, "Moving to the account-unique state '
            'bucket"'
        )
    stack_id, new = candidates[0]
    wanted = current["bootstrap_stacks"][stack_id]["state"]
    stack = f"terraform -chdir=cdktf.out/stacks/{stack_id}"
    steps = [f"mv {path} {wanted}"] if wanted != path else []
    steps += [
        "./scripts/synth.sh --no-gate",
        f"{stack} init",
        f"{stack} state list | grep '^aws_s3_bucket' | xargs {stack} state rm",
        "./scripts/bootstrap.sh",
    ]
    return (
        f"{prefix} {new}. S3 cannot rename a bucket, and bootstrap would otherwise try to replace the old one, "
        f'which holds the state. Move on purpose (README, "Moving to the account-unique state bucket"): '
        f"{' && '.join(steps)} (the old buckets stay, unmanaged, with the state in them; the key stays); then "
        "plan or deploy of each environment gives its terraform init -migrate-state"
    )


def state_moves(root: Path, environments: bool = True) -> list[str]:
    """The moves the environment files would make silently; without ``environments`` only those of the
    bootstrap stacks (bootstrap creates a new backend, the first step of moving an environment to it)."""
    current = layout(all_settings())
    problems = stack_moves(current, state_buckets(root), account_renames())
    return problems + environment_moves(current, read_record(root)) if environments else problems


def refuse_state_moves(root: Path | None = None, environments: bool = True) -> None:
    """Stops (exit 3) before anything runs when the environment files would move state silently."""
    problems = state_moves(root or ROOT, environments)
    if problems:
        raise OpsError("\n".join(["refusing: the environment files move state this checkout created:", *problems]),
                       REFUSED)  # fmt: skip


def record_bootstrap(root: Path | None = None) -> None:
    record = read_record(root or ROOT)
    record["bootstrap_stacks"] = layout(all_settings())["bootstrap_stacks"]
    write_record(root or ROOT, record)


def record_deploy(name: str, root: Path | None = None) -> None:
    record = read_record(root or ROOT)
    record["environments"][name] = layout(all_settings())["environments"][name]
    write_record(root or ROOT, record)


def accept_current(root: Path | None = None) -> None:
    """After a move done on purpose: the current layout becomes the record (recorded environments only)."""
    current, record = layout(all_settings()), read_record(root or ROOT)
    record["bootstrap_stacks"] = current["bootstrap_stacks"]
    record["environments"] = {name: current["environments"][name] for name in record["environments"]
                              if name in current["environments"]}  # fmt: skip
    write_record(root or ROOT, record)


def require_account_ids(names: list[str] | None = None) -> None:
    """Stops (exit 2) a command against AWS when an environment it touches (``None``: every one, as
    bootstrap creates every backend) has no account_id: its state bucket would have no unique name."""
    configs = all_settings() if names is None else [load_settings(name) for name in names]
    problems = account_problems(configs)
    if problems:
        raise OpsError("\n".join(problems), BAD_ARGUMENT)


def check_owner(name: str) -> None:
    """S3's word that the environment's account owns its state bucket, before terraform init reaches it."""
    env = load_settings(name).environment
    bucket_owner.check_state_bucket(state_bucket_name(env.project, env.region, env.account_id), env.region,
                                    env.account_id)  # fmt: skip
