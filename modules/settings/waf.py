"""[waf]: an AWS WAF web ACL in front of the service, off by default (it has a fixed monthly price).

Where the web ACL sits follows from ``[app]``: on App Runner it is associated with the service, on ECS with a
domain with the load balancer (both REGIONAL web ACLs in the environment's region); on ECS without a domain
with the CloudFront distribution, which takes only a CLOUDFRONT web ACL, and AWS keeps those, their logging
and their log group in us-east-1 whatever the environment's region.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules.settings.schema import between, setting

# AWS WAF Developer Guide, "Rate-based rule statement": a limit of 10 to 2,000,000,000 requests per window.
RATE_LIMIT_RANGE = (10, 2_000_000_000)
RATE_WINDOW_SECONDS = 300  # the window the limit counts over (AWS: 60, 120, 300 or 600; 300 is its default)
CLOUDFRONT_REGION = "us-east-1"  # where CLOUDFRONT-scope web ACLs, their logging and log group live
# The AWS managed rule groups of the web ACL (all in AWS WAF's base price: no subscription, no extra fee) and
# the rules of each overridden to count, with why: a counted request is logged, never blocked.
MANAGED_RULE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # Addresses Amazon threat intelligence saw in bots, reconnaissance and DDoS.
    ("AWSManagedRulesAmazonIpReputationList", ()),
    # Tor exits and anonymizing proxies; HostingProviderIPList (requests from cloud providers' addresses) only
    # counts: an API's legitimate clients are often servers in a cloud.
    ("AWSManagedRulesAnonymousIpList", ("HostingProviderIPList",)),
    # Known-bad request patterns, Log4j (CVE-2021-44228) among them.
    ("AWSManagedRulesKnownBadInputsRuleSet", ()),
    # OWASP-style protections; SizeRestrictions_BODY (bodies over 8 KB) only counts: an API's JSON bodies
    # may be larger.
    ("AWSManagedRulesCommonRuleSet", ("SizeRestrictions_BODY",)),
)
# AWS WAF pricing (us-east-1 and every commercial region): per web ACL and per rule (a managed rule group is
# one rule) a month, and per million requests inspected.
WEB_ACL_MONTH = 5.00
RULE_MONTH = 1.00
MILLION_REQUESTS = 0.60
# The request headers never written to the WAF's logs (lowercase: AWS compares header names so).
REDACTED_HEADERS = ("authorization", "cookie")


@dataclass(frozen=True, kw_only=True)
class WafSettings:
    """[waf]: an AWS WAF web ACL in front of the service (5 USD/month + 1 USD per rule, 5 rules)."""

    enabled: bool = setting(
        "A web ACL in front of the service: AWS's IP reputation, anonymous IP, known bad inputs (Log4j) and core "
        "rule sets plus a rate limit per IP; on App Runner, the load balancer (ECS with a domain) or CloudFront "
        "(ECS without one); about 10 USD/month plus 0.60 USD per million requests",
        default=False,
    )
    rate_limit: int = setting(
        f"Requests one IP address may send in {RATE_WINDOW_SECONDS // 60} minutes before the web ACL blocks it "
        "(until its rate falls below the limit)",
        between(*RATE_LIMIT_RANGE),
        default=2000,
    )
