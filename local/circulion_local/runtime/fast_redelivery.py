"""``--fast-redelivery [SECONDS]``: a local profile where a failed message comes back soon.

By default the local queues' visibility timeouts are each consumer's function timeout +
5 s (the template's production defaults are 6 x the timeout), so a crashed merger batch
comes back only after ~10 minutes. Chaos runs crash invocations on purpose and want them
back within a minute, so this profile lowers three things together, keeping their order:

* every function's timeout is capped at ``cap`` seconds;
* every ``*VisibilityTimeout`` parameter becomes (capped timeout) + 5 s, so a message is
  never redelivered while its invocation may still run (visibility > timeout);
* every lease a handler takes (:data:`LEASE_VARIABLES`: the merger's merge lease, the
  splitter's fan-out claim, the upload's validation claim) becomes (capped timeout) + 3 s:
  it outlives any holder (lease > timeout) and has expired when the crashed holder's
  message comes back (lease < visibility). Found by the restart test: with the 300 s
  validation lease and a 25 s visibility, a validation killed mid-way came back, found
  its own dead lease, was dropped as a duplicate and the recipe stayed VALIDATING.

Production values are untouched: this only changes what the local runtime passes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from circulion_local.runtime.functions import FunctionSpec
from circulion_local.signing_keys import LOCAL_VISIBILITY_MARGIN_S, VISIBILITY_PARAMETER_SUFFIX

DEFAULT_CAP_S = 30
LEASE_VARIABLES = (
    "CIRCULION_LEASE_SECONDS",  # merger: merge lease (default 45 s, renewed while merging)
    "CIRCULION_PLAN_LEASE_SECONDS",  # splitter: fan-out claim (default 120 s)
    "CIRCULION_VALIDATION_LEASE_S",  # upload: validation claim (default 300 s)
)
"""Every lease a handler takes; a service reads only its own, the others are ignored."""
LEASE_MARGIN_S = 3


def visibility_parameters(parameters: Mapping[str, str], cap_s: int) -> dict[str, str]:
    """``parameters`` with each visibility timeout at most ``cap_s`` + the local margin."""
    limit = cap_s + LOCAL_VISIBILITY_MARGIN_S
    return {
        name: str(min(int(value), limit)) if name.endswith(VISIBILITY_PARAMETER_SUFFIX) else value
        for name, value in parameters.items()
    }


def fast_function(spec: FunctionSpec, cap_s: int) -> FunctionSpec:
    """``spec`` with its timeout capped and every lease fitted between timeout and visibility."""
    timeout = min(spec.settings.timeout_s, cap_s)
    environment = dict(spec.settings.environment)
    for variable in LEASE_VARIABLES:
        current = float(environment.get(variable, "inf"))
        environment[variable] = str(int(min(current, timeout + LEASE_MARGIN_S)))
    settings = dataclasses.replace(spec.settings, timeout_s=timeout, environment=environment)
    return dataclasses.replace(spec, settings=settings)
