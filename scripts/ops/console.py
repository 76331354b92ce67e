"""How the operations commands talk: results on stdout, progress and errors on stderr.

Long steps (terraform init/plan/apply, checkov, the local AWS's start) show a rich spinner in a
terminal and one plain line otherwise (CI logs stay readable).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

BAD_ARGUMENT = 2  # a bad environment file or a bad argument
REFUSED = 3  # the guard (or a protected environment) refused

stderr = Console(stderr=True, highlight=False, soft_wrap=True)


class OpsError(Exception):
    """A failure or refusal: reported as ``error: <line>`` lines on stderr, exits with ``code``."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def say(message: str) -> None:
    """A progress line on stderr."""
    print(message, file=sys.stderr, flush=True)


@contextmanager
def step(message: str) -> Iterator[None]:
    """A long step: a spinner in a terminal, one line in a log."""
    if stderr.is_terminal:
        with stderr.status(message):
            yield
    else:
        say(f"... {message}")
        yield


def confirm(prompt: str, expected: str) -> bool:
    """The user types ``expected``; without a terminal there is nobody to ask."""
    if not sys.stdin.isatty():
        raise OpsError(f"{prompt} needs a terminal to confirm (or pass --yes)")
    answer = input(f"{prompt} Type '{expected}' to continue: ")
    return answer.strip() == expected
