"""Monthly cost budget with e-mail alerts."""

from __future__ import annotations

from dataclasses import dataclass

from modules.schema import EMAIL, between, each, greater_than, non_empty, setting


@dataclass(frozen=True, kw_only=True)
class BudgetSettings:
    """[budget]: monthly cost budget and who hears about it."""

    monthly_usd: float = setting("Monthly cost budget in USD", greater_than(0))
    alert_emails: tuple[str, ...] = setting(
        "Who receives budget and alarm notifications", non_empty, each(EMAIL)
    )
    forecast_alert_percent: float = setting("Alert when the forecast exceeds this share", between(1, 1000), default=50)
    actual_alert_percents: tuple[float, ...] = setting(
        "Alert when actual spend exceeds these shares", each(between(1, 1000)), default=[80, 100]
    )
