"""The cdktf CLI, gated. `cdktf.json`'s app is ``python -m scripts.ops cdktf-app``: it synthesizes and then
runs the static checkov gate on what it wrote, so `cdktf synth`, `diff`, `deploy` and `destroy` stop
before Terraform runs when the scan fails. The CLI tells the app nothing about the command or the target
stack (only CDKTF_OUTDIR, CDKTF_CONTEXT_JSON, SYNTH_HCL_OUTPUT and CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS),
so the protection check lives in `scripts/cdktf.sh` (``run_cdktf``): deploy and destroy of a protected
stack are refused there, naming ./scripts/deploy.sh / destroy.sh, and so are the flags that would skip
the app (--skip-synth, --app) and `watch` (which deploys on every change).
"""

from __future__ import annotations

import fnmatch
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from modules.layout import reports_dir
from modules.settings.naming import RESERVED_PREFIX
from scripts.ops import gate
from scripts.ops.backends import check_owner, refuse_state_moves, require_account_ids
from scripts.ops.console import BAD_ARGUMENT, REFUSED, OpsError, step
from scripts.ops.environments import is_protected, is_reserved, known_environments
from scripts.ops.flows import bootstrap_locally, open_session, synthesize
from scripts.ops.safety import checked

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "node_modules" / ".bin" / "cdktf"
APPLYING = ("deploy", "destroy")
BYPASSES = ("--skip-synth", "--app", "-a")  # apply what the gated app did not produce
BYPASS_VARIABLES = ("CDKTF_APP", "CDKTF_SKIP_SYNTH")  # the CLI reads its options from CDKTF_* too
LOCKING = ("diff", "deploy", "destroy", "output")


def _synthesize(outdir: Path, hcl: bool) -> int:
    env = {**os.environ, "CDKTF_OUTDIR": str(outdir), "SYNTH_HCL_OUTPUT": "true" if hcl else "false"}
    return subprocess.run([sys.executable, str(ROOT / "main.py")], cwd=ROOT, env=env, check=False).returncode


def cdktf_app() -> int:
    """What the cdktf CLI runs as the app: synthesis, then the static checkov gate on its output. checkov
    cannot parse cdktf's HCL, so with --hcl the JSON form is synthesized and scanned first, aside."""
    outdir = Path(os.environ.get("CDKTF_OUTDIR") or ROOT / "cdktf.out")
    hcl = os.environ.get("SYNTH_HCL_OUTPUT", "").lower() in ("true", "1")
    with tempfile.TemporaryDirectory(prefix=".cdktf-app-", dir=outdir.parent if hcl else None) as scratch:
        scanned = Path(scratch) / "cdktf.out" if hcl else outdir
        code = _synthesize(scanned, hcl=False)
        if code:
            return code
        started = time.monotonic()
        with step("checkov gate on the synthesized stacks"):
            passed = checked(
                "checkov gate on the synthesized stacks", gate.run_gate, scanned, reports_dir(outdir, "cdktf-app"),
                validate=False,
            )  # fmt: skip
    if not passed:
        print("refusing: the checkov gate failed on the synthesized stacks (findings above); nothing is applied",
              file=sys.stderr)  # fmt: skip
        return 1
    print(f"checkov gate passed in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return _synthesize(outdir, hcl=True) if hcl else 0


def _stack_patterns(args: list[str]) -> list[str]:
    """Every token that is not an option: stack names or patterns (an option's value may be among
    them; it matches no stack, so at worst it is checked for nothing)."""
    return [token for token in args[1:] if not token.startswith("-")]


def _targets(patterns: list[str]) -> list[str]:
    """The stacks the patterns select; none given (or a pattern we cannot read) selects every stack."""
    stacks = [RESERVED_PREFIX, *known_environments()]
    if not patterns or any("{" in pattern for pattern in patterns):
        return stacks
    return [stack for stack in stacks if any(fnmatch.fnmatchcase(stack, pattern) for pattern in patterns)]


def refuse_unsafe(args: list[str]) -> None:
    """Refuses what would apply without the gate, the plan scan and the guard of deploy.sh/destroy.sh."""
    command = args[0] if args else ""
    if command == "watch":
        raise OpsError("refusing: cdktf watch deploys every change unreviewed; use ./scripts/deploy.sh", REFUSED)
    if command not in APPLYING:
        return
    script = f"./scripts/{command}.sh"
    for token in args[1:]:
        if token.split("=", 1)[0] in BYPASSES:
            raise OpsError(f"refusing: cdktf {command} {token} would skip the gated synthesis; use {script}", REFUSED)
    for variable in BYPASS_VARIABLES:
        if os.environ.get(variable):
            raise OpsError(f"refusing: {variable} is set: it would skip the gated synthesis; use {script}", REFUSED)
    for stack in _targets(_stack_patterns(args)):
        if is_reserved(stack) or checked(f"is {stack} protected?", is_protected, stack):
            name = "the state backend" if is_reserved(stack) else stack
            hint = "./scripts/bootstrap.sh" if is_reserved(stack) else f"{script} {stack}"
            raise OpsError(f"refusing: cdktf {command} would reach {name}, which is protected; use {hint}", REFUSED)


def run_cdktf(args: list[str]) -> int:
    """The pinned cdktf CLI with this project's Terraform configuration; ``--local`` runs it against the
    local AWS (bootstrapped there first), with its output in .cache/local."""
    command = args[0] if args else ""
    local = command != "init" and "--local" in args
    args = [token for token in args if not (local and token == "--local")]
    refuse_unsafe(args)
    if command == "init" and "--local" in args:
        raise OpsError("refusing: cdktf init --local: init creates a project and reaches no AWS; drop --local",
                       BAD_ARGUMENT)  # fmt: skip
    if not local and command in LOCKING:
        refuse_state_moves()
    # LOCAL_AWS_ENDPOINT in the environment (./scripts/local-aws.sh) points the app's stacks at loopback:
    # only a real AWS needs the account, and S3's word on who owns the bucket (asked before the CLI's init).
    if not local and command in LOCKING and not os.environ.get("LOCAL_AWS_ENDPOINT"):
        environments = [stack for stack in _targets(_stack_patterns(args)) if not is_reserved(stack)]
        require_account_ids(environments)
        for name in environments:
            checked(f"does {name}'s account own its state bucket?", check_owner, name)
    # The CLI locks providers for other platforms from the registry after init; with the provider taken
    # from a local mirror (no registry) that step cannot work, and the mirror's copy is what gets used.
    if os.environ.get("TF_USES_MIRROR") == "1" and command in LOCKING:
        args.append("--skip-provider-lock")
    with ExitStack() as stack:
        env = dict(os.environ)
        if local:
            session = open_session(True, stack)
            synthesize(session)
            bootstrap_locally(session)
            env = session.env
            if not any(token in ("-o", "--output") or token.startswith("--output=") for token in args):
                args += ["--output", str(session.local_dir / "cdktf-cli.out")]
        return subprocess.run([str(CLI), *args], cwd=ROOT, env=env, check=False).returncode
