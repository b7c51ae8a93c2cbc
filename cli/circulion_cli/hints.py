"""What to do next, for every error the CLI prints, and the API's ``details`` as lines.

An error message says what went wrong; the line after it says how to get going again, in
the words of the command to type. A command that knows more (the next free version, the
status of the recipe) sets ``hint`` on the error before it reaches ``main``.
"""

from __future__ import annotations

import urllib.parse

from circulion.errors import CirculionError
from circulion_cli.config import LOCAL_API_PORT, LOCAL_HOST, CliConfig
from circulion_cli.errors import (
    ApiError,
    AwsAccessFailed,
    ChecksumMismatch,
    ConnectionFailed,
    Forbidden,
    NotFound,
    PartUploadFailed,
    ProcessingFailed,
    ServerError,
    Unauthorized,
    UploadRejected,
    UsageError,
    WaitTimedOut,
)

DEV_TOKEN = "export CIRCULION_TOKEN=$(circulion dev-token --tenant NAME)"  # noqa: S105 - a command, not a secret
MAX_DETAIL_LINES = 20


def detail_lines(details: object) -> list[str]:
    """The API's ``details`` (pydantic problems, missing parts, ...) as indented lines."""
    if details is None or details in ([], {}):
        return []
    items = details if isinstance(details, list) else [details]
    lines: list[str] = []
    for entry in items[:MAX_DETAIL_LINES]:
        dump = getattr(entry, "model_dump", None)
        item = dump(exclude_none=True) if callable(dump) else entry
        if isinstance(item, dict) and "problem" in item:
            where = item.get("field") or "body"
            lines.append(f"  - {where}: {item['problem']}")
        elif isinstance(item, dict):
            lines += [f"  - {key}: {value}" for key, value in item.items()]
        else:
            lines.append(f"  - {item}")
    if len(items) > MAX_DETAIL_LINES:
        lines.append(f"  ... and {len(items) - MAX_DETAIL_LINES} more")
    return lines


_FIXED_HINTS: tuple[tuple[type[CirculionError], str], ...] = (
    (
        NotFound,
        "check the id with `circulion list` (a local stack starts empty after a restart of `make run`, "
        "and another tenant's recipes are not visible)",
    ),
    (UploadRejected, "fix the file and upload it again; `circulion status ID` shows the reasons"),
    (ProcessingFailed, "the service failed, not your file: upload it again, or ask an operator (`circulion dlq list`)"),
    (ServerError, "the service failed on its side: try again in a minute"),
    (PartUploadFailed, "run the same command again: it resumes, sending only the parts not stored yet"),
    (ChecksumMismatch, "nothing was kept: run the download again"),
    (WaitTimedOut, "it is still running: follow it with `circulion status ID --watch`"),
    (
        AwsAccessFailed,
        "check --endpoint-url / CIRCULION_ENDPOINT_URL (locally: is `make run` running?) and AWS credentials",
    ),
    (UsageError, "see `circulion COMMAND --help`"),
    (ApiError, "fix what the details above name and run the command again"),
)


def hint_for(exc: CirculionError, config: CliConfig) -> str:
    """The line that tells the user what to do next."""
    given = getattr(exc, "hint", None)
    if isinstance(given, str) and given:
        return given
    if isinstance(exc, Unauthorized):
        return _token_hint(exc, config)
    if isinstance(exc, ConnectionFailed):
        return _unreachable(config.api_url)
    for cls, hint in _FIXED_HINTS:
        if isinstance(exc, cls):
            return hint
    return "run the command again; if it keeps failing, see `circulion COMMAND --help`"


def _token_hint(exc: Unauthorized, config: CliConfig) -> str:
    if isinstance(exc, Forbidden):
        needed = exc.details.get("required_role") if isinstance(exc.details, dict) else None
        role = f" --role {needed}" if isinstance(needed, str) else " --role ROLE"
        return f"this token's role may not do this: use a token with the role named above (locally: {DEV_TOKEN}{role})"
    if not config.token:
        return f"no token: set CIRCULION_TOKEN or pass --token (locally: {DEV_TOKEN})"
    return f"the token is expired, malformed or from another stack: get a new one (locally: {DEV_TOKEN})"


def _unreachable(api_url: str) -> str:
    parts = urllib.parse.urlsplit(api_url)
    if parts.hostname in (LOCAL_HOST, "localhost"):
        port = parts.port or 80
        offset = port - LOCAL_API_PORT
        how = f"CIRCULION_PORT_OFFSET={offset} make run" if offset else "make run"
        return (
            f"nothing answers on port {port}: is `{how}` running? "
            "(the CLI follows CIRCULION_PORT_OFFSET; or pass --api-url)"
        )
    return f"cannot reach {parts.scheme}://{parts.netloc}: check --api-url / CIRCULION_API_URL and the network"
