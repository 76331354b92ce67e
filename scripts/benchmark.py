"""Synthesis and gate benchmark: prints a table; asserts nothing (timings vary by machine).

    python scripts/benchmark.py [--rounds 3] [--skip-gate]

1. Synthesis of the shipped environments, eager vs lazy provider import, alternating A/B in fresh
   processes after one warm-up each (the jsii package cache is then warm): median wall time, median
   peak RSS of the whole process tree (Python + the jsii Node process), and the ratios.
2. Lazy synthesis with 2, 10 and 30 generated environment files: time per extra environment.
3. The whole ./scripts/synth.sh gate, split by phase (synthesis, terraform validate, checkov).
4. "Is prod protected?": python -m scripts.ops guard protected prod, wall time and peak RSS.
5. With --local-apply: one environment against the local AWS, each step timed: bootstrap (once, kept
   out of the loop as the emulator is reused), deploy --local --yes, the second plan, destroy --local --yes.
6. With --budgets: the figures the project holds itself to, each beside its budget and the value before the
   work that set the budget: the whole suite from a fresh clone of HEAD (the installed packages linked in),
   the fast tier (-m "not slow", ruff and mypy included, their caches warm), deploy.sh stage --local --yes on
   a running, bootstrapped local AWS, and the second plan.sh stage --local. --skip-suite leaves the first out.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += rss.get(current, 0)
        stack.extend(children.get(current, []))
    return total


def measure(command: list[str], env: dict[str, str], codes: tuple[int, ...] = (0,)) -> tuple[float, int]:
    """Wall seconds and peak tree RSS (KB) of one run; fails loudly if the command fails (exits
    with none of ``codes``)."""
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    elapsed = time.monotonic() - started
    done.set()
    sampler.join()
    if process.returncode not in codes:
        raise SystemExit(f"{' '.join(command)} failed:\n{stdout}\n{stderr}")
    return elapsed, peak


def synth_env(outdir: Path, environments: Path | None = None, eager: bool = False) -> dict[str, str]:
    env = {**os.environ, "CDKTF_OUTDIR": str(outdir)}
    env.pop("CDKTF_EAGER_PROVIDER", None)
    if eager:
        env["CDKTF_EAGER_PROVIDER"] = "1"
    if environments:
        env["ENVIRONMENTS_DIR"] = str(environments)
    return env


def eager_vs_lazy(rounds: int, scratch: Path) -> None:
    command = [sys.executable, "main.py"]
    runs: dict[str, list[tuple[float, int]]] = {"eager": [], "lazy": []}
    for mode in runs:  # warm-up: jsii package cache, OS page cache
        measure(command, synth_env(scratch / "warm", eager=mode == "eager"))
    for _ in range(rounds):
        for mode, samples in runs.items():  # alternating A/B
            samples.append(measure(command, synth_env(scratch / mode, eager=mode == "eager")))
    print(f"\n1. Synthesis of the shipped environments ({rounds} rounds each, alternating, fresh processes)")
    print(f"{'path':<8} {'median s':>9} {'min s':>7} {'max s':>7} {'peak RSS MB':>12}")
    medians = {}
    for mode, samples in runs.items():
        times = [sample[0] for sample in samples]
        rss = statistics.median(sample[1] for sample in samples) / 1024
        medians[mode] = (statistics.median(times), rss)
        print(f"{mode:<8} {medians[mode][0]:>9.2f} {min(times):>7.2f} {max(times):>7.2f} {rss:>12.0f}")
    time_ratio = medians["lazy"][0] / medians["eager"][0]
    rss_ratio = medians["lazy"][1] / medians["eager"][1]
    print(f"lazy/eager: wall {time_ratio:.2f} (target <= 0.33), peak RSS {rss_ratio:.2f} (target <= 0.60)")


def scaling(rounds: int, scratch: Path) -> None:
    stage = (ROOT / "environments" / "stage.toml").read_text(encoding="utf-8")
    results = {}
    for count in (2, 10, 30):
        environments = scratch / f"envs-{count}"
        shutil.rmtree(environments, ignore_errors=True)
        environments.mkdir()
        shutil.copy(ROOT / "environments" / "_defaults.toml", environments)
        for index in range(count):
            name = f"env{index:02d}"
            (environments / f"{name}.toml").write_text(
                stage.replace('name = "stage"', f'name = "{name}"'), encoding="utf-8"
            )
        samples = [
            measure([sys.executable, "main.py"], synth_env(scratch / f"out-{count}", environments))[0]
            for _ in range(rounds)
        ]
        results[count] = statistics.median(samples)
    print("\n2. Lazy synthesis by number of environments (median)")
    print(f"{'environments':>12} {'seconds':>8}")
    for count, seconds in results.items():
        print(f"{count:>12} {seconds:>8.2f}")
    per_env = (results[30] - results[2]) / 28
    print(f"each extra environment: {per_env:.3f} s (target <= 0.3 s)")


def gate() -> None:
    env = {**os.environ}
    wall, _ = measure(["./scripts/synth.sh"], env)
    timings = json.loads((ROOT / "reports" / "checkov" / "timings.json").read_text(encoding="utf-8"))
    print("\n3. ./scripts/synth.sh (synthesis + terraform validate + checkov, every stack)")
    print(f"{'phase':<40} {'seconds':>8}")
    for phase, seconds in timings.items():
        print(f"{phase:<40} {seconds:>8.2f}")
    print(f"{'whole script (wall)':<40} {wall:>8.2f}  (target <= 45 s)")


def protected_question(rounds: int) -> None:
    """The question every deploy and destroy asks first; it should cost a settings read, not a synthesis."""
    command = [sys.executable, "-m", "scripts.ops", "guard", "protected", "prod"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    measure(command, env, codes=(0, 1))  # warm-up: OS page cache; exit 1 means "not protected"
    samples = [measure(command, env, codes=(0, 1)) for _ in range(rounds)]
    times = [sample[0] for sample in samples]
    rss = statistics.median(sample[1] for sample in samples) / 1024
    print("\n4. Is prod protected? (python -m scripts.ops guard protected prod, fresh processes)")
    print(f"{'median s':>9} {'min s':>7} {'max s':>7} {'peak RSS MB':>12}")
    print(f"{statistics.median(times):>9.2f} {min(times):>7.2f} {max(times):>7.2f} {rss:>12.0f}")


def local_apply(environment: str) -> None:
    """Applies ``environment`` to one local AWS and times each step (the emulator is reused throughout)."""
    sys.path.insert(0, str(ROOT))
    from scripts.ops.local_aws import local_aws, local_environment  # noqa: PLC0415  (only for this section)

    rows = []
    with tempfile.TemporaryDirectory(prefix="local-bench-") as scratch, local_aws(log=Path(scratch) / "aws.log") as aws:
        env = {**local_environment(dict(os.environ), aws.endpoint), "LOCAL_DIR": scratch}
        steps = [
            ("bootstrap (once, outside the loop)", ["./scripts/bootstrap.sh", "--local"]),
            (f"deploy {environment} --local --yes", ["./scripts/deploy.sh", environment, "--local", "--yes"]),
            (f"second plan of {environment}", ["./scripts/plan.sh", environment, "--local"]),
            (f"destroy {environment} --local --yes", ["./scripts/destroy.sh", environment, "--local", "--yes"]),
        ]
        for label, command in steps:
            started = time.monotonic()
            subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            rows.append((label, time.monotonic() - started))
    print(f"\n5. {environment} against the local AWS (each step a fresh script run, synthesis included)")
    print(f"{'step':<40} {'seconds':>8}")
    for label, seconds in rows:
        print(f"{label:<40} {seconds:>8.1f}")
    loop = sum(seconds for _, seconds in rows[1:3])
    print(f"{'apply + second plan (the loop)':<40} {loop:>8.1f}")


# Budget, and the value measured on this kind of machine (2 cores) before the work that set the budget.
BUDGETS = {
    "suite": ("whole suite (./scripts/test.sh, fresh clone)", 12 * 60, 1870.0),
    "fast": ('fast tier (-m "not slow", ruff, mypy)', 60, 97.0),
    "deploy": ("deploy.sh stage --local --yes", 120, 232.0),
    "replan": ("second plan.sh stage --local", 20, 45.7),
}


def timed(command: list[str], env: dict[str, str], cwd: Path = ROOT) -> float:
    """Wall seconds of one run; fails loudly, with the end of its output, if the command fails."""
    started = time.monotonic()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False,
                            stdin=subprocess.DEVNULL)  # fmt: skip
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed (exit {result.returncode}):\n{result.stdout[-4000:]}\n"
                         f"{result.stderr[-4000:]}")  # fmt: skip
    return elapsed


def fresh_clone_suite(scratch: Path) -> float:
    """./scripts/test.sh in a clone of HEAD (what CI runs), this checkout's install linked in."""
    clone = scratch / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    for installed in (".venv", "node_modules"):
        (clone / installed).symlink_to(ROOT / installed)
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "TF_CLI_CONFIG_FILE")}
    return timed(["./scripts/test.sh", "-q", "-p", "no:cacheprovider"], env, cwd=clone)


def fast_tier() -> float:
    env = dict(os.environ)
    timed(["./scripts/test.sh", "--collect-only", "-q"], env)  # warm-up: ruff's and mypy's caches
    return timed(["./scripts/test.sh", "-m", "not slow", "-q"], env)


def local_loop() -> tuple[float, float]:
    """deploy.sh stage --local --yes on a running, bootstrapped local AWS, then the second plan; destroyed after."""
    sys.path.insert(0, str(ROOT))
    from scripts.ops.local_aws import local_aws, local_environment  # noqa: PLC0415  (only for this section)

    with tempfile.TemporaryDirectory(prefix="local-budget-") as folder, local_aws(log=Path(folder) / "aws.log") as aws:
        env = {**local_environment(dict(os.environ), aws.endpoint), "LOCAL_DIR": folder}
        timed(["./scripts/bootstrap.sh", "--local"], env)
        deploy = timed(["./scripts/deploy.sh", "stage", "--local", "--yes"], env)
        replan = timed(["./scripts/plan.sh", "stage", "--local"], env)
        timed(["./scripts/destroy.sh", "stage", "--local", "--yes"], env)
    return deploy, replan


def budgets(skip_suite: bool) -> int:
    """Prints each figure beside its budget and its value before; exit 1 when one is over its budget."""
    figures: dict[str, float] = {}
    if not skip_suite:
        with tempfile.TemporaryDirectory(prefix="suite-bench-") as scratch:
            figures["suite"] = fresh_clone_suite(Path(scratch))
    figures["fast"] = fast_tier()
    figures["deploy"], figures["replan"] = local_loop()
    print("\n6. Budgets (wall seconds; before: this machine, before the work that set the budget)")
    print(f"{'figure':<46} {'measured':>9} {'budget':>7} {'before':>7}  verdict")
    over = 0
    for key, (label, budget, before) in BUDGETS.items():
        if key not in figures:
            continue
        verdict = "within" if figures[key] <= budget else "OVER"
        over += verdict == "OVER"
        print(f"{label:<46} {figures[key]:>9.1f} {budget:>7} {before:>7.0f}  {verdict}")
    return 1 if over else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-gate", action="store_true")
    parser.add_argument("--protected-only", action="store_true", help="only 4. (is prod protected?)")
    parser.add_argument("--local-apply", metavar="ENV", help="only 5.: ENV applied to the local AWS, step by step")
    parser.add_argument("--budgets", action="store_true", help="only 6.: the suite, fast tier and local loop budgets")
    parser.add_argument("--skip-suite", action="store_true", help="with --budgets: leave the whole suite out")
    args = parser.parse_args()
    memory_gib = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2**30
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {memory_gib} GiB, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )
    if args.protected_only:
        protected_question(args.rounds)
        return 0
    if args.local_apply:
        local_apply(args.local_apply)
        return 0
    if args.budgets:
        return budgets(args.skip_suite)
    with tempfile.TemporaryDirectory(prefix="cdktf-bench-") as scratch:
        eager_vs_lazy(args.rounds, Path(scratch))
        scaling(args.rounds, Path(scratch))
    if not args.skip_gate:
        gate()
    protected_question(args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
