"""``python -m circulion_local run``: the whole system in one foreground process.

Start-up, in order (each step's stopper is stacked, so a failure or Ctrl-C at any point
stops exactly what was started, last first):

1. the emulator; ``infra/template.yaml`` (and any ``--extra-template``) provisioned into it;
2. the auxiliary servers (X-Ray daemon, token issuer, CDN edge);
3. discovery of every function of every app (a subprocess per app);
4. one :class:`SqsEventSource` per SQS function, one :class:`ScheduledFunction` per schedule;
5. the upload app's routes on the API port;
6. a banner (banner.py), ``circulion-local ready`` and ``<state>/ready.json`` (ready_file.py).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import boto3
from chalice.constants import DEFAULT_HANDLER_NAME

from circulion_local import edge, issuer, xray_daemon
from circulion_local.banner import banner
from circulion_local.iam.function_roles import FunctionRoles, lambda_names, without_credentials
from circulion_local.iam.sessions import RoleSession
from circulion_local.port_check import refuse_taken_ports
from circulion_local.ports import LOCAL_REGION, LocalPorts, Stoppable
from circulion_local.ready_file import (
    READY_LINE,
    Started,
    function_summary,
    ready_document,
    remove_ready_file,
    write_ready_file,
)
from circulion_local.run_options import RunOptions
from circulion_local.runtime import reporting
from circulion_local.runtime.api_server import start_api_server
from circulion_local.runtime.config import function_settings, load_config
from circulion_local.runtime.discovery import app_dirs, discover
from circulion_local.runtime.event_source import SqsEventSource, resolve_queue
from circulion_local.runtime.fast_redelivery import fast_function, visibility_parameters
from circulion_local.runtime.function_env import HOST_VARIABLES, function_environment, output_environment
from circulion_local.runtime.functions import AppSpec, FunctionSpec, HttpTrigger, ScheduleTrigger, SqsTrigger
from circulion_local.runtime.reserved_concurrency import with_reserved
from circulion_local.runtime.scheduler import ScheduledFunction

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVICES_DIR = REPO_ROOT / "services"
ACCOUNT_ID = "123456789012"
AUXILIARY_SERVERS: tuple[tuple[str, Callable[[LocalPorts, Path], Stoppable]], ...] = (
    ("xray_daemon", xray_daemon.start),
    ("issuer", issuer.start),
    ("edge", edge.start),
)
"""Started after provisioning, in this order; each one's failure is reported, not fatal."""
API_SERVICE = "upload"
JOIN_TIMEOUT_S = 15.0


def select_dirs(dirs: list[Path], services: frozenset[str] | None) -> list[Path]:
    """The app directories ``--services`` asked for (all when ``None``), by directory name.

    Filtering before discovery means an app that is not asked for is never imported.
    """
    if services is None:
        return dirs
    known = {path.name for path in dirs}
    unknown = services - known
    if unknown:
        raise ValueError(f"unknown service(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
    return [path for path in dirs if path.name in services]


class Supervisor:
    """Starts the local stack piece by piece and stops it in reverse order."""

    def __init__(self, options: RunOptions) -> None:
        self.options = options
        self.stopping = threading.Event()
        self._stoppers: list[tuple[str, Callable[[], None]]] = []
        self._runners: list[SqsEventSource | ScheduledFunction] = []
        self._started = Started()
        self._log = reporting.logger()
        self._logs_dir = options.state_dir / "logs"
        self._roles: FunctionRoles | None = None

    def _step(self, what: str) -> float:
        self._log.info("%s...", what)
        return time.monotonic()

    def start(self) -> None:
        ports = self.options.ports
        refuse_taken_ports(ports, attach_emulator=self.options.attach_emulator)
        self._start_emulator_and_provision()
        self._start_metrics_forwarder()
        self._start_auxiliary()
        began = self._step("discovering functions")
        dirs = select_dirs(app_dirs(SERVICES_DIR, self.options.app_dirs), self.options.services)
        # No process of a function gets the root key: each gets its role's session (iam.sessions).
        stack_env = without_credentials({**ports.function_environment(), **output_environment(self._started.outputs)})
        apps = with_reserved(discover(dirs, {**_host_env(), **stack_env}), self.options.reserved_concurrency)
        self._log.info("found %d app(s) in %.1f s", len(apps), time.monotonic() - began)
        self._provision_roles(apps)
        self._start_functions(apps, stack_env)
        self._start_api(apps, stack_env)

    def _start_emulator_and_provision(self) -> None:
        from circulion_local.emulator.process import start_emulator
        from circulion_local.provision import TEMPLATE_PATH, provision_stack
        from circulion_local.signing_keys import provisioning_parameters

        ports = self.options.ports
        if self.options.attach_emulator:
            self._attach_emulator()
        else:
            began = self._step(f"starting the emulator on {ports.endpoint_url}")
            emulator = start_emulator(ports, self._logs_dir / "emulator.log", enforce_iam=self.options.enforce_iam)
            self._stoppers.append(("emulator", emulator.stop))
            self._log.info("emulator up in %.1f s", time.monotonic() - began)
        began = self._step(f"provisioning {TEMPLATE_PATH.relative_to(REPO_ROOT)}")
        parameters = provisioning_parameters(ports, self.options.state_dir)
        if self.options.fast_redelivery_s is not None:
            parameters = visibility_parameters(parameters, self.options.fast_redelivery_s)
        stack = provision_stack(ports.endpoint_url, TEMPLATE_PATH, parameters)
        outputs = dict(stack.outputs)
        for template in self.options.extra_templates:
            outputs.update(provision_stack(ports.endpoint_url, template, {}).outputs)
        self._started.outputs = outputs
        self._log.info("provisioned in %.1f s", time.monotonic() - began)

    def _provision_roles(self, apps: list[AppSpec]) -> None:
        began = self._step("creating the functions' roles from deploy/permissions.py")
        self._roles = FunctionRoles(self.options.ports.endpoint_url)
        created = self._roles.provision(self._started.outputs, lambda_names(f for a in apps for f in a.functions))
        state = "enforced" if self.options.enforce_iam else "NOT enforced (--no-enforce-iam)"
        self._log.info("%d role(s) in %.1f s; IAM %s", len(created), time.monotonic() - began, state)

    def _role(self, spec: FunctionSpec, *, long_lived: bool = False) -> RoleSession:
        assert self._roles is not None, "roles are provisioned before functions start"
        role = self._roles.session(spec.service, spec.name, spec.lambda_name, long_lived=long_lived)
        self._started.roles[spec.label] = role.role_arn
        return role

    def _start_metrics_forwarder(self) -> None:
        """Before any function runs, so that none of their EMF lines is missed."""
        from circulion_local.cfn.base import AwsEndpoint
        from circulion_local.runtime.metrics_forwarder import MetricsForwarder

        cloudwatch = AwsEndpoint(self.options.ports.endpoint_url).client("cloudwatch")  # administrator credentials
        forwarder = MetricsForwarder(cloudwatch, self._logs_dir)
        forwarder.start()
        self._stoppers.append(("metrics forwarder", forwarder.stop))

    def _attach_emulator(self) -> None:
        from circulion_local.emulator.process import EmulatorError, answers

        url = self.options.ports.endpoint_url
        if not answers(url):
            raise EmulatorError(f"--attach-emulator: nothing answers on {url}")
        self._log.info("attached to the running emulator on %s (left running on stop)", url)

    def _start_auxiliary(self) -> None:
        for name, start in AUXILIARY_SERVERS:
            try:
                server = start(self.options.ports, self.options.state_dir)
            except Exception as exc:  # noqa: BLE001 - one broken auxiliary server must not stop the stack
                self._log.error("%s failed to start: %s: %s", name, type(exc).__name__, exc)
                self._started.auxiliary[name] = f"failed: {exc}"
                continue
            self._stoppers.append((name, server.stop))
            self._started.auxiliary[name] = "running"

    def _start_functions(self, apps: list[AppSpec], stack_env: Mapping[str, str]) -> None:
        sqs = boto3.client(
            "sqs",
            endpoint_url=self.options.ports.endpoint_url,
            region_name=LOCAL_REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - the emulator's dummy credentials
        )
        host = _host_env()
        if self.options.chaos.enabled:
            self._log.warning("CHAOS ON: %s", self.options.chaos.describe())
        cap = self.options.fast_redelivery_s
        for app in apps:
            for declared in app.functions:
                spec = declared if cap is None else fast_function(declared, cap)
                environment = function_environment(spec, host, stack_env, LOCAL_REGION)
                log_path = self._logs_dir / "functions" / f"{spec.label}.log"
                concurrency = spec.concurrency(self.options.default_concurrency)
                runner: SqsEventSource | ScheduledFunction
                role = self._role(spec)
                if isinstance(spec.trigger, SqsTrigger):
                    queue = resolve_queue(sqs, spec.trigger, LOCAL_REGION)
                    args = (spec, sqs, queue, environment, log_path, concurrency, self.stopping, self.options.chaos)
                    runner = SqsEventSource(*args, role=role)
                    self._log.info(
                        "%-28s polling %s (batch %d, concurrency %d, timeout %d s)",
                        spec.label,
                        spec.trigger.queue_name,
                        spec.trigger.batch_size,
                        concurrency,
                        spec.settings.timeout_s,
                    )
                elif isinstance(spec.trigger, ScheduleTrigger):
                    args_ = (spec, environment, log_path, self.stopping, LOCAL_REGION, ACCOUNT_ID)
                    runner = ScheduledFunction(*args_, role=role)
                    self._log.info("%-28s scheduled %s", spec.label, spec.trigger.expression)
                else:
                    continue  # discovery yields no HTTP functions: the API is served apart
                runner.start()
                self._runners.append(runner)
                if len(self._runners) == 1:  # all functions stop together, at this point of the order
                    self._stoppers.append(("functions", self._stop_functions))
                self._started.functions.append(function_summary(spec, concurrency))

    def _start_api(self, apps: list[AppSpec], stack_env: Mapping[str, str]) -> None:
        api_apps = [app for app in apps if app.has_routes and app.service == API_SERVICE]
        if not api_apps:
            self._log.info("no %s app selected: the API is not served", API_SERVICE)
            return
        app = api_apps[0]
        api_spec = FunctionSpec(
            service=app.service,
            app_dir=app.app_dir,
            app_name=app.app_name,
            name=DEFAULT_HANDLER_NAME,
            handler_string="app.app",
            trigger=HttpTrigger(),
            settings=function_settings(load_config(app.app_dir), DEFAULT_HANDLER_NAME),
        )
        environment = function_environment(api_spec, _host_env(), stack_env, LOCAL_REGION)
        # One process for the stack's life: a 12 h session, so presigned URLs are the API role's.
        environment.update(self._role(api_spec, long_lived=True).current().environment())
        began = self._step(f"serving {app.service}'s routes on {self.options.ports.api_url}")
        server = start_api_server(app.app_dir, self.options.ports.api, environment, self._logs_dir / "api.log")
        self._stoppers.append(("api", server.stop))
        self._started.api = True
        self._log.info("API up in %.1f s", time.monotonic() - began)

    def _stop_functions(self) -> None:
        """Stop every function at once: each may wait out a long poll or a draining worker,
        and doing it one after the other would add those waits up."""
        threads = [
            threading.Thread(target=_stop_runner, args=(runner,), name=f"stop {runner.spec.label}")
            for runner in self._runners
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self._runners.clear()

    def stop(self) -> None:
        """Stop everything started, last first; never raises."""
        self.stopping.set()
        remove_ready_file(self.options.state_dir)
        # Pollers notice ``stopping`` between polls; the emulator goes last, so a handler
        # finishing during shutdown can still delete its messages.
        for name, stop in reversed(self._stoppers):
            try:
                stop()
            except Exception as exc:  # noqa: BLE001 - keep stopping the rest
                self._log.warning("stopping %s failed: %s", name, exc)
        self._stoppers.clear()
        self._log.info("circulion-local stopped")

    def write_ready(self) -> dict[str, Any]:
        """Print the banner and the ready line, and write ``ready.json``."""
        ready = ready_document(self.options, self._started, self._logs_dir)
        for line in banner(ready):
            self._log.info(line)
        path = write_ready_file(self.options.state_dir, ready)
        self._log.info("%s (pid %d, %s)", READY_LINE, os.getpid(), path)
        return ready


def _stop_runner(runner: SqsEventSource | ScheduledFunction) -> None:
    runner.join(JOIN_TIMEOUT_S)
    runner.stop_workers()


def _host_env() -> dict[str, str]:
    return {name: os.environ[name] for name in HOST_VARIABLES if name in os.environ}
