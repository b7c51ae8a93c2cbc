"""The distributor's knobs on top of the shared ones (``CIRCULION_<FIELD>``)."""

from __future__ import annotations

from chalicelib.invalidation import MAX_PATHS, MAX_WILDCARDS
from circulion.settings import Settings


class DistributorSettings(Settings):
    """Settings of the ``distribute`` function."""

    distribution_id: str = ""
    """CloudFront distribution of the artifacts bucket (the stack's ``DistributionId``)."""
    max_paths_per_invalidation: int = MAX_PATHS
    max_wildcards_per_invalidation: int = MAX_WILDCARDS
    retry_base_seconds: int = 30
    """First backoff after a throttled invalidation; doubles per receive."""
    retry_max_seconds: int = 900
    fault_injection: bool = False
    """Test-only fault switches (``chalicelib.cdn.FaultInjectingCdn``); never on in prod."""
