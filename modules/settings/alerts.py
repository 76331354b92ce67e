"""[alerts]: who hears about the environment: budget notifications and CloudWatch alarms alike."""

from __future__ import annotations

from dataclasses import dataclass

from modules.settings.schema import EMAIL, each, non_empty, setting


@dataclass(frozen=True, kw_only=True)
class AlertSettings:
    """[alerts]: who receives budget notifications and alarms."""

    emails: tuple[str, ...] = setting(
        "E-mail addresses of the budget's and the alarms' recipients", non_empty, each(EMAIL)
    )
