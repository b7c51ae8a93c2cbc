"""Faults the local runtime injects on purpose, to prove the pipeline's guarantees.

Off by default. ``python -m circulion_local run --chaos kill=0.05,duplicate=0.1,delay=0.1
--chaos-seed 7`` (or ``CIRCULION_CHAOS`` / ``CIRCULION_CHAOS_SEED``) switches it on for
every SQS-triggered function. Faults live in the runtime, never in service code:

* ``kill`` — SIGKILL the invocation's worker at a random moment while it runs (the batch
  fails as a crash; its messages come back after the visibility timeout);
* ``duplicate`` — send a copy of a received message back to its queue (a second delivery,
  now or up to ``delay_max`` seconds later);
* ``delay`` — hold a received message back (its visibility is set to a random
  ``1..delay_max`` seconds, so it arrives after messages sent later).

Every injected fault is one line in the runtime log, ``chaos <kind> <function> ...``
(:data:`LOG_PATTERN` matches it), so a soak can count what it survived.
"""

from circulion_local.chaos.config import ChaosConfig, ChaosSpecError, parse_chaos
from circulion_local.chaos.injector import LOG_PATTERN, BatchPlan, Chaos

__all__ = ["LOG_PATTERN", "BatchPlan", "Chaos", "ChaosConfig", "ChaosSpecError", "parse_chaos"]
