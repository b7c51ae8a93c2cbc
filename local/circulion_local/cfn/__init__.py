"""CloudFormation, the parts the local stack needs: read ``infra/template.yaml``, resolve its
intrinsic functions, and create each resource type through the service APIs.

moto's own CloudFormation skips subscriptions, bucket notifications, TTL, topic policies and
CloudFront (measured), so :mod:`circulion_local.provision` drives these modules instead.
"""

from circulion_local.cfn.errors import ProvisioningError

__all__ = ["ProvisioningError"]
