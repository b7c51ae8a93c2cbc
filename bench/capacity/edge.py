"""The edge credential robots poll with (issue 17): how long its signed URL gets."""

from __future__ import annotations

import base64
import json

from bench.capacity import items


def signed_url_bytes(domain: str = "d111111abcdef8.cloudfront.net") -> int:
    """Length of a pointer URL signed with a wildcard custom policy (RSA-2048, as CloudFront wants)."""
    resource = f"https://{domain}/artifacts/{items.TENANT}/{items.NAME}/*"
    policy = json.dumps(
        {"Statement": [{"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": 1_764_676_800}}}]},
        separators=(",", ":"),
    )
    encoded = base64.b64encode(policy.encode()).decode()
    signature = base64.b64encode(b"\0" * 256).decode()
    url = f"https://{domain}/artifacts/{items.TENANT}/{items.NAME}/latest.json"
    return len(f"{url}?Policy={encoded}&Signature={signature}&Key-Pair-Id=K2JCJMDEHXQW5F")
