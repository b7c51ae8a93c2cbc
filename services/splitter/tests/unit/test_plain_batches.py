"""Runs of records checked in batches decide exactly as records checked one by one.

The batch path (:func:`circulion.recipes.plain_batches.plain_valid_steps` through
:meth:`StreamChecker.check_run`) only skips work: whatever it accepts, the per-record
path accepts with the same step ids, and any problem sends the group the per-record way.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from circulion.recipes import examples
from circulion.recipes.plain_batches import plain_valid_steps
from circulion.recipes.records import check_step
from circulion.recipes.safety import SafetyChecks
from circulion.testing.stream_runs import Outcome, checker_outcome

SAFETY = SafetyChecks.model_validate(examples.HEADER["safety_checks"])
LIMIT = 4096


def step(i: int) -> bytes:
    return examples.line(examples.step(i))[:-1]


# Lines each invalid alone, some of which make a valid JSON array once joined by commas.
JOINABLE = [
    (b'{"step_id":5,"action":"unscrew","target":"a}', b'{b","parameters":{"torque_nm":2}}'),
    (step(5)[:-1], b'{"x":1}}'),
    (step(5) + b"," + step(6), b""),
    (step(5)[:-2], b"}}"),
    (step(5)[: step(5).index(b',"action"')], step(5)[step(5).index(b',"action"') + 1 :]),
]
HOSTILE = [
    b'{"step_id":7,"action":"unscrew","target":"x","parameters":{"torque_nm":2,"torque_nm":3}}',
    b'{"step_id":7,"action":"move","target":"x","parameters":{"pose":{"x_mm":1,"y_mm":2,"z_mm":3,"x_mm":4}}}',
    b'{"step_id":7,"action":"unscrew","target":"x","parameters":{"torque_nm":1e400}}',
    b'{"step_id":7,"action":"inspect","target":"x","parameters":{"sensor":"thermal","max_temperature_c":99}}',
    b'{"step_id":7,"action":"pick","target":"x","parameters":{"grip_force_n":900}}',
    b'{"step_id":7,"action":"unscrew","target":"x","parameters":{"torque_nm":2}}{}',
    b'{"step_id":7,"action":"unscrew","target":"caf\xc3\xa9","parameters":{"torque_nm":2}}',
    b'{"step_id":7,"action":"unscrew","target":"x","parameters":{"torque_nm":2}}\r',
    b'{"step_id":7,"action":"unscrew","target":"x","parameters":{"torque_nm":2}}   ',
    b'{"step_id":7,"action":"unscrew","target":":x","parameters":{"torque_nm":2}}',
    b"   ",
    b"",
    b"[]",
    b"x" * (LIMIT + 1),
]


def one_by_one(lines: list[bytes]) -> list[tuple[int | None, list[str]]]:
    out = []
    for line in lines:
        checked = check_step(line, SAFETY)
        out.append((checked.step_id, [p.code for p in checked.problems]))
    return out


def test_a_batch_of_valid_steps_gives_their_ids() -> None:
    assert plain_valid_steps([step(i) for i in range(1, 40)], SAFETY) == list(range(1, 40))


def test_lines_that_join_into_valid_json_are_not_accepted() -> None:
    two_in_one = JOINABLE[2][0]
    for first, second in JOINABLE:
        assert isinstance(plain_valid_steps([step(1), first, second, step(9)], SAFETY), int)
        assert isinstance(plain_valid_steps([first, second, step(5)], None), int)
        # as many elements as lines: one line holds two, two lines make one
        assert isinstance(plain_valid_steps([step(1), first, second, two_in_one], None), int)
    assert isinstance(plain_valid_steps([two_in_one], None), int)
    assert isinstance(plain_valid_steps([two_in_one, step(7)], None), int)


def test_any_line_with_a_problem_sends_the_batch_the_exact_way() -> None:
    for bad in HOSTILE:
        lines = [step(1), bad, step(9)]
        if any(problems for _, problems in one_by_one(lines)):
            assert isinstance(plain_valid_steps(lines, SAFETY), int)
        else:  # valid after all (whitespace around the object): the ids must agree
            assert plain_valid_steps(lines, SAFETY) in (-1, 1, [1, 7, 9])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.integers(1, 60), st.sampled_from(HOSTILE), st.sampled_from(JOINABLE)), max_size=40))
def test_batches_decide_as_single_records(picks: list[int | bytes | tuple[bytes, bytes]]) -> None:
    lines: list[bytes] = []
    for pick in picks:
        lines += [step(pick)] if isinstance(pick, int) else [pick] if isinstance(pick, bytes) else list(pick)
    accepted = plain_valid_steps(lines, SAFETY)
    if isinstance(accepted, list):
        assert one_by_one(lines) == [(i, []) for i in accepted]


def check(lines: list[bytes], runs: bool, chunk: int = 1) -> Outcome:
    """Outcome of a checker fed ``lines`` as one run, or record by record."""
    return checker_outcome(lines, SAFETY, runs=runs, chunk=chunk, limit=LIMIT)


@settings(max_examples=60, deadline=None)
@given(
    ids=st.lists(st.integers(1, 3000), min_size=1, max_size=1500),
    bad=st.lists(st.tuples(st.integers(0, 1499), st.sampled_from(HOSTILE)), max_size=3),
)
def test_a_checker_fed_runs_reports_as_one_fed_records(ids: list[int], bad: list[tuple[int, bytes]]) -> None:
    ids.sort()  # mostly increasing, with repeats: order problems inside and across groups
    lines = [step(i) for i in ids]
    for at, line in bad:
        if at < len(lines):
            lines[at] = line
    assert check(lines, runs=True) == check(lines, runs=False)


def test_problems_in_later_groups_keep_their_positions() -> None:
    ids = [*range(1, 513), 512, *range(513, 1300)]  # a repeat right at the first group boundary
    lines = [step(i) for i in ids]
    lines[700], lines[1100] = HOSTILE[4], HOSTILE[0]
    count, step_ids, issues = check(lines, runs=True)
    assert (count, step_ids, issues) == check(lines, runs=False)
    assert len(issues) == 4  # the repeat; the over-limit grip, and its id 7 going back; the duplicate key


def test_a_stream_starting_with_a_step_is_missing_its_header_either_way() -> None:
    lines = [step(i) for i in range(1, 600)]
    assert check(lines, runs=True, chunk=0) == check(lines, runs=False, chunk=0)
    assert check(lines, runs=True, chunk=0)[2]
