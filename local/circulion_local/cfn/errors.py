"""The one failure mode of provisioning."""

from __future__ import annotations

from circulion.errors import ConfigurationError


class ProvisioningError(ConfigurationError):
    """The template cannot be provisioned as written (unknown type, property, reference...)."""

    code = "provisioning_error"
