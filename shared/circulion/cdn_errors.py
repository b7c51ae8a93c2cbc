"""Why the edge refuses a signed URL: CloudFront's error codes, one class per failure mode."""

from __future__ import annotations

from circulion.errors import CirculionError


class SignedUrlError(CirculionError):
    """A URL CloudFront would refuse (the edge answers ``status``, 403 unless said)."""

    code = "AccessDenied"
    status = 403


class MalformedSignedUrl(SignedUrlError):
    """A fragment, a signing parameter given twice: what is checked could differ from what is served."""

    code = "InvalidURI"
    status = 400


class MissingSignature(SignedUrlError):
    """The URL lacks ``Signature``, ``Key-Pair-Id`` or both ``Expires`` and ``Policy``."""

    code = "MissingKey"


class UnknownKeyPair(SignedUrlError):
    """``Key-Pair-Id`` names no public key the distribution trusts."""

    code = "InvalidKey"


class InvalidSignature(SignedUrlError):
    """The signature does not match the policy under the key pair's public key."""

    code = "AccessDenied"


class UrlExpired(SignedUrlError):
    """The policy's ``DateLessThan`` has passed (or ``DateGreaterThan`` is still ahead)."""

    code = "AccessDenied"


class PolicyMismatch(SignedUrlError):
    """The policy does not grant this resource or this client address."""

    code = "AccessDenied"
