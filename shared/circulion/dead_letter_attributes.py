"""The message attributes a dead-lettered record carries, naming why and where it failed.

Apart from :mod:`circulion.adapters.dead_letters` so that readers of dead-letter queues (the
``circulion dlq`` command) get the names without importing boto3 and the tracing SDK.
"""

from __future__ import annotations

REASON_ATTRIBUTE = "failure_reason"
FUNCTION_ATTRIBUTE = "failed_function"
SOURCE_ATTRIBUTE = "source_queue"
