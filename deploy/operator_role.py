"""What an operator's SRE commands may touch: ``circulion dlq list|redrive`` and ``circulion trace``.

Not a function's role: the rights of the person (or on-call role) running the CLI. Locally
the stack creates it as ``circulion-operator`` and the CLI assumes it when pointed at the
emulator (README, "IAM locally"); on AWS an account admin attaches the same document to
the on-call role (docs/DEPLOY.md). The queues come from the permission map: every queue a
function consumes, and its dead-letter queue.
"""

from __future__ import annotations

from deploy.grants import DLQ_SUFFIX, CloudWatchResource, Everything, Exported, Grant, Resource, table
from deploy.permissions import PERMISSIONS

OPERATOR_ROLE = "circulion-operator"


def consumed_queues() -> tuple[str, ...]:
    """Infra outputs of the queues functions consume (``SplitterQueueArn``...), in map order."""
    found: dict[str, None] = {}
    for functions in PERMISSIONS.values():
        for grants in functions.values():
            for grant in grants:
                if "sqs:ReceiveMessage" not in grant.actions:
                    continue
                for resource in grant.resources:
                    if isinstance(resource, Exported) and not resource.suffix:
                        found[resource.output] = None
    return tuple(found)


def operator_grants() -> tuple[Grant, ...]:
    """``dlq list`` peeks at every DLQ, ``dlq redrive`` moves letters back to their source queue,
    ``trace`` reads X-Ray traces; ``ops`` reads queue depths, the recipes by status, the
    pipeline's alarms and metrics."""
    queues = consumed_queues()
    dead_letters: tuple[Resource, ...] = tuple(Exported(q, DLQ_SUFFIX) for q in queues)
    sources: tuple[Resource, ...] = tuple(Exported(q) for q in queues)
    return (
        Grant("FindQueues", ("sqs:ListQueues",), (Everything("sqs:ListQueues has no resource-level permissions"),)),
        Grant(
            "ReadAndRedriveDeadLetters",
            ("sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage"),
            dead_letters,
        ),
        Grant("SendBackToSource", ("sqs:GetQueueUrl", "sqs:SendMessage"), sources),
        Grant("InspectQueues", ("sqs:GetQueueAttributes",), (*sources, *dead_letters)),
        table("Recipes", ("Scan",)),
        Grant("ReadAlarms", ("cloudwatch:DescribeAlarms",), (CloudWatchResource("alarm:circulion-*"),)),
        # Metrics have no ARN of their own: queries read the account's one (default) dataset.
        Grant("ReadMetrics", ("cloudwatch:GetMetricData",), (CloudWatchResource("dataset/default"),)),
        Grant(
            "ReadTraces",
            ("xray:GetTraceSummaries", "xray:BatchGetTraces"),
            (Everything("X-Ray has no resource-level permissions"),),
        ),
    )
