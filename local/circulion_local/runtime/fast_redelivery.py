"""``--fast-redelivery [SECONDS]``: a local profile where a failed message comes back soon.

By default the local queues' visibility timeouts are each consumer's function timeout +
5 s (the template's production defaults are 6 x the timeout), so a crashed merger batch
comes back only after ~10 minutes. Chaos runs crash invocations on purpose and want them
back within a minute, so this profile lowers three things together, keeping their order:

* every function's timeout is capped at ``cap`` seconds;
* every ``*VisibilityTimeout`` parameter becomes (capped timeout) + 5 s, so a message is
  never redelivered while its invocation may still run (visibility > timeout);
* a function whose stage sets ``CIRCULION_LEASE_SECONDS`` (the merger's merge lease) gets
  (capped timeout) + 3 s: the lease outlives any holder (lease > timeout) and has expired
  when the crashed holder's message comes back (lease < visibility), so the redelivery
  resumes the merge instead of spending a receive on ``lease_held``.

Production values are untouched: this only changes what the local runtime passes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from circulion_local.runtime.functions import FunctionSpec
from circulion_local.signing_keys import LOCAL_VISIBILITY_MARGIN_S, VISIBILITY_PARAMETER_SUFFIX

DEFAULT_CAP_S = 30
LEASE_VARIABLE = "CIRCULION_LEASE_SECONDS"
LEASE_MARGIN_S = 3


def visibility_parameters(parameters: Mapping[str, str], cap_s: int) -> dict[str, str]:
    """``parameters`` with each visibility timeout at most ``cap_s`` + the local margin."""
    limit = cap_s + LOCAL_VISIBILITY_MARGIN_S
    return {
        name: str(min(int(value), limit)) if name.endswith(VISIBILITY_PARAMETER_SUFFIX) else value
        for name, value in parameters.items()
    }


def fast_function(spec: FunctionSpec, cap_s: int) -> FunctionSpec:
    """``spec`` with its timeout capped and its lease (if it has one) fitted in between."""
    timeout = min(spec.settings.timeout_s, cap_s)
    environment = dict(spec.settings.environment)
    if LEASE_VARIABLE in environment:
        environment[LEASE_VARIABLE] = str(min(int(environment[LEASE_VARIABLE]), timeout + LEASE_MARGIN_S))
    settings = dataclasses.replace(spec.settings, timeout_s=timeout, environment=environment)
    return dataclasses.replace(spec, settings=settings)
