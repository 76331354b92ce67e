"""[budget]: the monthly cost budget."""

from __future__ import annotations

from dataclasses import dataclass

from modules.settings.schema import at_most_items, between, distinct, each, setting

# AWS Budgets: a budget has at most 10 notifications (API reference, Notification). This stack makes one
# FORECASTED notification (forecast_alert_percent) and one ACTUAL notification per actual_alert_percents item.
MAX_NOTIFICATIONS = 10
# The tag the budget filters on (the stacks set it on every resource through default_tags). Billing reads a
# user-defined tag as ``user:<key>`` and only once the key is activated as a cost allocation tag, which AWS
# accepts only after the key has appeared in billing data (up to 24 hours after the first tagged resource)
# and, in an organization, only from the management (payer) account.
COST_ALLOCATION_TAG = "environment"


@dataclass(frozen=True, kw_only=True)
class BudgetSettings:
    """[budget]: monthly cost budget; its alerts go to [alerts] emails."""

    # The API takes any plain decimal amount (Spend.Amount, no exponent, no inf or nan); 1 to 1,000,000 USD a
    # month is this project's range for one environment: below 1 every alert fires, above it is a typo.
    monthly_usd: float = setting("Monthly cost budget in USD", between(1, 1_000_000))
    forecast_alert_percent: float = setting("Alert when the forecast exceeds this share", between(1, 1000), default=50)
    actual_alert_percents: tuple[float, ...] = setting(
        "Alert when actual spend exceeds these shares",
        each(between(1, 1000)),
        distinct(),
        at_most_items(
            MAX_NOTIFICATIONS - 1,
            f"with the forecast alert, AWS Budgets allows {MAX_NOTIFICATIONS} notifications per budget",
        ),
        default=[80, 100],
    )
    filter_by_environment_tag: bool = setting(
        "Count only costs tagged environment=<name>; AWS counts nothing until the `environment` cost allocation "
        "tag is activated (activate_cost_allocation_tag, or the payer account); false counts the whole account",
        default=True,
    )
    activate_cost_allocation_tag: bool = setting(
        "Activate the account-wide `environment` cost allocation tag from this environment's state-backend stack "
        "(needs account_id; one environment per account; a day after the first deploy; see Budgets)",
        default=False,
    )
