"""Monthly cost budget with e-mail alerts."""

from __future__ import annotations

from dataclasses import dataclass

from modules.framework import Construct, aws
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
    filter_by_environment_tag: bool = setting(
        "Count only costs tagged environment=<name> (activate the `environment` cost allocation tag "
        "once in Billing); false counts the whole account",
        default=True,
    )


class CostBudget(Construct):
    """A monthly COST budget: forecast and actual alerts by e-mail."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: BudgetSettings, name_prefix: str, environment: str) -> None:
        super().__init__(scope, construct_id)
        budget = aws.budgets_budget
        alerts = [("FORECASTED", settings.forecast_alert_percent)] + [("ACTUAL", p) for p in settings.actual_alert_percents]
        self.budget = budget.BudgetsBudget(
            self,
            "this",
            name=f"{name_prefix}-monthly",
            budget_type="COST",
            limit_amount=f"{settings.monthly_usd:.2f}",
            limit_unit="USD",
            time_unit="MONTHLY",
            cost_filter=[budget.BudgetsBudgetCostFilter(name="TagKeyValue", values=[f"user:environment${environment}"])]
            if settings.filter_by_environment_tag
            else None,
            notification=[
                budget.BudgetsBudgetNotification(
                    comparison_operator="GREATER_THAN",
                    notification_type=kind,
                    threshold=percent,
                    threshold_type="PERCENTAGE",
                    subscriber_email_addresses=list(settings.alert_emails),
                )
                for kind, percent in alerts
            ],
        )
