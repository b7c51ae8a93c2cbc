"""Per-request costs of moto's server that grow with the work, removed in the local emulator.

Profiled under the small-recipe benchmark (py-spy on the emulator, 2026-11-22): the
emulator carried ~0.7 CPU-s per 10 KB recipe, all of it overhead, and capped the whole
pipeline at ~1.7 recipes/s. What dominated, and what is done here (answers unchanged):

* **Finding the backend** (~15 %): every request listed moto's package directory twice
  (``os.listdir`` + ``isdir`` on ~200 entries) and matched the host against hundreds of URL
  patterns. The host a backend answers is fixed, so the answer is remembered per host.
* **The access log** (~7 %): werkzeug wrote one line per request to the emulator's log
  under a lock. Only failures (status >= 500) are logged now.
* **The clock** (~15 %): ``unix_time()`` built two datetimes and imported ``datetime.UTC``
  on every call; SQS asks it once per message per receive (``Message.visible``). It is
  ``time.time()`` when called without a datetime, as it was meant to be.
* **Nagle's algorithm**: a response's header and body are separate writes; with
  ``TCP_NODELAY`` the second is not held back for the client's delayed ACK. (werkzeug
  still closes every connection after one answer, so each request costs a connection and
  a thread: the largest per-request cost left, see the benchmark analysis.)
* **SQS sends counting the queue** (~25 % with a backlog): ``send_message`` reads
  ``queue.attributes`` for one flag, which counts every message in the queue three times.
  A send no longer counts; GetQueueAttributes still does.
* **Listing the handler's methods** (~6 % of a DynamoDB ``GetItem``, profiled 2026-12-02):
  ``BaseResponse.call_action`` asks ``inspect.getmembers`` for every function of the
  response class on every request, to see whether the action is one. The list is
  remembered per class.

Assumed: the backend that answers a host never changes while the server runs; moto modules
import ``unix_time`` by name (so each loaded module's reference is rebound); ``send_message``
reads the counts only through ``Queue.attributes``; ``moto.core.responses`` imports
``method_names_from_class`` by name, and no response class gains an action method after
the server starts answering (every patch is installed before).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from circulion_local.emulator import patches

_sending = threading.local()


def remember_backends_per_host() -> None:
    """Resolve each Host header to its moto backend once."""
    from moto import backends
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original: Callable[..., Any] = patches.original(DomainDispatcherApplication, "get_backend_for_host")
    modules = tuple(patches.original(backends, "list_of_moto_modules")())
    patches.patch(backends, "list_of_moto_modules", lambda: modules)
    resolved: dict[str | None, Any] = {}

    def get_backend_for_host(self: Any, host: str | None) -> Any:
        try:
            return resolved[host]
        except KeyError:
            backend = resolved[host] = original(self, host)  # callers hold the dispatcher's lock
            return backend

    patches.patch(DomainDispatcherApplication, "get_backend_for_host", get_backend_for_host)


def send_without_delay() -> None:
    """moto's request handler sets ``TCP_NODELAY`` on its TCP connections (once)."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    patches.patch(MotoRequestHandler, "disable_nagle_algorithm", True)


def log_only_failed_requests() -> None:
    """werkzeug's access log keeps only responses with status >= 500 (once)."""
    from werkzeug.serving import WSGIRequestHandler

    original: Callable[..., Any] = patches.original(WSGIRequestHandler, "log_request")

    def log_request(self: Any, code: int | str = "-", size: int | str = "-") -> None:
        status = getattr(code, "value", code)
        if isinstance(status, int) and status >= 500:
            original(self, code, size)

    patches.patch(WSGIRequestHandler, "log_request", log_request)


def read_the_clock_directly() -> None:
    """``unix_time()``/``unix_time_millis()`` without an argument read ``time.time()``.

    moto modules import these by name, so every loaded ``moto.*`` module's reference is
    replaced; call this after importing the backends the stack uses.
    """
    from moto.core import utils

    original_time: Callable[..., float] = patches.original(utils, "unix_time")
    original_millis: Callable[..., float] = patches.original(utils, "unix_time_millis")

    def unix_time(dt: Any = None) -> float:
        return time.time() if dt is None else original_time(dt)

    def unix_time_millis(dt: Any = None) -> float:
        return time.time() * 1000.0 if dt is None else original_millis(dt)

    replacements = {original_time: unix_time, original_millis: unix_time_millis}
    for name, module in list(sys.modules.items()):
        if not name.startswith("moto") or module is None:
            continue
        for attribute in ("unix_time", "unix_time_millis"):
            current = getattr(module, attribute, None)
            if current in replacements:
                patches.patch(module, attribute, replacements[current])


def send_without_counting() -> None:
    """SQS sends read the queue's settings without counting its messages (once)."""
    from moto.sqs.models import Queue, SQSBackend

    original_send: Callable[..., Any] = patches.original(SQSBackend, "send_message")

    def send_message(self: Any, *args: Any, **kwargs: Any) -> Any:
        _sending.active = True
        try:
            return original_send(self, *args, **kwargs)
        finally:
            _sending.active = False

    for name in (
        "approximate_number_of_messages",
        "approximate_number_of_messages_not_visible",
        "approximate_number_of_messages_delayed",
    ):
        counted: property = patches.original(Queue, name)
        patches.patch(Queue, name, property(_zero_while_sending(counted)))
    patches.patch(SQSBackend, "send_message", send_message)


def _zero_while_sending(counted: property) -> Callable[[Any], int]:
    def count(queue: Any) -> int:
        if getattr(_sending, "active", False):
            return 0  # nobody reads the counts of the attributes a send looks at
        return int(counted.fget(queue))  # type: ignore[misc]

    return count


def remember_method_names() -> None:
    """``call_action``'s list of a response class's methods, computed once per class."""
    from moto.core import responses

    original: Callable[[type], list[str]] = patches.original(responses, "method_names_from_class")
    known: dict[type, list[str]] = {}

    def method_names_from_class(clazz: type) -> list[str]:
        try:
            return known[clazz]
        except KeyError:
            names = known[clazz] = original(clazz)
            return names

    patches.patch(responses, "method_names_from_class", method_names_from_class)


def preload_backends() -> None:
    """Import the backends the stack uses now, so the clock patch reaches their modules."""
    import moto.cloudfront.models
    import moto.cloudfront.responses
    import moto.dynamodb.models
    import moto.dynamodb.responses
    import moto.s3.models
    import moto.s3.responses
    import moto.sns.models
    import moto.sns.responses
    import moto.sqs.models
    import moto.sqs.responses
    import moto.xray.models
    import moto.xray.responses  # noqa: F401


def remove_hot_path_costs() -> None:
    """Every patch of this module (each applied once)."""
    preload_backends()
    remember_backends_per_host()
    send_without_delay()
    log_only_failed_requests()
    read_the_clock_directly()
    send_without_counting()
    remember_method_names()
