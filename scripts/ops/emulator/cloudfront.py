"""CloudFront additions: a distribution reads back without settings it was not given.

moto 5.2.5 fills in what a CreateDistribution request left out, where AWS leaves it out:
- ForwardedValues on every cache behavior (query string off, no cookies): AWS reports ForwardedValues
  only for a behavior that has them, the legacy cache settings; a behavior with a cache policy
  (CachePolicyId) has none, and the provider reads moto's as a ``forwarded_values`` block the
  configuration does not have, a change at every plan;
- an empty ACMCertificateArn and IAMCertificateId and SSLSupportMethod "sni-only" on a distribution with
  CloudFront's default certificate: AWS reports neither certificate for it (the ViewerCertificate
  documentation: with CloudFrontDefaultCertificate, leave the other fields empty), and the provider reads
  the empty ARN as a custom certificate whose ``ssl_support_method`` the configuration lacks."""

from __future__ import annotations

import functools
from typing import Any

from moto.cloudfront.models import DefaultCacheBehaviour, ViewerCertificate

from scripts.ops.emulator.patching import replace


def forwarded_values_only_when_given(original: Any) -> Any:
    @functools.wraps(original)
    def __init__(self: Any, config: dict[str, Any]) -> None:  # noqa: N807
        original(self, config)
        if "ForwardedValues" not in config:
            self.forwarded_values = None

    return __init__


def certificate_only_when_given(original: Any) -> Any:
    @functools.wraps(original)
    def __init__(self: Any, config: dict[str, Any]) -> None:  # noqa: N807
        original(self, config)
        self.acm_certificate_arn = config.get("ACMCertificateArn") or None
        self.iam_certificate_id = config.get("IAMCertificateId") or None
        if self.acm_certificate_arn is None and self.iam_certificate_id is None:
            self.ssl_support_method = config.get("SSLSupportMethod") or None

    return __init__


def install() -> None:
    # CacheBehaviour (ordered behaviors) calls DefaultCacheBehaviour.__init__ through super().
    replace(DefaultCacheBehaviour, "__init__", forwarded_values_only_when_given(DefaultCacheBehaviour.__init__))
    replace(ViewerCertificate, "__init__", certificate_only_when_given(ViewerCertificate.__init__))
