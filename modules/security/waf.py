"""AWS WAF in front of the service ([waf]): one web ACL, its rules, and its logs.

- **Rules** (``modules/settings/waf.py``): AWS's managed IP reputation list, anonymous IP list, known bad
  inputs (Log4j among them) and core rule set, and a rate limit per client IP; anything no rule blocks is
  allowed. Every rule publishes CloudWatch metrics and keeps sampled requests.
- **Logs**: to a CloudWatch log group named ``aws-waf-logs-...`` (AWS delivers nowhere else), in the web
  ACL's region, kept ``log_retention_days``, encrypted with a customer-managed key. Only requests a rule
  blocked or counted are written (an allowed request is in the load balancer's access logs or the
  service's own), and never their Authorization or Cookie header.
- **Where**: a REGIONAL web ACL is associated with the App Runner service or the load balancer
  (``associate``); a CLOUDFRONT one is named by the distribution (``web_acl_id``) and lives in us-east-1.
  A key is regional and CloudWatch Logs encrypts a log group only with a key of its own region: outside
  us-east-1 a CLOUDFRONT web ACL's log group gets a key of its own there (1 USD/month), with the same policy
  as the environment's key.
"""

from __future__ import annotations

from modules.framework import Construct, aws
from modules.security.kms import EncryptionKey, logs_statement
from modules.settings.naming import WAF_METRIC, resource_name, waf_key_alias, waf_log_group_name, web_acl_name
from modules.settings.waf import MANAGED_RULE_GROUPS, RATE_WINDOW_SECONDS, REDACTED_HEADERS, WafSettings

RATE_RULE = "RateLimitPerIp"
# What the logs keep: requests a rule blocked, counted, or would have blocked but for a count override.
LOGGED_ACTIONS = ("BLOCK", "COUNT", "EXCLUDED_AS_COUNT")


class WebAcl(Construct):
    """The web ACL, its log group and logging; ``arn`` for a CloudFront distribution, ``associate`` for a
    regional resource."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: WafSettings,
        name_prefix: str,
        cloudfront: bool,
        region: str,
        kms_key_arn: str | None,
        account_id: str,
        partition: str,
        log_retention_days: int,
        provider: aws.provider.AwsProvider | None = None,
    ) -> None:
        """``region``: where the web ACL lives (us-east-1 for CloudFront), with ``provider`` when that is not
        the stack's region; ``kms_key_arn``: a key of that region, or None for a key of the web ACL's own."""
        super().__init__(scope, construct_id)
        self.name_prefix, self.provider, self.region = name_prefix, provider, region
        self.name = web_acl_name(name_prefix)
        self.scope = "CLOUDFRONT" if cloudfront else "REGIONAL"
        self.acl = aws.wafv2_web_acl.Wafv2WebAcl(
            self,
            "this",
            name=self.name,
            description=f"{name_prefix}: managed rule groups and a rate limit per IP in front of the service",
            scope=self.scope,
            default_action=aws.wafv2_web_acl.Wafv2WebAclDefaultAction(
                allow=aws.wafv2_web_acl.Wafv2WebAclDefaultActionAllow()
            ),
            visibility_config=self._visibility(self.name),
            rule=[*self._managed_rules(), self._rate_rule(settings.rate_limit)],
            provider=provider,
        )
        self.own_key = kms_key_arn is None
        self.log_group_name = waf_log_group_name(name_prefix)
        if kms_key_arn is None:
            kms_key_arn = EncryptionKey(
                self,
                "key",
                alias=waf_key_alias(name_prefix),
                description=f"{name_prefix}: the WAF's logs in {region} (a log group takes a key of its region)",
                account_id=account_id,
                partition=partition,
                service_statements=[logs_statement(region, account_id, partition)],
                provider=provider,
            ).arn
        self.log_group = aws.cloudwatch_log_group.CloudwatchLogGroup(
            self,
            "logs",
            name=self.log_group_name,
            kms_key_id=kms_key_arn,
            retention_in_days=log_retention_days,
            provider=provider,
        )
        self._logging()
        self.arn: str = self.acl.arn

    def _visibility(self, metric: str) -> aws.wafv2_web_acl.Wafv2WebAclVisibilityConfig:
        return aws.wafv2_web_acl.Wafv2WebAclVisibilityConfig(
            cloudwatch_metrics_enabled=True, sampled_requests_enabled=True, metric_name=metric
        )

    def _rule_visibility(self, rule: str) -> aws.wafv2_web_acl.Wafv2WebAclRuleVisibilityConfig:
        return aws.wafv2_web_acl.Wafv2WebAclRuleVisibilityConfig(
            cloudwatch_metrics_enabled=True,
            sampled_requests_enabled=True,
            metric_name=resource_name(self.name, rule, WAF_METRIC),
        )

    def _managed_rules(self) -> list[aws.wafv2_web_acl.Wafv2WebAclRule]:
        """AWS's managed rule groups, each as one rule, blocking (override_action none) but for the rules
        ``MANAGED_RULE_GROUPS`` overrides to count."""
        acl = aws.wafv2_web_acl
        rules = []
        for priority, (group, counted) in enumerate(MANAGED_RULE_GROUPS):
            statement: dict[str, object] = {"name": group, "vendor_name": "AWS"}
            if counted:
                statement["rule_action_override"] = [{"name": name, "action_to_use": {"count": {}}} for name in counted]
            rules.append(
                acl.Wafv2WebAclRule(
                    name=group,
                    priority=priority,
                    override_action=acl.Wafv2WebAclRuleOverrideAction(none=acl.Wafv2WebAclRuleOverrideActionNone()),
                    statement={"managed_rule_group_statement": statement},
                    visibility_config=self._rule_visibility(group),
                )
            )
        return rules

    def _rate_rule(self, limit: int) -> aws.wafv2_web_acl.Wafv2WebAclRule:
        """Blocks an IP address while it sends more than ``limit`` requests in the window."""
        acl = aws.wafv2_web_acl
        return acl.Wafv2WebAclRule(
            name=RATE_RULE,
            priority=len(MANAGED_RULE_GROUPS),
            action=acl.Wafv2WebAclRuleAction(block=acl.Wafv2WebAclRuleActionBlock()),
            statement={
                "rate_based_statement": {
                    "limit": limit,
                    "aggregate_key_type": "IP",
                    "evaluation_window_sec": RATE_WINDOW_SECONDS,
                }
            },
            visibility_config=self._rule_visibility(RATE_RULE),
        )

    def _logging(self) -> None:
        logging = aws.wafv2_web_acl_logging_configuration
        logging.Wafv2WebAclLoggingConfiguration(
            self,
            "logging",
            resource_arn=self.acl.arn,
            log_destination_configs=[self.log_group.arn],
            redacted_fields=[
                logging.Wafv2WebAclLoggingConfigurationRedactedFields(
                    single_header=logging.Wafv2WebAclLoggingConfigurationRedactedFieldsSingleHeader(name=header)
                )
                for header in REDACTED_HEADERS
            ],
            logging_filter=logging.Wafv2WebAclLoggingConfigurationLoggingFilter(
                default_behavior="DROP",
                filter=[
                    logging.Wafv2WebAclLoggingConfigurationLoggingFilterFilter(
                        behavior="KEEP",
                        requirement="MEETS_ANY",
                        condition=[
                            logging.Wafv2WebAclLoggingConfigurationLoggingFilterFilterCondition(
                                action_condition=logging.Wafv2WebAclLoggingConfigurationLoggingFilterFilterConditionActionCondition(
                                    action=action
                                )
                            )
                            for action in LOGGED_ACTIONS
                        ],
                    )
                ],
            ),
            provider=self.provider,
        )

    def associate(self, construct_id: str, resource_arn: str) -> None:
        """Puts the (REGIONAL) web ACL in front of a load balancer or an App Runner service."""
        if self.scope != "REGIONAL":
            raise ValueError("a CLOUDFRONT web ACL is named by the distribution (web_acl_id), never associated")
        aws.wafv2_web_acl_association.Wafv2WebAclAssociation(
            self, construct_id, resource_arn=resource_arn, web_acl_arn=self.acl.arn
        )
