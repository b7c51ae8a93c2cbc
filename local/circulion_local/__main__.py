"""``python -m circulion_local run``: start the local stack in the foreground; Ctrl-C stops it.

Options
-------
--port-offset N     shift every port by N (default: ``CIRCULION_PORT_OFFSET`` or 0)
--state-dir DIR     logs, keys and ready.json (default ``.local-state``; with a port offset N,
                    ``.local-state/offset-N``); one running stack per state directory
--services a,b      run only these apps' functions (default: all)
--app-dir DIR       also run the Chalice app in DIR (its name is the directory's)
--extra-template T  also provision the CloudFormation template T (e.g. an extra app's queues)
--concurrency N     concurrent invocations per function when the app sets no limit
--reserved-concurrency service.function=N  run that function with reserved concurrency N
                    instead of its app's (repeatable; e.g. the benchmark's one chunk worker)
--chaos SPEC        inject faults, e.g. ``kill=0.05,duplicate=0.1,delay=0.1`` (default:
                    ``CIRCULION_CHAOS``, else off); see :mod:`circulion_local.chaos`
--chaos-seed N      seed of the chaos (default: ``CIRCULION_CHAOS_SEED``, else random)
--fast-redelivery [S]  cap function timeouts at S s (default 30) with visibility timeouts
                    and leases to match, so failed messages come back within a minute
--no-enforce-iam    accept any credentials in the emulator (default: enforce each function's role;
                    also ``CIRCULION_ENFORCE_IAM=0``); for debugging a permission problem only
--attach-emulator   use the emulator already running on the port (started by
                    ``python -m circulion_local.emulator.server -p PORT``) and leave it running on exit: kill
                    the runtime, start another with the same state dir, work resumes
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from types import FrameType

from circulion.errors import CirculionError
from circulion_local import run_lock
from circulion_local.chaos import ChaosConfig, parse_chaos
from circulion_local.chaos.config import ENV_SEED, ENV_SPEC
from circulion_local.iam.enforcement import ENFORCE_ENV
from circulion_local.ports import LocalPorts
from circulion_local.run_options import RunOptions
from circulion_local.runtime import reporting
from circulion_local.runtime.fast_redelivery import DEFAULT_CAP_S
from circulion_local.runtime.functions import DEFAULT_CONCURRENCY
from circulion_local.runtime.reserved_concurrency import reserved_option
from circulion_local.supervisor import Supervisor


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m circulion_local", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start the local stack in the foreground")
    run.add_argument("--port-offset", type=int, default=None)
    run.add_argument("--state-dir", type=Path, default=None)
    run.add_argument("--services", default=None, help="comma-separated app names (default: all)")
    run.add_argument("--app-dir", type=Path, action="append", default=[])
    run.add_argument("--extra-template", type=Path, action="append", default=[])
    run.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    run.add_argument(
        "--reserved-concurrency", type=reserved_option, action="append", default=[], metavar="SERVICE.FUNCTION=N"
    )
    run.add_argument("--chaos", default=None, help="faults to inject (default: $CIRCULION_CHAOS; off)")
    run.add_argument("--chaos-seed", type=int, default=None)
    run.add_argument("--fast-redelivery", type=int, nargs="?", const=DEFAULT_CAP_S, default=None, metavar="S")
    run.add_argument("--attach-emulator", action="store_true")
    run.add_argument("--no-enforce-iam", dest="enforce_iam", action="store_false", default=None)
    return parser


def options_from(args: argparse.Namespace) -> RunOptions:
    ports = LocalPorts(args.port_offset) if args.port_offset is not None else LocalPorts.from_env()
    services = frozenset(s.strip() for s in args.services.split(",") if s.strip()) if args.services else None
    state_dir = args.state_dir if args.state_dir is not None else run_lock.default_state_dir(ports)
    return RunOptions(
        ports=ports,
        state_dir=state_dir.resolve(),
        services=services,
        app_dirs=tuple(p.resolve() for p in args.app_dir),
        extra_templates=tuple(p.resolve() for p in args.extra_template),
        default_concurrency=max(1, args.concurrency),
        chaos=chaos_from(args),
        fast_redelivery_s=args.fast_redelivery,
        attach_emulator=args.attach_emulator,
        enforce_iam=args.enforce_iam if args.enforce_iam is not None else os.environ.get(ENFORCE_ENV, "1") != "0",
        reserved_concurrency=tuple(dict(args.reserved_concurrency).items()),  # the last one given wins
    )


def chaos_from(args: argparse.Namespace) -> ChaosConfig:
    """``--chaos``/``--chaos-seed``, falling back on ``CIRCULION_CHAOS``/``CIRCULION_CHAOS_SEED``."""
    spec = args.chaos if args.chaos is not None else os.environ.get(ENV_SPEC)
    seed = args.chaos_seed if args.chaos_seed is not None else os.environ.get(ENV_SEED)
    return parse_chaos(spec, int(seed) if seed not in (None, "") else None)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(options: RunOptions) -> int:
    try:
        # Before anything in the state directory is touched: it may be a running stack's.
        lock = run_lock.acquire(options.state_dir, options.ports)
    except run_lock.StackAlreadyRunning as exc:
        print(exc.explain(), file=sys.stderr)
        return 1
    with lock:
        return _run_locked(options)


def _run_locked(options: RunOptions) -> int:
    (options.state_dir / "ready.json").unlink(missing_ok=True)
    log = reporting.setup(options.state_dir / "logs" / "runtime.log")
    supervisor = Supervisor(options)
    # SIGTERM (a test fixture, a process manager) stops as cleanly as Ctrl-C does; SIGINT is
    # installed explicitly because a shell starts background jobs with it ignored.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    code = 0
    try:
        supervisor.start()
        supervisor.write_ready()
        supervisor.stopping.wait()
    except KeyboardInterrupt:
        log.info("stopping...")
    except CirculionError as exc:  # a known failure (ports taken, ...): its message says it all
        log.error("circulion-local could not start: %s", exc.message)
        code = 1
    except Exception:
        log.exception("circulion-local failed to start")
        code = 1
    finally:
        # A second Ctrl-C must not abandon half-stopped workers.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        supervisor.stop()
    return code


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return run(options_from(args))


if __name__ == "__main__":
    sys.exit(main())
