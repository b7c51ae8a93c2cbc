"""Process configuration: the one place that reads ``os.environ``.

Every knob is a field with a production default; the environment overrides it with
``CIRCULION_<FIELD>`` (for example ``CIRCULION_CHUNK_SIZE_BYTES``). Services that need
more knobs subclass :class:`Settings` and load with :meth:`Settings.from_env`.

Resource names are fixed by convention (one account per stage), so a Chalice decorator can
name its queue at import time, when ``chalice package`` has no environment to read.
"""

from __future__ import annotations

import os
from typing import Self

from pydantic import BaseModel, ConfigDict

from circulion.errors import ConfigurationError

ENV_PREFIX = "CIRCULION_"


class ResourceNames(BaseModel):
    """Physical names of the shared resources the ``infra/`` stack creates."""

    model_config = ConfigDict(frozen=True)

    uploads_topic: str = "circulion-uploads"
    events_topic: str = "circulion-recipe-events"
    upload_validate_queue: str = "circulion-upload-validate"
    upload_status_queue: str = "circulion-upload-status"
    splitter_queue: str = "circulion-splitter"
    work_queue: str = "circulion-splitter-work"
    merger_queue: str = "circulion-merger"
    distributor_queue: str = "circulion-distributor"
    recipes_table: str = "circulion-recipes"
    ledger_table: str = "circulion-ledger"
    distribution_table: str = "circulion-distribution"
    uploads_bucket: str = "circulion-uploads"
    work_bucket: str = "circulion-work"
    artifacts_bucket: str = "circulion-artifacts"


RESOURCES = ResourceNames()
"""The canonical names; decorators use these at import time."""


class Settings(BaseModel):
    """Knobs shared by every service. Subclass to add a service's own."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stage: str = "prod"
    region: str = "us-east-1"
    account_id: str = "123456789012"
    endpoint_url: str | None = None
    resources: ResourceNames = RESOURCES
    log_level: str = "INFO"
    tracing_enabled: bool = True

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Self:
        """Build settings from ``CIRCULION_*`` variables (and ``AWS_*`` for the endpoint).

        Raises
        ------
        ConfigurationError
            When a variable does not parse as its field's type.
        """
        env = dict(os.environ if environ is None else environ)
        values: dict[str, object] = {}
        for name in cls.model_fields:
            if name == "resources":
                continue
            raw = env.get(ENV_PREFIX + name.upper())
            if raw is not None:
                values[name] = raw
        if "endpoint_url" not in values and env.get("AWS_ENDPOINT_URL"):
            values["endpoint_url"] = env["AWS_ENDPOINT_URL"]
        if "region" not in values and env.get("AWS_DEFAULT_REGION"):
            values["region"] = env["AWS_DEFAULT_REGION"]
        overrides = {
            field: env[ENV_PREFIX + field.upper()]
            for field in ResourceNames.model_fields
            if ENV_PREFIX + field.upper() in env
        }
        if overrides:
            values["resources"] = RESOURCES.model_copy(update=overrides)
        try:
            return cls.model_validate(values)
        except ValueError as exc:
            raise ConfigurationError(f"invalid configuration: {exc}") from exc
