"""What the runtime runs: one function of one Chalice app, its trigger and its settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

STAGE = "local"

DEFAULT_CONCURRENCY = 2
"""Concurrent invocations per function when neither ``maximum_concurrency`` nor
``reserved_concurrency`` says otherwise. Lambda would scale far higher; this machine has
two cores and every invocation is a process, so two keeps a burst from starving the
emulator while still exercising concurrency (duplicates, races) on every function."""


@dataclass(frozen=True)
class SqsTrigger:
    """An ``@app.on_sqs_message`` event source (Chalice's ``SQSEventConfig``)."""

    queue: str | None
    queue_arn: str | None
    batch_size: int
    batching_window_s: int = 0
    maximum_concurrency: int | None = None

    @property
    def queue_name(self) -> str:
        if self.queue:
            return self.queue
        if self.queue_arn:
            return self.queue_arn.rsplit(":", 1)[-1]
        raise ValueError("an SQS trigger needs a queue or a queue ARN")


@dataclass(frozen=True)
class ScheduleTrigger:
    """An ``@app.schedule`` event source: ``rate(...)`` (``cron(...)`` is refused locally)."""

    expression: str


@dataclass(frozen=True)
class HttpTrigger:
    """The REST API (Chalice's ``api_handler``), triggered by HTTP requests."""


Trigger = SqsTrigger | ScheduleTrigger | HttpTrigger


@dataclass(frozen=True)
class FunctionSettings:
    """A function's deployment settings for stage ``local``."""

    environment: Mapping[str, str] = field(default_factory=dict)
    timeout_s: int = 60
    memory_mb: int = 128
    reserved_concurrency: int | None = None


@dataclass(frozen=True)
class FunctionSpec:
    """One Lambda function: which app, which handler, what triggers it, how it is set up."""

    service: str
    app_dir: Path
    app_name: str
    name: str
    handler_string: str
    trigger: Trigger
    settings: FunctionSettings

    @property
    def lambda_name(self) -> str:
        """The deployed function name Chalice would give it: ``{app}-{stage}-{function}``."""
        return f"{self.app_name}-{STAGE}-{self.name}"

    @property
    def label(self) -> str:
        """``service.function``, for log lines."""
        return f"{self.service}.{self.name}"

    def concurrency(self, default: int = DEFAULT_CONCURRENCY) -> int:
        """How many invocations may run at once.

        Like Lambda, the tighter of the event source's ``maximum_concurrency`` and the
        function's ``reserved_concurrency`` wins; a schedule runs one at a time.
        """
        if isinstance(self.trigger, ScheduleTrigger):
            return 1
        if isinstance(self.trigger, HttpTrigger):
            return default
        limits = [
            limit
            for limit in (self.trigger.maximum_concurrency, self.settings.reserved_concurrency)
            if limit is not None
        ]
        return max(1, min(limits)) if limits else default


@dataclass(frozen=True)
class AppSpec:
    """A Chalice app the runtime found, with its functions and whether it serves routes."""

    service: str
    app_dir: Path
    app_name: str
    functions: tuple[FunctionSpec, ...]
    has_routes: bool
