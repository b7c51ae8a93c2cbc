"""The CLI's list of pipeline queues (shared, no ``deploy/`` import) is the permission map's."""

from __future__ import annotations

from circulion.pipeline_queues import CONSUMED_QUEUES, dead_letter_queue
from circulion_local.cfn.template import load_template
from deploy.infra import INFRA_TEMPLATE
from deploy.operator_role import consumed_queues


def _queue_name(output: str) -> str:
    """The physical ``QueueName`` of the queue whose ARN the infra output ``output`` exports."""
    template = load_template(INFRA_TEMPLATE)
    resource, attribute = template.outputs[output]["Value"]["Fn::GetAtt"]
    assert attribute == "Arn", output
    name: str = template.resources[resource].properties["QueueName"]
    return name


def test_the_shared_consumed_queues_are_the_queues_the_permission_map_lets_functions_receive_from() -> None:
    assert tuple(_queue_name(output) for output in consumed_queues()) == CONSUMED_QUEUES


def test_every_consumed_queue_has_its_dead_letter_queue_in_the_infra_template() -> None:
    names = {
        spec.properties.get("QueueName")
        for spec in load_template(INFRA_TEMPLATE).resources.values()
        if spec.type == "AWS::SQS::Queue"
    }
    assert {dead_letter_queue(q) for q in CONSUMED_QUEUES} <= names
