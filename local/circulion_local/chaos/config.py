"""What chaos to inject: probabilities and bounds, parsed from ``kind=value,...``."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

ENV_SPEC = "CIRCULION_CHAOS"
ENV_SEED = "CIRCULION_CHAOS_SEED"


class ChaosSpecError(ValueError):
    """A ``--chaos`` specification that cannot be understood."""


@dataclass(frozen=True)
class ChaosConfig:
    """Fault probabilities (per invocation for ``kill``, per message otherwise) and bounds.

    Attributes
    ----------
    kill, duplicate, delay
        Probabilities in ``[0, 1]``.
    delay_max_s
        Longest hold-back of a delayed message or a duplicate's delivery delay.
    kill_window_s
        A kill fires at a uniform moment in ``[0, kill_window_s)`` after the invocation
        starts; an invocation that ends sooner escapes it (no fault is logged then).
    attempts
        Faults only touch a message's first ``attempts`` receives. Every queue allows 4
        (``maxReceiveCount``): sparing the later ones means chaos alone never dead-letters a
        healthy message — dead-lettering is what the poison tests prove, not chaos.
    only
        Function labels (``service.function``) to target; empty: all SQS functions.
    seed
        Seed of the per-function random generators (``None``: a fresh one per run).
    """

    kill: float = 0.0
    duplicate: float = 0.0
    delay: float = 0.0
    delay_max_s: float = 10.0
    kill_window_s: float = 1.0
    attempts: int = 2
    only: frozenset[str] = frozenset()
    seed: int | None = None

    @property
    def enabled(self) -> bool:
        return self.kill > 0 or self.duplicate > 0 or self.delay > 0

    def targets(self, label: str) -> bool:
        return self.enabled and (not self.only or label in self.only)

    def describe(self) -> str:
        parts = [f"kill={self.kill}", f"duplicate={self.duplicate}", f"delay={self.delay}"]
        parts += [f"delay_max={self.delay_max_s}", f"kill_window={self.kill_window_s}", f"attempts={self.attempts}"]
        if self.only:
            parts.append("only=" + "+".join(sorted(self.only)))
        return ",".join(parts) + (f" seed={self.seed}" if self.seed is not None else "")


_ALIASES = {"delay_max": "delay_max_s", "kill_window": "kill_window_s"}
_PROBABILITIES = ("kill", "duplicate", "delay")


def parse_chaos(spec: str | None, seed: int | None = None) -> ChaosConfig:
    """``"kill=0.05,duplicate=0.1,delay=0.1[,delay_max=10][,kill_window=1][,attempts=2]
    [,only=merger.coordinate+splitter.process_chunk]"`` as a :class:`ChaosConfig`.

    An empty or ``None`` spec is chaos off. Raises :class:`ChaosSpecError` for an unknown
    key, a value that is not a number, or a probability outside ``[0, 1]``.
    """
    config = ChaosConfig(seed=seed)
    if not spec or not spec.strip() or spec.strip() in ("off", "0"):
        return config
    known = {f.name for f in fields(ChaosConfig)} - {"seed"}
    changes: dict[str, object] = {}
    for item in spec.split(","):
        if not item.strip():
            continue
        key, equals, raw = item.partition("=")
        name = _ALIASES.get(key.strip(), key.strip())
        if not equals or name not in known:
            raise ChaosSpecError(f"chaos: expected kind=value with kind in {sorted(known)}, got {item!r}")
        value = raw.strip()
        if name == "only":
            changes[name] = frozenset(v.strip() for v in value.split("+") if v.strip())
            continue
        try:
            number = int(value) if name == "attempts" else float(value)
        except ValueError:
            raise ChaosSpecError(f"chaos: {key.strip()} needs a number, got {value!r}") from None
        if name in _PROBABILITIES and not 0.0 <= number <= 1.0:
            raise ChaosSpecError(f"chaos: {name} is a probability in [0, 1], got {number}")
        if number < 0:
            raise ChaosSpecError(f"chaos: {key.strip()} must not be negative")
        changes[name] = number
    return replace(config, **changes)  # type: ignore[arg-type]
