"""Budgets additions: the subscribers of a budget notification (DescribeSubscribersForNotification and
Create/Update/DeleteSubscriber) and resource tags (ListTagsForResource, Tag/UntagResource, CreateBudget's
ResourceTags). Without the first the provider cannot refresh, plan or destroy a budget with notifications."""

from __future__ import annotations

import functools
import json
from typing import Any

from moto.budgets.exceptions import DuplicateRecordException, NotFoundException
from moto.budgets.models import BudgetsBackend, Notification
from moto.budgets.responses import BudgetsResponse

from scripts.ops.emulator.patching import add_members, replace

KEYS = ("NotificationType", "ComparisonOperator", "ThresholdType")


def same_notification(stored: dict[str, Any], asked: dict[str, Any]) -> bool:
    if any(stored.get(key) != asked.get(key) for key in KEYS):
        return False
    return float(stored.get("Threshold", 0)) == float(asked.get("Threshold", 0))


class BudgetsAdditionsBackend:
    def find_notification(self: Any, account_id: str, budget_name: str, notification: dict[str, Any]) -> Notification:
        budget = self.budgets[account_id].get(budget_name)
        if budget is None:
            raise NotFoundException(f"Unable to get budget: {budget_name} - the budget doesn't exist.")
        for candidate in budget.notifications:
            if same_notification(candidate.details, notification):
                found: Notification = candidate
                return found
        raise NotFoundException(f"Unable to find notification for budget: {budget_name}")

    def describe_subscribers_for_notification(
        self: Any, account_id: str, budget_name: str, notification: Any
    ) -> list[Any]:
        return list(self.find_notification(account_id, budget_name, notification).subscribers)

    def create_subscriber(self: Any, account_id: str, budget_name: str, notification: Any, subscriber: Any) -> None:
        found = self.find_notification(account_id, budget_name, notification)
        if subscriber in found.subscribers:
            raise DuplicateRecordException(record_type="subscriber", record_name=subscriber.get("Address", ""))
        found.subscribers.append(subscriber)

    def delete_subscriber(self: Any, account_id: str, budget_name: str, notification: Any, subscriber: Any) -> None:
        found = self.find_notification(account_id, budget_name, notification)
        if subscriber not in found.subscribers:
            raise NotFoundException(f"Unable to find subscriber {subscriber.get('Address')} for budget: {budget_name}")
        found.subscribers.remove(subscriber)

    @property
    def resource_tags(self: Any) -> dict[str, list[dict[str, str]]]:
        tags: dict[str, list[dict[str, str]]] = self.__dict__.setdefault("_resource_tags", {})
        return tags

    def tag_budget_resource(self: Any, arn: str, tags: list[dict[str, str]]) -> None:
        current = {tag["Key"]: tag["Value"] for tag in self.resource_tags.get(arn, [])}
        current.update({tag["Key"]: tag["Value"] for tag in tags})
        self.resource_tags[arn] = [{"Key": key, "Value": value} for key, value in current.items()]

    def untag_budget_resource(self: Any, arn: str, keys: list[str]) -> None:
        self.resource_tags[arn] = [tag for tag in self.resource_tags.get(arn, []) if tag["Key"] not in keys]


class BudgetsAdditionsResponse:
    def _subscriber_args(self: Any) -> tuple[str, str, dict[str, Any]]:
        return self._get_param("AccountId"), self._get_param("BudgetName"), self._get_param("Notification")

    def describe_subscribers_for_notification(self: Any) -> str:
        subscribers = self.backend.describe_subscribers_for_notification(*self._subscriber_args())
        return json.dumps({"Subscribers": subscribers})

    def create_subscriber(self: Any) -> str:
        self.backend.create_subscriber(*self._subscriber_args(), self._get_param("Subscriber"))
        return "{}"

    def delete_subscriber(self: Any) -> str:
        self.backend.delete_subscriber(*self._subscriber_args(), self._get_param("Subscriber"))
        return "{}"

    def update_subscriber(self: Any) -> str:
        args = self._subscriber_args()
        self.backend.delete_subscriber(*args, self._get_param("OldSubscriber"))
        self.backend.create_subscriber(*args, self._get_param("NewSubscriber"))
        return "{}"

    def list_tags_for_resource(self: Any) -> str:
        return json.dumps({"ResourceTags": self.backend.resource_tags.get(self._get_param("ResourceARN"), [])})

    def tag_resource(self: Any) -> str:
        self.backend.tag_budget_resource(self._get_param("ResourceARN"), self._get_param("ResourceTags", []))
        return "{}"

    def untag_resource(self: Any) -> str:
        self.backend.untag_budget_resource(self._get_param("ResourceARN"), self._get_param("ResourceTagKeys", []))
        return "{}"


def keep_tags_on_create(original: Any) -> Any:
    """CreateBudget: keep its ResourceTags (moto drops them), under the budget's ARN."""

    @functools.wraps(original)
    def create_budget(self: Any) -> str:
        result: str = original(self)
        tags = self._get_param("ResourceTags") or []
        if tags:
            name = self._get_param("Budget")["BudgetName"]
            arn = f"arn:{self.partition}:budgets::{self._get_param('AccountId')}:budget/{name}"
            self.backend.tag_budget_resource(arn, tags)
        return result

    return create_budget


def install() -> None:
    add_members(BudgetsBackend, BudgetsAdditionsBackend)
    add_members(BudgetsResponse, BudgetsAdditionsResponse)
    replace(BudgetsResponse, "create_budget", keep_tags_on_create(BudgetsResponse.create_budget))
