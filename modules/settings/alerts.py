"""[alerts]: who hears about the environment: budget notifications and CloudWatch alarms alike."""

from __future__ import annotations

from dataclasses import dataclass

from modules.settings.schema import EMAIL, at_most_items, distinct, each, non_empty, setting

# Reserved for documentation and testing (RFC 2606, RFC 6761): mail to them never arrives, so an SNS
# e-mail subscription to them is never confirmed and its alarms reach no one.
RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_SUFFIXES = (".example", ".invalid", ".localhost", ".test")
# AWS Budgets: a notification has at most 10 e-mail subscribers (API reference, NotificationWithSubscribers);
# every address here subscribes to every budget notification.
MAX_EMAILS = 10


def undeliverable(emails: tuple[str, ...]) -> list[str]:
    """The addresses at reserved domains."""
    found = []
    for email in emails:
        domain = email.rsplit("@", 1)[-1].lower()
        reserved = domain in RESERVED_DOMAINS or any(domain.endswith(f".{name}") for name in RESERVED_DOMAINS)
        if reserved or domain.endswith(RESERVED_SUFFIXES) or domain in {s.lstrip(".") for s in RESERVED_SUFFIXES}:
            found.append(email)
    return found


@dataclass(frozen=True, kw_only=True)
class AlertSettings:
    """[alerts]: who receives budget notifications and alarms."""

    emails: tuple[str, ...] = setting(
        "E-mail addresses of the budget's and the alarms' recipients",
        non_empty,
        each(EMAIL),
        distinct(str.lower, " (case-insensitive)"),
        at_most_items(MAX_EMAILS, f"AWS Budgets allows {MAX_EMAILS} e-mail subscribers per notification"),
    )
