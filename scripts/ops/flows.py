"""bootstrap, plan, deploy and destroy: synthesize, plan through the S3 backend, scan the plan, guard,
confirm, apply. Every safety check runs through ``safety.checked``: an error in it is a refusal."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modules.layout import PLAN_SUMMARY_FILE, STACK_FILE, STACKS_DIR, reports_dir
from modules.settings.protection import KEPT_BY_DESTROY
from scripts.ops import applying, backends, guard, plan_scan, plan_summary
from scripts.ops.console import BAD_ARGUMENT, REFUSED, OpsError, confirm, say, step
from scripts.ops.environments import (
    is_protected,
    is_reserved,
    load_settings,
    parse_image_tag,
    undeliverable_alerts,
)
from scripts.ops.local_aws import boot_id, local_aws, local_environment
from scripts.ops.safety import checked

ROOT = Path(__file__).resolve().parents[2]
LOCAL_BOOTSTRAP_MARKER = "applied-here.sha256"  # beside the bootstrap's local state: see bootstrap_locally


@dataclass
class Session:
    """Where a command works: real AWS and cdktf.out, or the local AWS and .cache/local/cdktf.out."""

    local: bool
    env: dict[str, str]
    outdir: Path
    local_dir: Path
    initialized: set[str] = field(default_factory=set)  # stacks whose backend this session has initialized


def local_dir() -> Path:
    return Path(os.environ.get("LOCAL_DIR") or ROOT / ".cache" / "local")  # tests point it elsewhere


def open_session(local: bool, stack: ExitStack) -> Session:
    """With ``local``, a local AWS (stopped when ``stack`` closes) and dummy credentials."""
    folder = local_dir()
    if not local:
        env = {key: value for key, value in os.environ.items() if key != "LOCAL_AWS_ENDPOINT"}
        return Session(False, env, ROOT / "cdktf.out", folder)
    folder.mkdir(parents=True, exist_ok=True)
    running = stack.enter_context(local_aws(log=folder / "moto.log"))
    if running.fresh:  # a new emulator holds nothing: an earlier local bootstrap state describes nothing
        for state in (folder / "bootstrap").glob("*.tfstate*"):
            state.unlink()
    return Session(True, local_environment(dict(os.environ), running.endpoint), folder / "cdktf.out", folder)


# What synthesis reads besides the environment files (main.py, modules/ with its templates, bootstrap/, the
# locked packages): a local run reuses its own cdktf.out when none of it, nor the environment files, the
# endpoint or a CDKTF_* setting, has changed since it wrote that cdktf.out (synthesis is deterministic).
SYNTHESIS_READS = ("main.py", "cdktf.json", "Pipfile.lock", "modules", "bootstrap")
SYNTHESIS_RECORD = ".synthesized-from.sha256"  # in a local cdktf.out: inputs and outputs of its synthesis
SYNTHESIS_LOG = ".synthesis.log"  # beside it: what that synthesis printed (its warnings), shown again


def _digest_files(digest: Any, paths: list[Path], base: Path) -> None:
    for path in sorted(paths):
        if path.is_file() and "__pycache__" not in path.parts and ".tfstate" not in path.name:
            digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes() + b"\0")


def synthesis_record(session: Session) -> str:
    """The inputs of a synthesis into ``session.outdir`` and the stacks it wrote, as one digest."""
    digest = hashlib.sha256(sys.version.encode())
    for name in SYNTHESIS_READS:
        path = ROOT / name
        _digest_files(digest, [path, *path.rglob("*")] if path.is_dir() else [path], ROOT)
    environments = Path(session.env.get("ENVIRONMENTS_DIR") or ROOT / "environments")
    _digest_files(digest, list(environments.glob("*")), environments)
    settings = sorted((key, value) for key, value in session.env.items()
                      if key.startswith("CDKTF_") or key in ("LOCAL_AWS_ENDPOINT", "ENVIRONMENTS_DIR"))  # fmt: skip
    digest.update(json.dumps(settings).encode())
    _digest_files(digest, [session.outdir / "manifest.json", *session.outdir.glob(f"{STACKS_DIR}/*/{STACK_FILE}")],
                  session.outdir)  # fmt: skip
    return digest.hexdigest()


def synthesize(session: Session) -> None:
    """Every stack into ``session.outdir``; in local mode, skipped when that cdktf.out was synthesized from
    exactly what synthesis would read now (and is as it wrote it)."""
    record, log = session.outdir / SYNTHESIS_RECORD, session.outdir / SYNTHESIS_LOG
    reusable = session.local and record.is_file() and log.is_file()
    if reusable and record.read_text(encoding="utf-8") == synthesis_record(session):
        sys.stderr.write(log.read_text(encoding="utf-8"))
        say(f"synthesis: nothing it reads has changed; {os.path.relpath(session.outdir)} is reused")
        return
    with step(f"synthesizing every stack into {os.path.relpath(session.outdir)}"):
        result = subprocess.run(
            [sys.executable, str(ROOT / "main.py")], cwd=ROOT, env={**session.env, "CDKTF_OUTDIR": str(session.outdir)},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False,
        )  # fmt: skip
    sys.stderr.write(result.stdout)
    if result.returncode == BAD_ARGUMENT:
        raise OpsError("synthesis refused the environment files (problems above)", BAD_ARGUMENT)
    if result.returncode:
        raise OpsError(f"synthesis failed (exit {result.returncode})")
    if session.local:
        log.write_text("".join(line + "\n" for line in result.stdout.splitlines() if line.startswith("warning:")),
                       encoding="utf-8")  # fmt: skip
        record.write_text(synthesis_record(session), encoding="utf-8")


def stack_dir(session: Session, name: str) -> Path:
    directory = session.outdir / STACKS_DIR / name
    if not (directory / STACK_FILE).is_file():
        raise OpsError(f"no stack {name!r} in {os.path.relpath(session.outdir)}", BAD_ARGUMENT)
    return directory


def bootstrap_stacks(session: Session) -> list[str]:
    return sorted(path.name for path in (session.outdir / STACKS_DIR).iterdir() if is_reserved(path.name))


def terraform(session: Session, directory: Path, *args: str, log: str | None = None) -> int:
    """terraform in ``directory``; its output into ``log`` (in the directory) or through to ours."""
    command = ["terraform", f"-chdir={directory}", *args]
    if log is None:
        return subprocess.run(command, env=session.env, check=False).returncode
    with (directory / log).open("w", encoding="utf-8") as handle:
        return subprocess.run(command, env=session.env, stdout=handle, stderr=subprocess.STDOUT, check=False).returncode


def terraform_or_fail(session: Session, directory: Path, args: list[str], log: str, failure: str) -> None:
    with step(f"terraform {args[0]} ({directory.name})"):
        code = terraform(session, directory, *args, log=log)
    if code != 0:
        print((directory / log).read_text(encoding="utf-8"), file=sys.stderr)
        raise OpsError(failure)


def show_json(session: Session, directory: Path, plan_file: str) -> Path:
    output = directory / f"{Path(plan_file).stem}.json"
    with output.open("w", encoding="utf-8") as handle:
        code = subprocess.run(
            ["terraform", f"-chdir={directory}", "show", "-json", plan_file],
            env=session.env,
            stdout=handle,
            check=False,
        ).returncode
    if code != 0:
        raise OpsError("terraform show failed")
    return output


def scan_ok(directory: Path, plan_json: Path) -> bool:
    """The plan scan (checkov terraform_plan): fails closed."""
    reports = reports_dir(directory.parent.parent, "plan") / directory.name  # outdir/stacks/<name>
    with step(f"checkov on the plan of {directory.name}"):
        return checked(f"plan scan of {directory.name}", plan_scan.scan, directory, plan_json, reports)


def guard_ok(plan_json: Path, name: str, allowed: tuple[str, ...]) -> bool:
    """The destructive-change guard on a plan: fails closed."""
    protected = checked(f"is {name} protected?", is_protected, name)
    return checked(f"guard on the plan of {name}", guard.check, plan_json, name, protected, allowed)


def apply_bootstrap(session: Session, auto: bool) -> None:
    """Plans each bootstrap stack; when there are changes: scan, guard, confirm, apply."""
    for name in bootstrap_stacks(session):
        directory = session.outdir / STACKS_DIR / name
        terraform_or_fail(session, directory, ["init", "-input=false", "-no-color"], "init.log",
                          f"terraform init failed in {directory}")  # fmt: skip
        plan_args = ["plan", "-input=false", "-no-color", "-detailed-exitcode", "-out=bootstrap.tfplan"]
        with step(f"terraform plan ({name})"):
            code = terraform(session, directory, *plan_args, log="plan.log")
        if code not in (0, 2):
            print((directory / "plan.log").read_text(encoding="utf-8"), file=sys.stderr)
            raise OpsError(f"plan of {name} failed")
        if code == 0:
            say(f"{name}: no changes")
            continue
        plan_json = show_json(session, directory, "bootstrap.tfplan")
        plan_scan.print_summary(name, json.loads(plan_json.read_text(encoding="utf-8")))
        if not scan_ok(directory, plan_json):
            raise OpsError(f"refusing to apply {name}: the plan scan failed (findings above)")
        if not guard_ok(plan_json, name, ()):
            raise OpsError(f"refusing to apply {name}: the guard refused the plan (see above)", REFUSED)
        if not auto and not confirm(f"Apply {name} (creates the state backend)?", "yes"):
            raise OpsError("not applied")
        terraform_or_fail(session, directory, ["apply", "-input=false", "-no-color", "bootstrap.tfplan"], "apply.log",
                          f"apply of {name} failed")  # fmt: skip
        say(f"{name}: applied")


def local_bootstrap_fingerprint(session: Session) -> str | None:
    """This start of the local AWS (its boot id) and the bootstrap stacks' JSON; None when the server has no
    boot id (moto alone) or no bootstrap state exists here."""
    found = boot_id(session.env["LOCAL_AWS_ENDPOINT"])
    if found is None or not any((session.local_dir / "bootstrap").glob("*.tfstate")):
        return None
    digest = hashlib.sha256(found.encode())
    for name in bootstrap_stacks(session):
        digest.update(name.encode() + b"\0" + (session.outdir / STACKS_DIR / name / STACK_FILE).read_bytes())
    return digest.hexdigest()


def record_local_bootstrap(session: Session) -> None:
    """After a bootstrap applied or planned empty on the local AWS: what it was applied to, and from what."""
    fingerprint = local_bootstrap_fingerprint(session)
    if fingerprint is not None:
        (session.local_dir / "bootstrap" / LOCAL_BOOTSTRAP_MARKER).write_text(fingerprint, encoding="utf-8")


def bootstrap_locally(session: Session) -> None:
    """The state backend on the local AWS before a plan, as bootstrap applies it; skipped when this start of
    the local AWS already holds exactly these bootstrap stacks (their plan would be empty, and costs ~10 s)."""
    marker = session.local_dir / "bootstrap" / LOCAL_BOOTSTRAP_MARKER
    fingerprint = local_bootstrap_fingerprint(session)
    if fingerprint is not None and marker.is_file() and marker.read_text(encoding="utf-8") == fingerprint:
        say("bootstrap: unchanged since it was applied to this local AWS")
        return
    apply_bootstrap(session, auto=True)
    record_local_bootstrap(session)


def saved_plan(session: Session, name: str, plan_args: list[str]) -> Path:
    """init with the S3 backend (on AWS once S3 says the account owns its bucket; once per session), then
    plan to plan.tfplan. Returns the stack's directory."""
    directory = stack_dir(session, name)
    if name not in session.initialized:
        if not session.local:
            checked(f"does {name}'s account own its state bucket?", backends.check_owner, name)
        terraform_or_fail(
            session, directory, ["init", "-input=false", "-reconfigure", "-no-color"], "init.log",
            f"terraform init of {name} failed (has the backend been bootstrapped? ./scripts/bootstrap.sh)",
        )  # fmt: skip
        session.initialized.add(name)
    lock = f"-lock-timeout={os.environ.get('LOCK_TIMEOUT', '0s')}"
    terraform_or_fail(session, directory, ["plan", "-input=false", "-no-color", lock, "-out=plan.tfplan", *plan_args],
                      "plan.log", f"terraform plan of {name} failed")  # fmt: skip
    return directory


def make_plan(session: Session, name: str, plan_args: list[str]) -> tuple[Path, Path]:
    """A saved plan and plan.json beside it (terraform show: the whole provider schema again, ~5 s of CPU)."""
    directory = saved_plan(session, name, plan_args)
    return directory, show_json(session, directory, "plan.tfplan")


def plan_and_check(session: Session, name: str, plan_args: list[str], allowed: tuple[str, ...]) -> Path:
    """What plan and deploy share: synthesize, plan (bootstrapping the local AWS first in local mode),
    print the summary, scan, guard. Returns the stack directory; refuses on any failed check."""
    synthesize(session)
    stack_dir(session, name)
    if session.local:
        bootstrap_locally(session)
    directory, plan_json = make_plan(session, name, plan_args)
    write_summary(directory, name, json.loads(plan_json.read_text(encoding="utf-8")))
    scanned = scan_ok(directory, plan_json)
    guarded = guard_ok(plan_json, name, allowed)
    if not scanned:
        raise OpsError("the plan scan failed: see the findings above")
    if not guarded:
        raise OpsError("the guard refused the plan (see above)", REFUSED)
    return directory


def write_summary(directory: Path, name: str, plan_document: dict[str, Any]) -> Path:
    """The markdown summary (changes, data, security diff, cost) beside the plan, and on the terminal."""
    text = plan_summary.render(name, plan_document, load_settings(name))
    path = directory / PLAN_SUMMARY_FILE
    path.write_text(text, encoding="utf-8")
    print(text, flush=True)
    print(f"plan summary: {os.path.relpath(path, ROOT)}", flush=True)
    return path


def refuse_state_moves(local: bool, name: str | None = None) -> None:
    """Real AWS only (local state is disposable): no silent state moves, and the environment (``None``:
    bootstrap, every one) named with its account; see scripts/ops/backends.py."""
    if not local:
        backends.refuse_state_moves(environments=name is not None)
        backends.require_account_ids(None if name is None else [name])


def bootstrap(local: bool, yes: bool) -> None:
    refuse_state_moves(local)
    with ExitStack() as stack:
        session = open_session(local, stack)
        synthesize(session)
        apply_bootstrap(session, auto=yes or local)
        if not local:
            backends.record_bootstrap()
        for name in bootstrap_stacks(session):
            directory = session.outdir / STACKS_DIR / name
            # A second plan must show nothing to do: the backend is exactly what the code says.
            code = terraform(session, directory, "plan", "-input=false", "-no-color", "-detailed-exitcode",
                             log="replan.log")  # fmt: skip
            if code != 0:
                print((directory / "replan.log").read_text(encoding="utf-8"), file=sys.stderr)
                raise OpsError(f"{name}: a second plan is not empty (exit {code})")
            print(f"{name}: backend ready (a second plan shows no changes)", flush=True)
            outputs = subprocess.run(["terraform", f"-chdir={directory}", "output", "-no-color"], env=session.env,
                                     capture_output=True, text=True, check=False).stdout  # fmt: skip
            print("".join(f"  {line}\n" for line in outputs.splitlines()), end="")
        if local:  # every bootstrap stack planned empty: what later local runs need not plan again
            record_local_bootstrap(session)


def image_tag_variable(image_tag: str | None) -> list[str]:
    """``-var image_tag=<tag>``; the tag is checked again here, whoever calls (exit 2 on a bad one)."""
    return [] if image_tag is None else ["-var", f"image_tag={parse_image_tag(image_tag)}"]


def plan(name: str, local: bool, image_tag: str | None, allowed: tuple[str, ...]) -> None:
    plan_args = image_tag_variable(image_tag)  # before anything starts
    refuse_state_moves(local, name)
    with ExitStack() as stack:
        session = open_session(local, stack)
        directory = plan_and_check(session, name, plan_args, allowed)
        print(f"plan saved: {os.path.relpath(directory / 'plan.tfplan', ROOT)}")


def deploy(name: str, image_tag: str | None, yes: bool, local: bool, allowed: tuple[str, ...]) -> None:
    plan_args = image_tag_variable(image_tag)  # before anything starts
    refuse_state_moves(local, name)
    protected = checked(f"is {name} protected?", is_protected, name)
    if not local:
        unreachable = checked(f"do {name}'s alerts reach someone?", undeliverable_alerts, name)
        if unreachable:
            raise OpsError(f"refusing to deploy {name}: {unreachable}", BAD_ARGUMENT)
    with ExitStack() as stack:
        session = open_session(local, stack)
        directory = plan_and_check(session, name, plan_args, allowed)
        if local and not yes:
            print("local mode: plan and scans passed; not applying (--yes applies it to the local AWS)")
            return
        if not local and not yes and protected and not confirm(f"Apply this plan to {name}?", name):
            raise OpsError("not applied")
        database_first(session, directory, name, plan_args, allowed)
        if local:
            plan_document = applying.read_plan(directory / "plan.json")
            with step(f"terraform apply ({name}, local AWS)"):
                applying.apply_locally(_terraform_in(session), directory, session.env, plan_document)
            create_database_user(session, directory, name)
            return
        if terraform(session, directory, "apply", "-input=false", "-no-color", "plan.tfplan") != 0:
            raise OpsError("terraform apply failed: the state lock is released; fix and run again")
        backends.record_deploy(name)
        create_database_user(session, directory, name)
        print()
        terraform(session, directory, "output", "-no-color")
        url = subprocess.run(["terraform", f"-chdir={directory}", "output", "-raw", "app_url"], env=session.env,
                             capture_output=True, text=True, check=False).stdout  # fmt: skip
        print(f"app: {url}/health")


def database_first(
    session: Session, directory: Path, name: str, plan_args: list[str], allowed: tuple[str, ...]
) -> None:
    """When the plan creates the database, it is applied first (with the slow resources that can be created
    beside it: applying.first_apply) and the app's database user created, then the rest is planned again
    (into plan.tfplan): the app runs its migrations as that user when it starts."""
    targets = applying.first_apply(applying.read_plan(directory / "plan.json"))
    if not targets:
        return
    with step(f"terraform apply of the new database first ({name})"):
        # A subset of the plan already scanned and guarded: nothing reads its JSON.
        saved_plan(session, name, [*plan_args, *(f"-target={address}" for address in targets)])
        code = terraform(session, directory, "apply", "-input=false", "-no-color", "plan.tfplan", log="database.log")
    if code != 0:
        print((directory / "database.log").read_text(encoding="utf-8"), file=sys.stderr)
        raise OpsError("terraform apply of the database failed: the state lock is released; fix and run again")
    create_database_user(session, directory, name)
    _, plan_json = make_plan(session, name, plan_args)  # the rest: scanned and guarded again, as the first was
    scanned = scan_ok(directory, plan_json)
    if not guard_ok(plan_json, name, allowed):
        raise OpsError("the guard refused the plan (see above)", REFUSED)
    if not scanned:
        raise OpsError("the plan scan failed: see the findings above")


def create_database_user(session: Session, directory: Path, name: str) -> None:
    """The app's own database user (scripts/ops/database_user.py), through the RDS Data API; idempotent."""
    with step(f"database user of {name} (RDS Data API{', local AWS' if session.local else ''})"):
        code = subprocess.run([sys.executable, "-m", "scripts.ops.database_user", str(directory)], cwd=ROOT,
                              env=session.env, check=False).returncode  # fmt: skip
    if code != 0:
        raise OpsError(f"creating {name}'s database user failed (above); the deploy is applied: run it again")


def refuse_protected_destroy(session: Session, name: str) -> None:
    synthesize(session)
    print(f"refusing: {name} is protected (deletion protection is on); these resources hold data:")
    for address in guard.stateful_in(stack_dir(session, name)):
        print(f"  {address}")
    print(f"""To destroy it on purpose:
  1. take a final snapshot: aws rds create-db-cluster-snapshot \\
       --db-cluster-identifier <project>-{name}-aurora-cluster \\
       --db-cluster-snapshot-identifier <project>-{name}-final-$(date +%Y%m%d)
  2. set protected = false under [environment] in environments/{name}.toml
  3. ./scripts/deploy.sh {name}   (turns RDS deletion protection off and drops prevent_destroy)
  4. ./scripts/destroy.sh {name}""")
    raise OpsError(f"{name} is protected: not destroyed", REFUSED)


def destroy(name: str, yes: bool, local: bool) -> None:
    refuse_state_moves(local, name)
    protected = checked(f"is {name} protected?", is_protected, name)
    with ExitStack() as stack:
        if protected:  # refused before any emulator or terraform starts
            refuse_protected_destroy(open_session(False, stack) if not local else _listing_session(), name)
        session = open_session(local, stack)
        synthesize(session)
        stack_dir(session, name)
        if local:
            bootstrap_locally(session)
        directory, plan_json = make_plan(session, name, ["-destroy"])
        plan_scan.print_summary(name, json.loads(plan_json.read_text(encoding="utf-8")))
        if not guard_ok(plan_json, name, ()):
            raise OpsError("the guard refused the destroy plan (see above)", REFUSED)
        if local and not yes:
            print("local mode: destroy planned; not applied (--yes applies it to the local AWS)")
            return
        if not yes and not confirm(f"Destroy {name} and the data listed above?", name):
            raise OpsError("not destroyed")
        suffix = name_final_snapshots(session, directory, name)
        with keeping_keys(session, directory, name) as kept:
            # The guarded destroy plan without what it keeps: nothing reads its JSON.
            saved_plan(session, name, ["-destroy", "-var", f"{applying.SUFFIX_VARIABLE}={suffix}"])
            if terraform(session, directory, "apply", "-input=false", "-no-color", "plan.tfplan") != 0:
                raise OpsError("terraform apply (destroy) failed")
        print(f"{name} destroyed; final snapshots (where taken) end in {suffix}")
        for address, values in kept.items():
            if address in KEPT_BY_DESTROY:
                print(f"kept: {address} {values.get('arn')}: it decrypts those snapshots (README, 'Restoring a "
                      "destroyed environment'); schedule its deletion once they are gone")  # fmt: skip


@contextmanager
def keeping_keys(session: Session, directory: Path, name: str) -> Iterator[dict[str, dict[str, object]]]:
    """The keys a destroy keeps, and what it leaves to AWS (modules/settings/protection.py), leave the state
    first, so the destroy does not delete them; if the destroy fails, they are imported back and a rerun
    starts over."""
    kept = applying.kept_in_state(directory, session.env)
    for address in kept:
        terraform_or_fail(session, directory, ["state", "rm", "-no-color", address], "keep.log",
                          f"taking {address} out of {name}'s state failed")  # fmt: skip
    try:
        yield kept
    except BaseException:
        for address, values in kept.items():
            code = terraform(session, directory, "import", "-input=false", "-no-color", address, str(values["id"]),
                             log="keep.log")  # fmt: skip
            if code != 0:
                say(f"{address} ({values['id']}) could not be imported back: terraform import {address} {values['id']}")
        raise


def _terraform_in(session: Session) -> applying.Terraform:
    def run(directory: Path, *args: str, log: str | None = None) -> int:
        return terraform(session, directory, *args, log=log)

    return run


def name_final_snapshots(session: Session, directory: Path, name: str) -> str:
    """Terraform reads final_snapshot_identifier from the state when it destroys: write this destroy's
    own names there first (an update of that attribute alone), so no earlier destroy's snapshot blocks it."""
    suffix = applying.snapshot_suffix()
    targets = applying.snapshotted_in_state(directory, session.env)
    if not targets:
        return suffix
    arguments = ["plan", "-input=false", "-no-color", "-out=snapshots.tfplan"]
    arguments += ["-var", f"{applying.SUFFIX_VARIABLE}={suffix}", *(f"-target={address}" for address in targets)]
    terraform_or_fail(session, directory, arguments, "snapshots.log", f"planning {name}'s final snapshot names failed")
    other = applying.only_snapshot_names_change(applying.read_plan(show_json(session, directory, "snapshots.tfplan")))
    if other:
        raise OpsError(
            f"refusing to destroy {name}: it has changes besides its final snapshot names: {', '.join(other)} "
            "(deploy it first, or review them)",
            REFUSED,
        )
    terraform_or_fail(session, directory, ["apply", "-input=false", "-no-color", "snapshots.tfplan"], "snapshots.log",
                      f"writing {name}'s final snapshot names failed")  # fmt: skip
    return suffix


def _listing_session() -> Session:
    """Local mode's folder, without an emulator: only to list what a protected environment holds."""
    env = {key: value for key, value in os.environ.items() if key != "LOCAL_AWS_ENDPOINT"}
    return Session(True, env, local_dir() / "cdktf.out", local_dir())
