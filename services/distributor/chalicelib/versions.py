"""Ordering recipe versions, so a pointer only ever moves forward.

Versions are semantic versions (``1.4.2``, ``2.0.0-rc.1``); a leading ``v`` and short
forms (``3``, ``3.1``) are accepted and padded with zeros. Precedence follows SemVer 2.0:
numbers compare numerically, a pre-release sorts before its release, build metadata is
ignored.

DynamoDB compares strings bytewise, so :func:`order_key` encodes that precedence into a
string whose byte order is the version order: the pointer's conditional update can then say
``order_key < :new`` and the table, not a read-then-write, decides who wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from circulion.errors import PermanentError

_VERSION = re.compile(
    r"v?(?P<core>0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)
_NUMBER_WIDTH = 20
_MAX_DIGITS = 99

# Below every identifier character ([0-9A-Za-z-]), so a shorter pre-release that is a
# prefix of a longer one sorts first, as SemVer requires.
_SEPARATOR = "!"


class UnorderableVersion(PermanentError):
    """The recipe's version is not a semantic version, so it cannot be ordered."""

    code = "unorderable_version"


@dataclass(frozen=True, order=True)
class Version:
    """A parsed version; compares by SemVer precedence through its :attr:`key`."""

    key: str
    text: str


def parse_version(text: str) -> Version:
    """Parse ``text``; raises :class:`UnorderableVersion` when it is not a version."""
    return Version(key=order_key(text), text=text)


def order_key(text: str) -> str:
    """A string whose bytewise order is the SemVer precedence of ``text``."""
    match = _VERSION.fullmatch(text)
    if match is None:
        raise UnorderableVersion(f"version {text!r} is not a semantic version (e.g. 1.2.3)")
    numbers = [int(part) if part is not None else 0 for part in match.group(1, 2, 3)]
    if any(len(str(n)) > _NUMBER_WIDTH for n in numbers):
        raise UnorderableVersion(f"version {text!r} has a component wider than {_NUMBER_WIDTH} digits")
    core = ".".join(f"{n:0{_NUMBER_WIDTH}d}" for n in numbers)
    pre = match.group("pre")
    if pre is None:
        return core + "~"  # a release sorts after all of its pre-releases
    return core + "-" + _SEPARATOR.join(_identifier_key(part, text) for part in pre.split("."))


def _identifier_key(identifier: str, text: str) -> str:
    if identifier.isdigit():
        digits = str(int(identifier))
        if len(digits) > _MAX_DIGITS:
            raise UnorderableVersion(f"version {text!r} has a pre-release number that is too long")
        # Numeric identifiers compare by value (length first) and sort before alphanumeric ones.
        return f"0{len(digits):02d}{digits}"
    return "1" + identifier
