"""The emulator's IAM patches, in the order the front process applies them."""

from __future__ import annotations

from circulion_local.iam.dynamodb_front import authorize_dynamodb_before_forwarding
from circulion_local.iam.enforcement import enforce_identity_policies
from circulion_local.iam.resource_arns import resolve_resource_arns


def enforce_iam_in_front() -> None:
    """All three, once (each is idempotent); after DynamoDB forwarding is installed.

    Applied even when enforcement is off (``CIRCULION_ENFORCE_IAM=0``): the checks read the
    switch per request, so the version guard still runs and the two modes differ in one place.
    """
    enforce_identity_policies()
    resolve_resource_arns()
    authorize_dynamodb_before_forwarding()
