"""The upload service's knobs, on top of the shared :class:`~circulion.settings.Settings`."""

from __future__ import annotations

from pydantic import Field

from circulion.s3_limits import S3_MIN_PART_BYTES
from circulion.settings import Settings

MIB = 1024 * 1024
GIB = 1024 * MIB


class UploadSettings(Settings):
    """Everything configurable in the upload service (``CIRCULION_<FIELD>`` overrides).

    ``single_put_max_bytes``: up to this size one presigned PUT is offered; above it a
    multipart upload. 64 MiB keeps every JSON document (capped at 64 MiB) a single request,
    while anything bigger gets parts a client can retry and resume one by one (a failed
    single PUT of several GB restarts from zero). The local stage lowers it so developers
    exercise multipart with small files.
    """

    jwks_url: str | None = None
    token_issuer: str | None = None
    token_audience: str | None = Field(default=None, description="Cognito app client id (aud or client_id)")
    tenant_claim: str = "custom:tenant"
    jwks_refresh_min_interval_s: float = 60.0

    max_size_bytes: int = Field(default=50 * GIB, gt=0)
    max_document_bytes: int = Field(default=64 * MIB, gt=0)
    single_put_max_bytes: int = Field(default=64 * MIB, gt=0, le=5 * GIB)
    part_size_bytes: int = Field(default=8 * MIB, ge=S3_MIN_PART_BYTES)
    upload_url_ttl_s: int = Field(default=3600, gt=0, le=7 * 24 * 3600)
    max_part_urls_per_request: int = Field(default=100, gt=0)

    validate_range_bytes: int = Field(default=8 * MIB, gt=0)
    validate_concurrency: int = Field(default=4, gt=0)
    validation_lease_s: int = Field(default=300, gt=0)

    cdn_base_url: str | None = None
    cdn_key_secret_id: str = "circulion/cdn-signing-key"  # noqa: S105 - a secret name, not a secret
    download_url_ttl_s: int = Field(default=900, gt=0)
    edge_credential_ttl_s: int = Field(default=12 * 3600, gt=0, le=7 * 24 * 3600)
    """Lifetime of the custom-policy credential ``GET /names/{name}/latest`` hands robots."""
