"""The Lambda-like runtime of the local stack.

One idea per module:

* :mod:`.functions` — what a function is (trigger + settings), as frozen dataclasses;
* :mod:`.config` — a function's settings from ``.chalice/config.json`` (stage ``local``);
* :mod:`.discovery` / :mod:`.inspect_app` — read each app's event sources in a subprocess;
* :mod:`.records` — SQS messages shaped the way Lambda's event source mapping sends them;
* :mod:`.batch_outcome` — what a handler's response means for each record;
* :mod:`.schedule` — ``rate(...)`` expressions and their next fire time;
* :mod:`.function_env` — the environment a function process gets;
* :mod:`.worker_process` / :mod:`.worker_main` / :mod:`.context` — one warm worker process
  per concurrent invocation, and the Lambda context it hands the handler;
* :mod:`.event_source` — the SQS event source mapping (poll, invoke, delete);
* :mod:`.scheduler` — EventBridge-like schedules;
* :mod:`.api_server` — the upload app's routes on localhost;
* :mod:`.reporting` — the runtime's log lines.
"""
