"""The test modules a change touches, for ``./scripts/test.sh --changed [BASE]``.

    python scripts/changed_tests.py [BASE]     # prints tests/test_*.py paths, one a line, or "all"

The change is what differs from BASE (default HEAD): committed since BASE, staged, unstaged and untracked
files. A test module is touched when the change holds the module itself or a file it depends on:

- the Python modules of this repository it imports, transitively (``tests/conftest.py`` is loaded for every
  module and imports ``main.py``, so a change under ``modules/`` touches every test that synthesizes);
- ``scripts/ops`` (with the local AWS it starts) and the shell scripts when it runs them (it names
  ``scripts/`` or ``scripts.ops``);
- a fixture folder, an environment file or another data file whose path (or folder) it names.

A changed file that no test module can be shown to depend on, or one every test depends on
(``conftest.py``, ``pytest.ini``, ``pyproject.toml``, the lock files, ``scripts/lib.sh``,
``scripts/test.sh``), prints "all": when in doubt, everything runs.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVERYTHING = {
    "tests/conftest.py", "tests/__init__.py", "tests/config_helpers.py", "pytest.ini", "pyproject.toml",
    "Pipfile", "Pipfile.lock", "package.json", "package-lock.json", "cdktf.json", "scripts/lib.sh",
    "scripts/test.sh", "scripts/changed_tests.py", ".ci/run",
}  # fmt: skip
NEVER_TESTED = ("scripts/benchmark.py",)  # figures, not behaviour: no test runs it
RUNS_SCRIPTS = ('"scripts"', "'scripts'", "scripts/", "scripts.ops", '"-m", "scripts')


def changed_files(base: str) -> set[str]:
    def git(*args: str) -> list[str]:
        result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
        return [line for line in result.stdout.splitlines() if line]

    return set(git("diff", "--name-only", base)) | set(git("ls-files", "--others", "--exclude-standard"))


def module_path(name: str) -> Path | None:
    """The repository file of a dotted module name (a package's __init__.py), if it is ours."""
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imports(path: Path) -> set[Path]:
    """The repository modules ``path`` imports (each ``from a.b import c`` also tries ``a.b.c``)."""
    found: set[Path] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        for name in names:
            parts = name.split(".")
            for end in range(1, len(parts) + 1):  # a.b.c imports a and a.b (their __init__.py) too
                target = module_path(".".join(parts[:end]))
                if target is not None:
                    found.add(target)
    return found


def closure(start: set[Path]) -> set[Path]:
    seen: set[Path] = set()
    pending = list(start)
    while pending:
        current = pending.pop()
        if current in seen or current.suffix != ".py":
            continue
        seen.add(current)
        pending.extend(imports(current) - seen)
    return seen


def dependencies(test: Path, shared: set[Path], operations: set[Path]) -> set[str]:
    """Repository paths (files, or folders ending in /) that ``test`` depends on."""
    text = test.read_text(encoding="utf-8")
    files = closure({test}) | shared
    if any(marker in text for marker in RUNS_SCRIPTS):
        files |= operations | set(ROOT.glob("scripts/*.sh")) | {ROOT / "main.py"}
    found = {str(path.relative_to(ROOT)) for path in files}
    for folder in sorted(ROOT.glob("tests/fixtures/*/")):
        if f'"{folder.name}"' in text or f"fixtures/{folder.name}" in text:
            found.add(f"tests/fixtures/{folder.name}/")
    found.add("environments/")  # conftest synthesizes the shipped environments for every module that asks
    for data in ("policies/", "bootstrap/", "modules/templates/", ".github/", "README.md", "ARCHITECTURE.md"):
        if data.rstrip("/").split("/")[-1] in text:
            found.add(data)
    return found


def _under(change: str, path: str) -> bool:
    return change == path or (path.endswith("/") and change.startswith(path))


def touched(changes: set[str]) -> list[str] | None:
    """The test modules ``changes`` touch; None when everything must run."""
    if changes & EVERYTHING:
        return None
    shared = closure({ROOT / "tests" / "conftest.py"})
    # The scripts run the operations program, which starts the local AWS as a process of its own.
    ops = ROOT / "scripts" / "ops"
    operations = closure({ops / "__main__.py", ops / "emulator" / "__main__.py"})
    tests = sorted((ROOT / "tests").glob("test_*.py"))
    depends = {str(test.relative_to(ROOT)): dependencies(test, shared, operations) for test in tests}
    selected: set[str] = set()
    for change in changes - set(NEVER_TESTED):
        hits = {name for name, paths in depends.items() if change == name or any(_under(change, p) for p in paths)}
        if not hits:
            return None  # nothing is known to read it: run everything
        selected |= hits
    return sorted(selected)


def main(argv: list[str]) -> int:
    base = argv[1] if len(argv) > 1 else "HEAD"
    selected = touched(changed_files(base))  # a deleted file is read by nothing any more: everything runs
    print("all" if selected is None else "\n".join(selected))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
