"""The moto version the emulator's IAM patches were written and checked against.

moto's IAM access control is internal API (``ActionAuthenticatorMixin``, ``IAMRequest``...);
a different moto may have moved or fixed what the patches replace. Every patch calls
:func:`require` first, so an upgraded moto stops the emulator at start-up with a message
instead of silently evaluating requests some other way.
"""

from __future__ import annotations

from typing import Any

PINNED_MOTO = "5.2.5"
"""Must equal the ``moto==`` pin in requirements.lock (a unit test checks it)."""


class MotoMismatch(RuntimeError):
    """The installed moto is not the one the IAM patches were written for."""


def require(patch: str, *attributes: tuple[Any, str]) -> None:
    """Fail fast unless moto is :data:`PINNED_MOTO` and every ``(owner, name)`` exists.

    Raises
    ------
    MotoMismatch
        Naming the patch, the version found, or the missing attribute.
    """
    import moto

    if moto.__version__ != PINNED_MOTO:
        raise MotoMismatch(
            f"{patch}: written for moto {PINNED_MOTO}, found {moto.__version__}; re-check the patch "
            f"(local/circulion_local/iam/) against the new moto before changing the pin"
        )
    for owner, name in attributes:
        if not hasattr(owner, name):
            raise MotoMismatch(f"{patch}: moto {moto.__version__} has no {getattr(owner, '__name__', owner)}.{name}")
