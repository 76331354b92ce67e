"""S3 additions: HeadBucket honours ExpectedBucketOwner, as AWS does.

S3's bucket owner condition (User Guide, "Verifying bucket ownership with bucket owner condition"): a
request with ``x-amz-expected-bucket-owner`` fails with 403 Access Denied when another account owns the
bucket. moto 5.2.5 ignores the header, so the operations flow's check of the state bucket's owner
(scripts/ops/bucket_owner.py) could not fail locally; HeadBucket, which that check calls, now does.
"""

from __future__ import annotations

import functools
from typing import Any

from moto.s3.exceptions import MissingBucket
from moto.s3.responses import S3Response

from scripts.ops.emulator.patching import replace

OWNER_HEADER = "x-amz-expected-bucket-owner"


def checks_owner(original: Any) -> Any:
    @functools.wraps(original)
    def head_bucket(self: S3Response) -> Any:
        expected = self.headers.get(OWNER_HEADER)
        if expected:
            try:
                bucket = self.backend.head_bucket(self.bucket_name)
            except MissingBucket:
                return original(self)
            if bucket.account_id != expected:
                return 403, {}, ""  # a HEAD response has no body: the status is the answer
        return original(self)

    return head_bucket


def install() -> None:
    replace(S3Response, "head_bucket", checks_owner(S3Response.head_bucket))
