"""ACM additions: a requested certificate has the key algorithm it was requested with.

moto 5.2.5 ignores RequestCertificate's KeyAlgorithm and gives every certificate an RSA 2048 key, so
DescribeCertificate reports RSA_2048 for a certificate requested as EC_prime256v1; ``key_algorithm``
forces a new certificate in the provider, so every plan replaced the certificate, its validation and
the listener's certificate. Here the certificate gets a key of the requested algorithm (ACM API reference,
RequestCertificate: RSA_2048, EC_prime256v1 or EC_secp384r1; anything else is a ValidationException)."""

from __future__ import annotations

import functools
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from moto.acm.exceptions import AWSValidationException
from moto.acm.responses import AWSCertificateManagerResponse

from scripts.ops.emulator.patching import replace

CURVES = {"EC_prime256v1": ec.SECP256R1, "EC_secp384r1": ec.SECP384R1}
ALLOWED = ("RSA_2048", *CURVES)


def rekeyed(bundle: Any, algorithm: str) -> None:
    """The bundle's certificate again (subject, issuer, validity, extensions) with a key of ``algorithm``."""
    key = ec.generate_private_key(CURVES[algorithm]())
    old: x509.Certificate = bundle._cert
    builder = (
        x509.CertificateBuilder()
        .subject_name(old.subject)
        .issuer_name(old.issuer)
        .public_key(key.public_key())
        .serial_number(old.serial_number)
        .not_valid_before(old.not_valid_before_utc)
        .not_valid_after(old.not_valid_after_utc)
    )
    for extension in old.extensions:
        builder = builder.add_extension(extension.value, critical=extension.critical)
    certificate = builder.sign(key, hashes.SHA256())
    bundle.cert = certificate.public_bytes(serialization.Encoding.PEM)
    bundle.key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    bundle._key, bundle._cert = key, certificate


def honours_key_algorithm(original: Any) -> Any:
    @functools.wraps(original)
    def request_certificate(self: Any) -> Any:
        algorithm = self._get_param("KeyAlgorithm") or "RSA_2048"
        if algorithm not in ALLOWED:
            raise AWSValidationException(f"KeyAlgorithm {algorithm} is not one of {', '.join(ALLOWED)}")
        result = original(self)
        bundle = self.acm_backend.get_certificate(result.result["CertificateArn"])
        if algorithm in CURVES and not isinstance(bundle._key, ec.EllipticCurvePrivateKey):  # not an earlier request's
            rekeyed(bundle, algorithm)
        return result

    return request_certificate


def install() -> None:
    replace(
        AWSCertificateManagerResponse,
        "request_certificate",
        honours_key_algorithm(AWSCertificateManagerResponse.request_certificate),
    )
