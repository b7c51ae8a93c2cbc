"""The public keys the local edge trusts, read from the emulator's CloudFront.

Distribution → trusted key groups → public keys, read when the edge starts and re-read
when a URL names a key pair the edge does not know yet (rate-limited), so a key added
later is picked up.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from circulion.cdn_signing import CdnUrlVerifier, UnknownKeyPair

KEY_REFRESH_INTERVAL_S = 2.0

_log = logging.getLogger("circulion.edge")


class TrustedKeys:
    """Public keys the distribution trusts, by key pair id, read from the emulator."""

    def __init__(self, cloudfront: Any) -> None:
        self._cloudfront = cloudfront
        self._lock = threading.Lock()
        self._verifier = CdnUrlVerifier({})
        self._loaded_at = float("-inf")
        self.refresh()

    def refresh(self) -> None:
        with self._lock:
            if time.monotonic() - self._loaded_at < KEY_REFRESH_INTERVAL_S:
                return
            self._loaded_at = time.monotonic()
            try:
                self._verifier = CdnUrlVerifier(self._load())
            except ClientError:
                _log.warning("could not read the distribution's public keys", exc_info=True)

    def verify(self, url: str, client_ip: str) -> None:
        now = datetime.now(UTC)
        try:
            self._verifier.verify(url, now, client_ip)
        except UnknownKeyPair:
            self.refresh()
            self._verifier.verify(url, now, client_ip)

    def _load(self) -> dict[str, str]:
        cf = self._cloudfront
        group_ids: set[str] = set()
        for summary in cf.list_distributions().get("DistributionList", {}).get("Items") or []:
            config = cf.get_distribution_config(Id=summary["Id"])["DistributionConfig"]
            trusted = config.get("DefaultCacheBehavior", {}).get("TrustedKeyGroups", {})
            group_ids.update(trusted.get("Items") or [])
        if not group_ids:  # the emulator may drop TrustedKeyGroups: trust every key group
            items = cf.list_key_groups().get("KeyGroupList", {}).get("Items") or []
            group_ids = {item["KeyGroup"]["Id"] for item in items}
        key_ids: set[str] = set()
        for group_id in group_ids:
            key_ids.update(cf.get_key_group(Id=group_id)["KeyGroup"]["KeyGroupConfig"].get("Items") or [])
        if not key_ids:
            items = cf.list_public_keys().get("PublicKeyList", {}).get("Items") or []
            key_ids = {item["Id"] for item in items}
        keys = {}
        for key_id in key_ids:
            config = cf.get_public_key(Id=key_id)["PublicKey"]["PublicKeyConfig"]
            keys[key_id] = str(config["EncodedKey"])
        _log.info("edge trusts %d public key(s): %s", len(keys), ", ".join(sorted(keys)))
        return keys
