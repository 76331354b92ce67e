"""Safety checks fail closed: an error inside a check is a refusal, never "go on"."""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from scripts.ops.console import OpsError

P = ParamSpec("P")
T = TypeVar("T")


def checked(check: str, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Runs the safety check ``check`` (e.g. "is prod protected?"). Its own refusals (OpsError) pass
    through; any other error, SystemExit included, becomes a refusal naming the check and the error."""
    try:
        return work(*args, **kwargs)
    except OpsError:
        raise
    except (Exception, SystemExit) as error:
        detail = f"{type(error).__name__}: {error}".strip().rstrip(":")
        raise OpsError(f"refusing: the safety check '{check}' failed, so nothing goes on: {detail}") from error
