"""The one registry of the emulator's patches of moto and werkzeug internals.

Every patch of a third-party attribute in the emulator goes through :func:`patch` (or
:func:`add`, for a hook moto looks up by name but does not define). A patch is applied
once per process and recorded (:func:`applied`), so a second install is a no-op instead of
a wrapper around a wrapper, and no attribute is replaced twice: two behaviours that need
the same attribute share one patch.

The patches are written against one version of each library (:data:`PINNED`); a different
one may have moved or fixed what they replace, so the first patch of a library checks the
installed version and every patch checks that the attribute exists: an upgrade stops the
emulator at start-up with a message naming the patch, instead of serving answers some
other way.
"""

from __future__ import annotations

import importlib.metadata
import types
from dataclasses import dataclass
from typing import Any

PINNED = {"moto": "5.2.5", "werkzeug": "3.1.9"}
"""Each must equal its ``==`` pin in requirements.lock (a unit test checks it)."""

PINNED_MOTO = PINNED["moto"]


class MotoMismatch(RuntimeError):
    """The installed moto (or werkzeug) is not the one the emulator's patches were written for."""


@dataclass(frozen=True)
class Patch:
    """One attribute of a library replaced (or added) by the emulator."""

    owner: Any
    name: str
    replacement: Any
    original: Any
    """What was there before (``None`` for an added hook)."""

    @property
    def label(self) -> str:
        owner = self.owner.__name__ if isinstance(self.owner, types.ModuleType) else _qualified(self.owner)
        return f"{owner}.{self.name}"

    def live(self) -> bool:
        """Whether the owner still holds the replacement."""
        return _raw(self.owner, self.name) is self.replacement


_applied: dict[tuple[int, str], Patch] = {}
_checked: set[str] = set()


def installed_version(library: str) -> str:
    """The installed version of ``library`` (what the guard compares with :data:`PINNED`)."""
    return importlib.metadata.version(library)


def original(owner: Any, name: str) -> Any:
    """``owner.name`` as the library defines it (before this process patched it).

    Raises
    ------
    MotoMismatch
        When the library is not its pinned version, or has no such attribute.
    """
    done = _applied.get((id(owner), name))
    if done is not None:
        return done.original
    _require(owner, name)
    return _raw(owner, name)


def patch(owner: Any, name: str, replacement: Any) -> Any:
    """Replace ``owner.name`` with ``replacement`` once; returns what was there before.

    A second call for the same attribute changes nothing (the first replacement stays).

    Raises
    ------
    MotoMismatch
        When the library is not its pinned version, or has no such attribute.
    """
    before = original(owner, name)
    if (id(owner), name) not in _applied:
        setattr(owner, name, replacement)
        _applied[(id(owner), name)] = Patch(owner, name, replacement, before)
    return before


def add(owner: Any, name: str, value: Any) -> None:
    """Give ``owner`` an attribute moto looks up by name but does not define, once.

    Raises
    ------
    MotoMismatch
        When the library is not its pinned version, or already defines ``name`` (moto may
        have grown its own: the hook would hide it).
    """
    if (id(owner), name) in _applied:
        return
    _require_version(owner)
    if hasattr(owner, name):
        raise MotoMismatch(
            f"{_library(owner)} {_version(owner)} defines {_qualified(owner)}.{name} now: re-check the patch"
        )
    setattr(owner, name, value)
    _applied[(id(owner), name)] = Patch(owner, name, value, None)


def require(*attributes: tuple[Any, str]) -> None:
    """Fail fast unless each ``(owner, name)`` a patch relies on (without replacing it) exists.

    Raises
    ------
    MotoMismatch
        When the library is not its pinned version, or has no such attribute.
    """
    for owner, name in attributes:
        _require(owner, name)


def applied() -> list[Patch]:
    """Every patch of this process, in the order applied."""
    return list(_applied.values())


def _require(owner: Any, name: str) -> None:
    _require_version(owner)
    if not hasattr(owner, name):
        raise MotoMismatch(f"{_library(owner)} {_version(owner)} has no {_qualified(owner)}.{name}")


def _require_version(owner: Any) -> None:
    library = _library(owner)
    if library not in PINNED:
        raise MotoMismatch(f"{_qualified(owner)} is not part of a pinned library ({', '.join(PINNED)})")
    if library in _checked:
        return
    found = installed_version(library)
    if found != PINNED[library]:
        raise MotoMismatch(
            f"the emulator's patches are written for {library} {PINNED[library]}, found {found}: re-check "
            f"local/circulion_local/emulator/ (and iam/) against the new {library} before changing the pin"
        )
    _checked.add(library)


def _library(owner: Any) -> str:
    module = owner.__name__ if isinstance(owner, types.ModuleType) else getattr(owner, "__module__", "")
    return str(module).split(".", 1)[0]


def _version(owner: Any) -> str:
    return installed_version(_library(owner))


def _qualified(owner: Any) -> str:
    if isinstance(owner, types.ModuleType):
        return owner.__name__
    return f"{getattr(owner, '__module__', '?')}.{getattr(owner, '__qualname__', owner)}"


def _raw(owner: Any, name: str) -> Any:
    """The attribute itself: a class's function or property, not a bound method."""
    if isinstance(owner, type):
        for cls in owner.__mro__:
            if name in vars(cls):
                return vars(cls)[name]
    return getattr(owner, name)
