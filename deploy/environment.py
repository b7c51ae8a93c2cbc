"""Environment a deployed function needs from outside its ``.chalice/config.json``.

``config.json`` holds the stage's knobs; what only the deployment knows comes from here:
the account and region (``circulion.settings`` builds topic ARNs from them), values the
infra stack exports (the distribution's id and domain) and values the deployer supplies
as template parameters / Terraform variables (the token issuer of the customer API).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FromExport:
    """An infra output's value, after ``prefix``."""

    output: str
    prefix: str = ""


@dataclass(frozen=True)
class FromParameter:
    """A template parameter (a Terraform variable ``snake_case(name)``) the deployer supplies."""

    name: str
    description: str


@dataclass(frozen=True)
class Pseudo:
    """A pseudo parameter: ``AWS::AccountId`` or ``AWS::Region``."""

    name: str


Source = FromExport | FromParameter | Pseudo

COMMON: dict[str, Source] = {
    # Settings.account_id defaults to a placeholder account: topic ARNs are built from it.
    "CIRCULION_ACCOUNT_ID": Pseudo("AWS::AccountId"),
    "CIRCULION_REGION": Pseudo("AWS::Region"),
}

BY_SERVICE: dict[str, dict[str, Source]] = {
    "upload": {
        "CIRCULION_CDN_BASE_URL": FromExport("DistributionDomainName", prefix="https://"),
        "CIRCULION_JWKS_URL": FromParameter("JwksUrl", "JWKS URL of the identity provider (Cognito user pool)."),
        "CIRCULION_TOKEN_ISSUER": FromParameter("TokenIssuer", "Issuer (iss) of the customers' access tokens."),
        "CIRCULION_TOKEN_AUDIENCE": FromParameter("TokenAudience", "Audience / app client id of the access tokens."),
    },
    "splitter": {},
    "merger": {},
    "distributor": {
        "CIRCULION_DISTRIBUTION_ID": FromExport("DistributionId"),
    },
}


def environment_of(service: str) -> dict[str, Source]:
    """Every variable the service's functions get on top of their stage's configuration."""
    return {**COMMON, **BY_SERVICE[service]}


def parameters_of(service: str) -> list[FromParameter]:
    """The deployer-supplied values of the service, in declaration order."""
    return [s for s in environment_of(service).values() if isinstance(s, FromParameter)]


def exports_of(service: str) -> set[str]:
    """The infra outputs the service's environment reads."""
    return {s.output for s in environment_of(service).values() if isinstance(s, FromExport)}


def snake_case(name: str) -> str:
    """``TokenIssuer`` -> ``token_issuer`` (Terraform's naming)."""
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))
