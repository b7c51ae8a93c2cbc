"""The queues the pipeline's functions consume, by physical name, and their dead-letter queues.

The same list as ``deploy.operator_role.consumed_queues()`` derives from the permission map
(``deploy/permissions.py``), named here without importing ``deploy/`` so the packaged CLI
(``circulion ops``) can list exactly these queues; ``tests/deploy/test_pipeline_queues.py``
keeps the two equal.
"""

from __future__ import annotations

from circulion.settings import RESOURCES

DLQ_SUFFIX = "-dlq"

CONSUMED_QUEUES: tuple[str, ...] = (
    RESOURCES.upload_validate_queue,
    RESOURCES.upload_status_queue,
    RESOURCES.splitter_queue,
    RESOURCES.work_queue,
    RESOURCES.merger_queue,
    RESOURCES.distributor_queue,
)
"""Every queue a function polls, in the permission map's order."""


def dead_letter_queue(queue: str) -> str:
    """The name of ``queue``'s dead-letter queue."""
    return f"{queue}{DLQ_SUFFIX}"
