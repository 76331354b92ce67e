"""[budget]: the monthly cost budget."""

from __future__ import annotations

from dataclasses import dataclass

from modules.settings.schema import between, each, greater_than, setting


@dataclass(frozen=True, kw_only=True)
class BudgetSettings:
    """[budget]: monthly cost budget; its alerts go to [alerts] emails."""

    monthly_usd: float = setting("Monthly cost budget in USD", greater_than(0))
    forecast_alert_percent: float = setting("Alert when the forecast exceeds this share", between(1, 1000), default=50)
    actual_alert_percents: tuple[float, ...] = setting(
        "Alert when actual spend exceeds these shares", each(between(1, 1000)), default=[80, 100]
    )
    filter_by_environment_tag: bool = setting(
        "Count only costs tagged environment=<name> (activate the `environment` cost allocation tag "
        "once in Billing); false counts the whole account",
        default=True,
    )
