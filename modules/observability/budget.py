"""Monthly cost budget with e-mail alerts to the environment's [alerts] recipients."""

from __future__ import annotations

from modules.framework import Construct, aws
from modules.settings.budget import COST_ALLOCATION_TAG, BudgetSettings
from modules.settings.naming import BUDGET_NAME, resource_name


class CostBudget(Construct):
    """A monthly COST budget: forecast and actual alerts by e-mail."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: BudgetSettings,
        emails: tuple[str, ...],
        name_prefix: str,
        environment: str,
    ) -> None:
        super().__init__(scope, construct_id)
        budget = aws.budgets_budget
        tagged = f"user:{COST_ALLOCATION_TAG}${environment}"  # Billing's name of a user-defined tag, and its value
        alerts = [("FORECASTED", settings.forecast_alert_percent)] + [
            ("ACTUAL", p) for p in settings.actual_alert_percents
        ]
        self.budget = budget.BudgetsBudget(
            self,
            "this",
            name=resource_name(name_prefix, "monthly", BUDGET_NAME),
            budget_type="COST",
            limit_amount=f"{settings.monthly_usd:.2f}",
            limit_unit="USD",
            time_unit="MONTHLY",
            cost_filter=[budget.BudgetsBudgetCostFilter(name="TagKeyValue", values=[tagged])]
            if settings.filter_by_environment_tag
            else None,
            notification=[
                budget.BudgetsBudgetNotification(
                    comparison_operator="GREATER_THAN",
                    notification_type=kind,
                    threshold=percent,
                    threshold_type="PERCENTAGE",
                    subscriber_email_addresses=list(emails),
                )
                for kind, percent in alerts
            ],
        )
