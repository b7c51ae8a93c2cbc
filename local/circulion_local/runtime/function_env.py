"""The environment of a function's process, layered like Lambda's.

From lowest to highest precedence:

1. a few host variables a Python process needs (``PATH``, ``HOME``, locale) — nothing else
   from the developer's shell leaks in (no ``AWS_PROFILE``, no real credentials);
2. the function's ``local`` stage ``environment_variables``;
3. :meth:`LocalPorts.function_environment` (where the stack listens) and the provisioned
   stack's outputs the functions need;
4. the variables Lambda itself sets (``AWS_LAMBDA_FUNCTION_NAME`` ...).

``LAMBDA_TASK_ROOT`` is deliberately absent: :mod:`circulion.tracing` takes it as the sign
of real Lambda (where the runtime owns the X-Ray segment); locally each record is its own
segment.
"""

from __future__ import annotations

from collections.abc import Mapping

from circulion_local.runtime.functions import FunctionSpec

HOST_VARIABLES = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV")

OUTPUT_VARIABLES = {
    "DistributionId": "CIRCULION_DISTRIBUTION_ID",
    "DistributionDomainName": "CIRCULION_CDN_DOMAIN",
}
"""Provisioned stack outputs a function sees, by output name."""


def output_environment(outputs: Mapping[str, str]) -> dict[str, str]:
    """The stack outputs functions get, under their ``CIRCULION_*`` names."""
    return {variable: outputs[output] for output, variable in OUTPUT_VARIABLES.items() if output in outputs}


def lambda_variables(spec: FunctionSpec, region: str) -> dict[str, str]:
    """What Lambda sets for every function."""
    return {
        "AWS_LAMBDA_FUNCTION_NAME": spec.lambda_name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.settings.memory_mb),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(spec.settings.timeout_s),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.lambda_name}",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "_HANDLER": spec.handler_string,
        "TZ": ":UTC",
        "PYTHONUNBUFFERED": "1",  # log lines reach the log file as they are written
    }


def function_environment(
    spec: FunctionSpec,
    host: Mapping[str, str],
    stack: Mapping[str, str],
    region: str,
) -> dict[str, str]:
    """The full environment of ``spec``'s worker processes.

    ``stack`` is the local stack's layer: ports plus provisioned outputs.
    """
    environment = {name: host[name] for name in HOST_VARIABLES if name in host}
    environment.update(spec.settings.environment)
    environment.update(stack)
    environment.update(lambda_variables(spec, region))
    return environment
