"""The operations command line: python -m scripts.ops <command> (scripts/*.sh are shims over it).

Exit codes: 0 done; 1 a failure, or a safety check that could not answer (it fails closed);
2 a bad argument or environment file; 3 a refusal (the guard, a protected environment).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from types import FrameType
from typing import Any

import click

from modules.layout import reports_dir
from modules.settings import json_schema
from scripts.ops import backends, cdktf, eject, flows, gate, guard, local_aws, plan_scan
from scripts.ops.console import BAD_ARGUMENT, REFUSED, OpsError
from scripts.ops.environments import is_protected, is_reserved, parse_environment, parse_image_tag
from scripts.ops.safety import checked

ROOT = Path(__file__).resolve().parents[2]
ALLOW_DESTROY = click.option("--allow-destroy", "allowed", multiple=True, metavar="ADDRESS",
                             help="accept deleting/replacing this stateful resource (repeat per address)")  # fmt: skip
LOCAL = click.option("--local", is_flag=True, help="against a local AWS on 127.0.0.1 (moto)")
YES = click.option("--yes", is_flag=True, help="no confirmation (CI)")


class OpsGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OpsError as error:
            for line in str(error).splitlines():
                click.echo(f"error: {line}", err=True)
            ctx.exit(error.code)


@click.group(cls=OpsGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Operations: bootstrap, plan, deploy, destroy, the gates and the local AWS."""


def environment_argument(value: str | None) -> str:
    return parse_environment(value or "")


@cli.command()
@LOCAL
@YES
def bootstrap(local: bool, yes: bool) -> None:
    """Create the state backend; a second plan must be empty."""
    flows.bootstrap(local, yes)


@cli.command()
@click.argument("environment", required=False)
@LOCAL
@click.option("--image-tag", metavar="TAG", help="the image tag to plan (default: app.image_tag)")
@ALLOW_DESTROY
def plan(environment: str | None, local: bool, image_tag: str | None, allowed: tuple[str, ...]) -> None:
    """Plan ENV through its S3 backend, scan the plan, guard it."""
    flows.plan(environment_argument(environment), local, parse_image_tag(image_tag), allowed)


@cli.command()
@click.argument("environment", required=False)
@click.argument("tag", required=False)
@YES
@LOCAL
@ALLOW_DESTROY
def deploy(environment: str | None, tag: str | None, yes: bool, local: bool, allowed: tuple[str, ...]) -> None:
    """Plan + scan + guard, confirm (protected environments), apply, outputs."""
    flows.deploy(environment_argument(environment), parse_image_tag(tag), yes, local, allowed)


@cli.command()
@click.argument("environment", required=False)
@YES
@LOCAL
def destroy(environment: str | None, yes: bool, local: bool) -> None:
    """Plan the destroy, list what holds data, confirm; refuses protected environments."""
    flows.destroy(environment_argument(environment), yes, local)


@cli.command()
@click.option("--no-gate", is_flag=True, help="synthesize only")
def synth(no_gate: bool) -> None:
    """Synthesize every stack, then the gate (terraform validate + checkov)."""
    started = time.monotonic()
    with ExitStack() as stack:
        flows.synthesize(flows.open_session(False, stack))
    if not no_gate and not gate.run_gate(ROOT / "cdktf.out", reports_dir(ROOT / "cdktf.out", "checkov"), None,
                                         time.monotonic() - started):  # fmt: skip
        raise OpsError("the gate failed (see above)")


@cli.command("gate")
@click.option("--outdir", type=click.Path(path_type=Path), default=ROOT / "cdktf.out")
@click.option("--reports", type=click.Path(path_type=Path), default=reports_dir(ROOT / "cdktf.out", "checkov"))
@click.option("--synth-seconds", type=float, help="how long synthesis took, for timings.json")
@click.option("--stacks", help="comma-separated stack names (default: every stack in the manifest)")
def gate_command(outdir: Path, reports: Path, synth_seconds: float | None, stacks: str | None) -> None:
    """terraform validate + checkov on a synthesized cdktf.out."""
    if not stacks and not (outdir / "manifest.json").exists():
        raise OpsError(f"{outdir / 'manifest.json'} is missing: synthesize first (./scripts/synth.sh)")
    if not gate.run_gate(outdir, reports, stacks.split(",") if stacks else None, synth_seconds):
        raise OpsError("the gate failed (see above)")


@cli.command("scan-plan")
@click.option("--stack-dir", type=click.Path(path_type=Path, exists=True), required=True)
@click.option("--plan", "plan_file", type=click.Path(path_type=Path, exists=True), required=True,
              help="terraform show -json <planfile> output")  # fmt: skip
@click.option("--reports", type=click.Path(path_type=Path))
@click.option("--no-scan", is_flag=True, help="summary only (a destroy plan has nothing to scan)")
def scan_plan(stack_dir: Path, plan_file: Path, reports: Path | None, no_scan: bool) -> None:
    """Summarize a saved plan and scan it with checkov (terraform_plan)."""
    plan_scan.print_summary(stack_dir.name, json.loads(plan_file.read_text(encoding="utf-8")))
    if no_scan:
        return
    target = reports or reports_dir(stack_dir.resolve().parent.parent, "plan") / stack_dir.name
    if not checked(f"plan scan of {stack_dir.name}", plan_scan.scan, stack_dir, plan_file, target):
        raise OpsError("the plan scan failed: see the findings above")


@cli.group("guard")
def guard_group() -> None:
    """The destructive-change guard."""


@guard_group.command("check")
@click.argument("plan_file", metavar="PLAN_JSON", type=click.Path(path_type=Path, exists=True))
@click.option("--stack", required=True)
@ALLOW_DESTROY
def guard_check(plan_file: Path, stack: str, allowed: tuple[str, ...]) -> None:
    """Exit 0 when the plan is acceptable, 3 when it destroys data of a protected stack."""
    name = stack if is_reserved(stack) else parse_environment(stack)
    protected = checked(f"is {name} protected?", is_protected, name)
    if not checked(f"guard on the plan of {name}", guard.check, plan_file, name, protected, allowed):
        raise OpsError("the guard refused the plan (see above)", REFUSED)


@guard_group.command("protected")
@click.argument("stack")
def guard_protected(stack: str) -> None:
    """Exit 0 when STACK is protected, 1 when not, 2 when it is no known environment."""
    name = stack if is_reserved(stack) else parse_environment(stack)
    protected = checked(f"is {name} protected?", is_protected, name)
    print(f"{name}: {'protected' if protected else 'not protected'}")
    sys.exit(0 if protected else 1)


@guard_group.command("stateful")
@click.argument("stack_dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
def guard_stateful(stack_dir: Path) -> None:
    """The resources of a synthesized stack that hold data."""
    for address in guard.stateful_in(stack_dir):
        print(address)


@cli.command("backends")
@click.option("--record", is_flag=True, help="accept the current layout (after moving state on purpose)")
def backends_command(record: bool) -> None:
    """Refuse silent state moves: compare the environment files with bootstrap/backends.json and the
    bootstrap state files; --record accepts the current layout once a move is done."""
    if record:
        backends.accept_current()
        print("recorded the current backends in bootstrap/backends.json")
        return
    backends.refuse_state_moves()
    print("no state moves: the environment files match what this checkout created")


@cli.command("eject")
@click.argument("environment", required=False)
@click.argument("directory", required=False, type=click.Path(path_type=Path))
def eject_command(environment: str | None, directory: Path | None) -> None:
    """Write ENV's workspace as plain Terraform (HCL) into DIRECTORY: no Python or cdktf needed after."""
    name = environment_argument(environment)
    if directory is None:
        raise OpsError("no target directory given: ./scripts/eject.sh <env> <dir>", BAD_ARGUMENT)
    env = {key: value for key, value in os.environ.items() if key != "LOCAL_AWS_ENDPOINT"}  # real AWS's workspace
    print(eject.eject(name, directory.resolve(), env))


@cli.command("schema")
@click.option("--check", is_flag=True, help="exit 1 when the file is stale, instead of writing it")
def schema_command(check: bool) -> None:
    """Regenerate environments/environment.schema.json from the settings declarations."""
    target = ROOT / "environments" / json_schema.SCHEMA_FILE
    text = json_schema.render()
    if check:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            raise OpsError(f"{target.relative_to(ROOT)} is stale: python -m scripts.ops schema")
        print(f"{target.relative_to(ROOT)} is up to date")
        return
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}")


@cli.command("local-aws")
@click.option("--port", type=click.IntRange(1, 65535), help="default: a free port")
def local_aws_command(port: int | None) -> None:
    """Run the local AWS in the foreground; prints LOCAL_AWS_ENDPOINT=... first."""
    sys.exit(local_aws.serve(port))


@cli.command("cdktf", context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def cdktf_command(args: tuple[str, ...]) -> None:
    """The pinned cdktf CLI (deploy/destroy of protected stacks refused); --local: against the local AWS."""
    sys.exit(cdktf.run_cdktf(list(args)))


@cli.command("cdktf-app")
def cdktf_app() -> None:
    """cdktf.json's app: synthesis, then the static checkov gate on its output."""
    sys.exit(cdktf.cdktf_app())


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds: the local AWS and other children are stopped


TERRAFORM_GOGC = "400"  # the Go collector's target for terraform and its provider (scripts/lib.sh says why)


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    os.environ.setdefault("GOGC", TERRAFORM_GOGC)
    cli(prog_name="python -m scripts.ops")
