"""The IAM policy check of ``make lint``: catalogue, resource types, ``*``, size (issue 19)."""

from __future__ import annotations

from deploy.grants import Everything, Exported, Grant, baseline, table
from deploy.policy_lint import MAX_INLINE_POLICY_CHARS, lint, policy_of, rendered_policies, sample_exports

EXPORTS = sample_exports()


def findings(function: str, *grants: Grant) -> list[str]:
    return [str(f) for f in lint(iter([(function, policy_of((*baseline(), *grants), function, EXPORTS))]))]


def test_every_rendered_policy_of_the_map_passes() -> None:
    labels = [label for label, _ in rendered_policies(EXPORTS)]
    assert any("(circulion-upload-prod-api_handler)" in label for label in labels)
    assert any("(circulion-splitter-local-process_chunk)" in label for label in labels)  # both stages
    assert [str(f) for f in lint(rendered_policies(EXPORTS))] == []


def test_a_misspelt_action_fails_with_the_functions_name() -> None:
    queue = Exported("SplitterQueueArn")
    problems = findings(
        "splitter.split", Grant("ConsumeSplitter", ("sqs:RecieveMessage", "sqs:DeleteMessage"), (queue,))
    )
    assert problems == ["splitter.split [ConsumeSplitter]: sqs:RecieveMessage is not an IAM action (misspelt?)"]


def test_an_action_on_the_wrong_resource_type_fails() -> None:
    bucket = Exported("UploadsBucketArn")  # the bucket, not its objects
    problems = findings("upload.validate", Grant("ReadUploads", ("s3:GetObject",), (bucket,)))
    assert problems == [
        "upload.validate [ReadUploads]: s3:GetObject acts on accesspointobject/object, "
        "granted on arn:aws:s3:::circulion-uploads"
    ]


def test_an_index_action_on_the_table_only_passes_but_an_item_action_on_an_index_fails() -> None:
    assert findings("upload.api_handler", table("Recipes", ("Query",))) == []
    index_only = Grant(
        "RecipesIndex", ("dynamodb:GetItem",), table("Recipes", ("GetItem",), indexes=("gsi1",)).resources[1:]
    )
    (problem,) = findings("upload.api_handler", index_only)
    assert "dynamodb:GetItem acts on table, granted on" in problem and "/index/gsi1" in problem


def test_star_is_refused_where_the_action_takes_resource_arns() -> None:
    (problem,) = findings("merger.sweep", Grant("Everything", ("dynamodb:Scan",), (Everything("lazy"),)))
    assert problem == "merger.sweep [Everything]: dynamodb:Scan on *: it supports resource-level (index/table) ARNs"


def test_an_action_without_resource_level_permissions_must_be_granted_on_star() -> None:
    xray_on_table = Grant("Tracing2", ("xray:PutTraceSegments",), table("Ledger", ("GetItem",)).resources)
    (problem,) = findings("merger.sweep", xray_on_table)
    assert "xray:PutTraceSegments has no resource-level permissions: grant it on *" in problem


def test_an_oversized_inline_policy_fails() -> None:
    many = tuple(
        Grant(
            f"Table{i}", ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"), table("Ledger", ()).resources
        )
        for i in range(120)
    )
    problems = findings("merger.coordinate", *many)
    assert len(problems) == 1 and f"over IAM's {MAX_INLINE_POLICY_CHARS}" in problems[0]
