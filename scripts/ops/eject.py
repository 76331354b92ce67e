"""Eject: one environment's workspace as plain Terraform (HCL) that runs without this project.

Synthesis with HCL output (``SYNTH_HCL_OUTPUT=true python main.py``, the path of ``cdktf synth --hcl``,
with its fixes in ``modules/workspace_files.py``: lifecycle references unquoted, the ephemeral block
written beside it) into a scratch directory; then, from that stack's files:

- the blocks, formatted by ``terraform fmt``, one file per construct (``db.tf``, ``cache.tf``, ...; from
  ``metadata.json``'s construct paths), ``versions.tf``, ``providers.tf``, ``variables.tf``, ``outputs.tf``;
- the S3 backend as a partial configuration (``backend "s3" {}``) plus ``backend.hcl``, exactly as
  synthesized for the environment (bucket, key, lock table, KMS key);
- every checkov suppression as a ``#checkov:skip=ID:reason`` comment in its resource block (a plain
  checkov scan of HCL does not read ``checkov-suppressions.json``);
- ``terraform.tfvars.example`` and a README (what it is, how to run it, what it no longer has).

A target directory must be empty or missing, or hold an earlier eject (``.eject.json``): then the files
that eject wrote are replaced and everything else (``.terraform``, a lock file, tfvars) is kept. The new
files are complete in scratch before any is moved in.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from modules.layout import STACKS_DIR, SUPPRESSIONS_FILE
from scripts.ops.console import BAD_ARGUMENT, OpsError, say, step
from scripts.ops.flows import local_dir

ROOT = Path(__file__).resolve().parents[2]
MARKER = ".eject.json"
HCL_FILE, EPHEMERAL_FILE, METADATA_FILE = "cdk.tf", "ephemeral.tf", "metadata.json"
# A top-level block's first line, as `terraform fmt` leaves it (nested blocks are indented).
_KINDS = "resource|data|ephemeral|variable|output|provider|terraform|locals|moved|import|removed|check"
_HEADER = re.compile(rf'^({_KINDS})\b(?: "([^"]+)")?(?: "([^"]+)")? *\{{ *(\}})?\s*$')
_HEREDOC = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_]*)\s*$")  # a heredoc string opens: its end marker
_BACKEND = re.compile(r'^(\s*)backend "s3" \{\n(?:.*\n)*?\1\}\n', re.M)
# Where blocks without a construct path go, by kind.
_FILES_BY_KIND = {"terraform": "versions.tf", "provider": "providers.tf", "variable": "variables.tf",
                  "output": "outputs.tf"}  # fmt: skip


def synthesize_hcl(scratch: Path, env: dict[str, str]) -> Path:
    """Every stack, HCL output, into ``scratch``; the stacks directory."""
    with step("synthesizing (HCL output)"):
        result = subprocess.run(
            [sys.executable, str(ROOT / "main.py")], cwd=ROOT, stdout=sys.stderr, check=False,
            env={**env, "CDKTF_OUTDIR": str(scratch), "SYNTH_HCL_OUTPUT": "true"},
        )  # fmt: skip
    if result.returncode == BAD_ARGUMENT:
        raise OpsError("synthesis refused the environment files (problems above)", BAD_ARGUMENT)
    if result.returncode:
        raise OpsError(f"synthesis failed (exit {result.returncode})")
    return scratch / STACKS_DIR


def formatted(text: str) -> str:
    """``text`` through ``terraform fmt`` (the same layout users get from their editors)."""
    result = subprocess.run(
        ["terraform", "fmt", "-no-color", "-"], input=text, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise OpsError(f"terraform fmt refused the synthesized HCL: {result.stderr.strip()[-1000:]}")
    return result.stdout


def blocks(text: str) -> list[tuple[str, str, list[str]]]:
    """Top-level blocks of formatted HCL: (kind, address, lines). A block ends at the first ``}`` in
    column 0 (``terraform fmt`` indents everything nested); comments before a block go with it."""
    found: list[tuple[str, str, list[str]]] = []
    pending: list[str] = []
    current: list[str] | None = None
    heredoc: str | None = None  # inside a heredoc string (user data...): its lines are text, kept as they are
    for line in text.splitlines():
        if current is not None and heredoc is not None:
            current.append(line)
            heredoc = None if line.strip() == heredoc else heredoc
            continue
        if current is not None:
            opened = _HEREDOC.search(line)
            if opened:
                heredoc = opened.group(1)
            if not line.strip() and not current[-1].strip():
                continue  # one blank line at most
            if line == "}" and not current[-1].strip():
                current.pop()
            current.append(line)
            if line == "}":
                current = None
            continue
        header = _HEADER.match(line)
        if header:
            kind, first, second, _ = header.groups()
            address = {"resource": f"{first}.{second}", "data": f"data.{first}.{second}",
                       "ephemeral": f"ephemeral.{first}.{second}"}.get(kind, f"{kind}.{first}")  # fmt: skip
            current = [*pending, line]
            found.append((kind, address, current))
            pending = []
            if header.group(4):
                current = None
        elif line.lstrip().startswith(("#", "//")):
            pending.append(line)
        elif line.strip():
            raise OpsError(f"unexpected text outside any block in the synthesized HCL: {line!r}")
    if current is not None:
        raise OpsError("the synthesized HCL ends inside a block")
    return found


def _construct_files(stack: Path) -> dict[str, str]:
    """Address -> ``<construct>.tf``, from the construct paths in metadata.json (``stage/db/this``)."""
    metadata = json.loads((stack / METADATA_FILE).read_text(encoding="utf-8"))
    files: dict[str, str] = {}
    for section, prefix in (("resource", ""), ("data", "data.")):
        for kind, named in metadata.get(section, {}).items():
            for name, body in named.items():
                parts = body.get("//", {}).get("metadata", {}).get("path", "").split("/")
                if len(parts) > 2:
                    files[f"{prefix}{kind}.{name}"] = f"{parts[1]}.tf"
    return files


def _skips(stack: Path) -> dict[str, list[str]]:
    """Address -> the ``#checkov:skip`` comments of its suppressions (one line each)."""
    comments: dict[str, list[str]] = defaultdict(list)
    for item in json.loads((stack / SUPPRESSIONS_FILE).read_text(encoding="utf-8")):
        reason = " ".join(str(item["reason"]).split())
        if item.get("plan_only"):  # checkov finds it only in a plan, where no comment reaches it
            comments[item["resource"]].append(
                f"  # checkov finds {item['check_id']} only when it scans a plan (--skip-check it there): {reason}"
            )
        else:
            comments[item["resource"]].append(f"  #checkov:skip={item['check_id']}:{reason}")
    return comments


def _partial_backend(lines: list[str]) -> list[str]:
    text = _BACKEND.sub(
        lambda match: (
            f"{match.group(1)}# Settings in backend.hcl: terraform init -backend-config=backend.hcl\n"
            f'{match.group(1)}backend "s3" {{}}\n'
        ),
        "\n".join(lines) + "\n",
    )
    header = "terraform {"
    return text.replace(header, f'{header}\n  required_version = ">= 1.11" # write-only attributes', 1).splitlines()


def terraform_files(stack: Path) -> tuple[dict[str, str], int]:
    """The workspace's .tf files by name, and how many skip comments went into them."""
    text = (stack / HCL_FILE).read_text(encoding="utf-8")
    if (stack / EPHEMERAL_FILE).exists():
        text += "\n" + (stack / EPHEMERAL_FILE).read_text(encoding="utf-8")
    by_address, skips = _construct_files(stack), _skips(stack)
    files: dict[str, list[str]] = defaultdict(list)
    placed = 0
    for kind, address, found in blocks(formatted(text)):
        lines = _partial_backend(found) if kind == "terraform" else found
        comments = skips.pop(address, [])
        if comments:
            header = next(index for index, line in enumerate(lines) if _HEADER.match(line))
            lines = [*lines[: header + 1], *comments, *lines[header + 1 :]]
            placed += len(comments)
        name = _FILES_BY_KIND.get(kind) or by_address.get(address, "main.tf")
        files[name].extend([*lines, ""])
    if skips:
        raise OpsError(f"checkov suppressions of blocks not in the synthesized HCL: {', '.join(sorted(skips))}")
    return {name: formatted("\n".join(lines)) for name, lines in sorted(files.items())}, placed


def _without_header(text: str) -> str:
    """``text`` without its first comment paragraph (which speaks of the synthesized workspace)."""
    lines = text.splitlines()
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines) + "\n"


def readme(name: str, stack: Path, variables: bool) -> str:
    """The ejected workspace's README: how to run it and what it no longer has, then the synthesized
    workspace README's sections (diagram, what it creates, settings, cost, outputs, suppressions)."""
    sections = (stack / "README.md").read_text(encoding="utf-8").split("\n## ")[1:]
    kept = "".join(f"\n## {section}" for section in sections if not section.startswith("Plan and apply by hand"))
    tfvars = "cp terraform.tfvars.example terraform.tfvars   # then edit it\n" if variables else ""
    return EJECT_README.format(name=name, tfvars=tfvars) + kept


EJECT_README = """# `{name}`: plain Terraform

Ejected from `environments/{name}.toml` by `./scripts/eject.sh {name} <dir>`. This directory is yours:
it needs Terraform 1.11+ and the AWS provider 5.100.0, not Python, Node.js, CDKTF or the project's
repository. Change the `.tf` files directly from now on; a new eject does not know your edits.

```
{tfvars}terraform init -backend-config=backend.hcl
terraform plan -out plan.tfplan
terraform apply plan.tfplan
```

What you have:

- `versions.tf`: the Terraform and provider versions, and the S3 backend, configured by `backend.hcl`:
  the backend the project used for this environment (same bucket, key, lock table and KMS key), so an
  eject of a deployed environment keeps its state;
- `providers.tf`: the AWS provider (region, allowed account, default tags; `managed-by = "cdktf"` stays,
  so that the first plan shows no change: change it when you like, an in-place tag update everywhere);
- `variables.tf` and `terraform.tfvars.example`: the inputs, with their validations;
- one file per component (`db.tf`, `cache.tf`, `service.tf`, `alarms.tf`, ...) with its resources at
  the project's addresses, so a plan on the existing state shows no change; `outputs.tf`.

What you leave behind (the project runs these around Terraform; plain Terraform does not):

- **the gate**: `terraform validate`, checkov and the IAM policy lint before every plan. The checkov
  suppressions are `#checkov:skip=ID:reason` comments in the resource blocks, so `checkov -d .` gives
  the project's results; the project's own checkov policies (`policies/checkov/` in its repository)
  run only where you copy them and pass `--external-checks-dir`;
- **the guard**: the refusal to destroy or replace Aurora, Valkey, KMS, ECR, secrets or the backup
  vault without `--allow-destroy`, and the typed confirmation for protected environments
  (`prevent_destroy` and deletion protection stay in the resources);
- **the scripts**: bootstrap of the state backend, plan/deploy/destroy with the plan scan, the local
  AWS, the refusal of silent state moves, and the environment-file checks (types, ranges, names within
  AWS's limits, the idle-cost estimate). Values in the `.tf` files are no longer checked before a plan.
"""


def rewritten_by_synthesis() -> list[Path]:
    """The folders a synthesis deletes and writes again: cdktf.out (or CDKTF_OUTDIR) and local mode's."""
    outdir = Path(os.environ.get("CDKTF_OUTDIR") or ROOT / "cdktf.out")
    return [outdir.resolve(), ROOT / "cdktf.out", (local_dir() / "cdktf.out").resolve()]


def check_target(target: Path, name: str) -> list[str]:
    """The files an earlier eject of ``name`` wrote into ``target`` (to replace), or none for a new or
    empty directory; anything else is refused (exit 2), as is a target under a file or inside a folder
    that the next synthesis rewrites."""
    target = target.resolve()
    for folder in rewritten_by_synthesis():
        if target.is_relative_to(folder):
            raise OpsError(f"{target} is inside {folder}, which every synthesis rewrites: give another directory",
                           BAD_ARGUMENT)  # fmt: skip
    above = next((parent for parent in target.parents if parent.exists() and not parent.is_dir()), None)
    if above is not None:
        raise OpsError(f"{target} is under {above}, which is a file, not a directory", BAD_ARGUMENT)
    if target.exists() and not target.is_dir():
        raise OpsError(f"{target} exists and is not a directory", BAD_ARGUMENT)
    if not target.exists() or not any(target.iterdir()):
        return []
    marker = target / MARKER
    if not marker.is_file():
        raise OpsError(
            f"{target} is not empty and holds no earlier eject (no {MARKER}): give a new or empty directory",
            BAD_ARGUMENT,
        )
    try:
        previous = json.loads(marker.read_text(encoding="utf-8"))
        environment, files = previous["environment"], [str(item) for item in previous["files"]]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise OpsError(f"{marker} cannot be read ({error}): give a new or empty directory", BAD_ARGUMENT) from error
    if environment != name:
        raise OpsError(f"{target} holds an eject of {environment}, not {name}: give another directory", BAD_ARGUMENT)
    say(f"{target} holds an earlier eject of {name}: replacing the files it wrote, keeping everything else")
    return [item for item in files if "/" not in item and item not in (".", "..")]


def install(files: dict[str, str], target: Path, previous: list[str], name: str) -> None:
    """Writes ``files`` into ``target``: each complete beside its place, then renamed; the marker last."""
    target.mkdir(parents=True, exist_ok=True)
    for old in sorted(set(previous) - set(files)):
        (target / old).unlink(missing_ok=True)
    marker = {"environment": name, "files": sorted(files)}
    for file_name, text in [*sorted(files.items()), (MARKER, json.dumps(marker, indent=2) + "\n")]:
        partial = target / f".{file_name}.partial"
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target / file_name)


def eject(name: str, target: Path, env: dict[str, str]) -> str:
    """``name``'s workspace as plain Terraform in ``target``; a one-line summary."""
    previous = check_target(target, name)
    with tempfile.TemporaryDirectory(prefix="eject-") as scratch:
        stack = synthesize_hcl(Path(scratch) / "cdktf.out", env) / name
        files, skips = terraform_files(stack)
        variables = (stack / "terraform.tfvars.example").exists()
        if not (stack / "backend.hcl").is_file():
            raise OpsError(f"the synthesized {name} workspace has no S3 backend (backend.hcl) to carry over")
        files["backend.hcl"] = BACKEND_HEADER + _without_header((stack / "backend.hcl").read_text(encoding="utf-8"))
        if variables:
            example = _without_header((stack / "terraform.tfvars.example").read_text(encoding="utf-8"))
            files["terraform.tfvars.example"] = TFVARS_HEADER + example
        files["README.md"] = readme(name, stack, variables)
        resources = sum(text.count("\nresource ") + text.startswith("resource ") for text in files.values())
    install(files, target, previous, name)
    return f"ejected {name} into {target}: {len(files)} files, {resources} resources, {skips} checkov skip comments"


BACKEND_HEADER = "# The S3 backend of this workspace: terraform init -backend-config=backend.hcl\n"
TFVARS_HEADER = "# Copy to terraform.tfvars and edit: Terraform reads it on every plan and apply.\n\n"
