"""The context object a handler receives, with the attributes of Lambda's Python runtime."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping


class LambdaContext:
    """What ``awslambdaric`` hands a handler as ``context``.

    As in Lambda, ``memory_limit_in_mb`` is the string from the environment, and the
    remaining time counts down to the invocation's deadline.
    """

    def __init__(self, request_id: str, deadline_ms: int, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        region = env.get("AWS_REGION", "us-east-1")
        account = env.get("CIRCULION_ACCOUNT_ID", "123456789012")
        self.aws_request_id = request_id
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account}:function:{self.function_name}"
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME", f"/aws/lambda/{self.function_name}")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))

    def __repr__(self) -> str:
        return f"LambdaContext(function_name={self.function_name!r}, aws_request_id={self.aws_request_id!r})"
