"""Replaying real calls through the simulator (omnicontext.simulation.replay).

Tiny invented call lists check each decision by hand; a synthetic "reality"
made by a reference first-come-first-served queue must be reproduced exactly;
and the bank's real month (``../shared/data``, skipped when absent) is
replayed with loose bounds on the errors.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from omnicontext.datasets import read_bank_calls
from omnicontext.errors import InvalidInput
from omnicontext.kpi import KpiRules, Rate, compute
from omnicontext.model import Call
from omnicontext.simulation import Shift
from omnicontext.simulation.replay import (
    ReplayComparison,
    ReplayError,
    ReplayReport,
    _Survival,
    arrivals_from_calls,
    compare_with_reality,
    roster_from_calls,
)

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CALLS = DATA / "anonymous_bank_calls_1999_02.tsv"
T0 = datetime(1999, 2, 1, 9, tzinfo=UTC)  # 9:00; the replay starts at midnight


def call(
    n: int | str,
    at: float,
    wait: float,
    talk: float | None = None,
    agent: str | None = None,
    *,
    answered: bool | None = None,
    ended: bool = True,
    **extra: Any,
) -> Call:
    """A call reaching the queue ``at`` seconds after 9:00, waiting ``wait`` seconds,
    then answered for ``talk`` seconds (by ``agent``) or, without ``talk``, hanging up.
    Its id is ``c<n>``, or ``n`` itself when it is a string."""
    start = T0 + timedelta(seconds=at)
    is_answered = talk is not None if answered is None else answered
    answered_at = start + timedelta(seconds=wait) if is_answered else None
    end = start + timedelta(seconds=wait + (talk or 0)) if ended else None
    key = n if isinstance(n, str) else f"c{n}"
    fields: dict[str, Any] = {
        "id": key,
        "case_id": key,
        "channel": "phone",
        "actor": "customer",
        "direction": "inbound",
        "occurred_at": start,
        "answered_at": answered_at,
        "ended_at": end,
        "agent_id": agent,
        **extra,
    }
    return Call(**fields)


# -- arrivals ----------------------------------------------------------------------------------


def test_answered_calls_keep_their_real_talk_time_and_no_wrap_up() -> None:
    local = ZoneInfo("Asia/Jerusalem")
    c = call(1, 0, 12, talk=95, agent="dana").model_copy(
        update={"occurred_at": T0.astimezone(local)}
    )
    [a] = arrivals_from_calls([c], patience="infinite")
    assert (a.id, a.channel, a.handle_seconds, a.wrap_up_seconds) == ("c1", "phone", 95.0, 0.0)
    assert a.at == T0
    assert a.at.tzinfo is UTC
    assert a.patience_seconds is None


def test_abandoned_calls_wait_their_real_wait_and_draw_a_talk_time() -> None:
    calls = [call(1, 0, 5, talk=100, agent="dana"), call(2, 1, 7, talk=300, agent="eli")]
    calls += [call(3, 10, 42), call(4, 11, 0)]  # hung up after 42 s; at once
    report = ReplayReport()
    arrivals = {a.id: a for a in arrivals_from_calls(calls, seed=3, report=report)}
    assert arrivals["c3"].patience_seconds == 42.0
    assert arrivals["c4"].patience_seconds == 0.0
    assert {arrivals["c3"].handle_seconds, arrivals["c4"].handle_seconds} <= {100.0, 300.0}
    assert (report.arrivals, report.handle_drawn, report.patience_drawn) == (4, 2, 2)
    # Drawn with the seed: the same seed gives the same draws, another seed may not.
    again = {a.id: a for a in arrivals_from_calls(calls, seed=3)}
    assert again == arrivals
    draws = {
        tuple(a.handle_seconds for a in arrivals_from_calls(calls, seed=s)[2:]) for s in range(20)
    }
    assert len(draws) > 1


def test_the_order_of_the_calls_does_not_change_the_draws() -> None:
    calls = [call(i, 10 * i, 3 * (i % 4), talk=60 + i, agent="dana") for i in range(10)]
    calls += [call(f"x{i}", 10 * i + 5, 20 + i) for i in range(5)]  # abandoned
    forward = arrivals_from_calls(calls, seed=7)
    backward = arrivals_from_calls(list(reversed(calls)), seed=7)
    assert forward == backward
    assert [a.at for a in forward] == sorted(a.at for a in forward)


def test_calls_answered_by_no_agent_and_abandoned_without_end_are_left_out() -> None:
    calls = [
        call(1, 0, 0, talk=6),  # answered, no agent (the bank's NO_SERVER)
        call(2, 0, 30, ended=False),  # hung up at an unknown time
        call(3, 0, 10, answered=True, agent="dana", ended=False),  # answered, no end
        call(4, 0, 0, talk=200, agent="eli"),
    ]
    report = ReplayReport()
    arrivals = arrivals_from_calls(calls, report=report)
    assert [a.id for a in arrivals] == ["c3", "c4"]
    assert report.skipped == Counter(answered_without_agent=1, abandoned_without_end=1)
    assert arrivals[0].handle_seconds == 200.0  # drawn from the one talk time known
    assert report.handle_drawn == 1
    assert "answered_without_agent 1" in report.summary()


def test_after_call_seconds_are_added_to_the_agents_time() -> None:
    [a] = arrivals_from_calls([call(1, 0, 0, talk=100, agent="dana")], after_call_seconds=30)
    assert (a.handle_seconds, a.wrap_up_seconds) == (130.0, 0.0)


# -- censored patience -------------------------------------------------------------------------


def test_kaplan_meier_by_hand() -> None:
    # Abandoned after 10 and 30 s; answered after 20 and 40 s (censored).
    # At 10 s, 4 callers at risk, 1 leaves: 3/4 remain. At 30 s, 2 at risk, 1 leaves: 3/8.
    survival = _Survival.of([10.0, 30.0], [20.0, 40.0])
    assert survival.times == (10.0, 30.0)
    assert survival.survival == (0.75, 0.375)
    assert [survival.at(t) for t in (0, 10, 20, 30, 99)] == [1.0, 0.75, 0.75, 0.375, 0.375]
    rng = random.Random(1)
    # Beyond 20 s: 30 s with probability (3/4 - 3/8) / (3/4) = 1/2, else never.
    draws = Counter(survival.beyond(20.0, rng) for _ in range(4000))
    assert set(draws) == {30.0, None}
    assert draws[30.0] / 4000 == pytest.approx(0.5, abs=0.04)
    # From 0 s: 10 s with 1/4, 30 s with 3/8, never with 3/8.
    draws = Counter(survival.beyond(0.0, rng) for _ in range(4000))
    assert draws[10.0] / 4000 == pytest.approx(0.25, abs=0.04)
    assert draws[None] / 4000 == pytest.approx(0.375, abs=0.04)
    # Beyond the last abandonment, nobody is seen to hang up: never.
    assert {survival.beyond(40.0, rng) for _ in range(100)} == {None}


def test_each_censoring_rule_gives_answered_callers_a_patience_beyond_their_wait() -> None:
    calls = [call(f"a{w}", 0, w) for w in (10, 30, 50)]  # abandoned after 10, 30, 50 s
    calls += [call("long", 1, 35, talk=60, agent="dana")]
    calls += [call("longest", 2, 60, talk=60, agent="dana")]
    km: list[float | None] = []
    for seed in range(10):
        by_id = {
            a.id: a for a in arrivals_from_calls(calls, seed=seed, patience="longer_abandons")
        }
        assert by_id["long"].patience_seconds == 50.0  # the only abandonment beyond 35 s
        assert by_id["longest"].patience_seconds is None  # none beyond 60 s: never
        by_id = {a.id: a for a in arrivals_from_calls(calls, seed=seed)}
        # Kaplan-Meier: 3/5 of callers outlast 35 s; at 50 s, one of the two still there
        # leaves, so beyond 35 s, 50 s with probability 1/2, else never.
        km.append(by_id["long"].patience_seconds)
        assert by_id["longest"].patience_seconds is None
        by_id = {a.id: a for a in arrivals_from_calls(calls, seed=seed, patience="infinite")}
        assert by_id["long"].patience_seconds is None
        assert by_id["a30"].patience_seconds == 30.0  # abandoned calls keep their real wait
    assert set(km) == {50.0, None}


def test_kaplan_meier_keeps_answered_callers_who_outlasted_the_abandonments() -> None:
    # 2000 callers answered after 20 s, abandonments at 10 and 30 s, one answered at 40 s:
    # half of those still waiting at 20 s leave at 30 s (2 at risk, 1 leaves), half never.
    calls = [call(f"a{i}", i, 20, talk=60, agent="dana") for i in range(2000)]
    calls += [call("x10", 0, 10), call("x30", 0, 30), call("y", 0, 40, talk=60, agent="dana")]
    report = ReplayReport()
    arrivals = arrivals_from_calls(calls, seed=5, report=report)
    drawn = Counter(a.patience_seconds for a in arrivals if a.id.startswith("a"))
    assert set(drawn) == {30.0, None}
    assert drawn[30.0] / 2000 == pytest.approx(0.5, abs=0.04)
    assert report.patience_drawn + report.patience_infinite == 2001
    # Drawing from the longer abandonments instead forgets the censored callers:
    # every one of them leaves at 30 s.
    longer = arrivals_from_calls(calls, seed=5, patience="longer_abandons")
    assert {a.patience_seconds for a in longer if a.id.startswith("a")} == {30.0}


# -- roster ------------------------------------------------------------------------------------


def test_roster_covers_the_intervals_in_which_each_agent_answered() -> None:
    calls = [
        call(1, 10, 0, talk=4000, agent="dana"),  # 9:00; talks into 10:00, answers nothing then
        call(2, 2 * 3600 + 5, 0, talk=60, agent="dana"),  # 11:00
        call(3, 3 * 3600 + 5, 0, talk=60, agent="dana"),  # 12:00, merged with 11:00
        call(4, 3599, 2, talk=60, agent="eli"),  # arrives 9:59:59, answered at 10:00:01
        call(5, 100, 20),  # abandoned: nobody's shift
        call(6, 200, 0, talk=5),  # answered by no agent: nobody's shift
    ]
    roster = {s.agent.id: s for s in roster_from_calls(calls)}
    hours = timedelta(hours=1)
    assert sorted(roster) == ["dana", "eli"]
    assert roster["dana"].shifts == (Shift(9 * hours, 10 * hours), Shift(11 * hours, 13 * hours))
    assert roster["eli"].shifts == (Shift(10 * hours, 11 * hours),)
    assert roster["dana"].agent.channels == ("phone",)
    assert roster["dana"].profile is None  # the default: one call at a time


def test_roster_interval_and_start() -> None:
    calls = [call(1, 0, 0, talk=60, agent="dana"), call(2, 3700, 0, talk=60, agent="dana")]
    half = timedelta(minutes=30)  # 9:00-9:30, then 10:00-10:30
    [dana] = roster_from_calls(calls, interval=half)
    assert dana.shifts == (Shift(18 * half, 19 * half), Shift(20 * half, 21 * half))
    # Hours from 8:45: 9:00 falls in the first, 10:01 in the second.
    [dana] = roster_from_calls(calls, start=T0 - timedelta(minutes=15))
    assert dana.shifts == (Shift(timedelta(0), timedelta(hours=2)),)


# -- the comparison ----------------------------------------------------------------------------


def _fifo_reality(seed: int, agents: int, calls: int) -> list[Call]:
    """Calls as a first-come-first-served queue with ``agents`` identical agents,
    on from 9:00, would have had them: exponential arrivals, talk times and
    patience, to the microsecond so that no two events coincide."""
    rng = random.Random(seed)
    free = [(T0, f"agent{i}") for i in range(agents)]  # when each agent is next free
    out: list[Call] = []
    at = T0
    for n in range(calls):
        at += timedelta(microseconds=round(rng.expovariate(1 / 20) * 1e6))
        talk = timedelta(microseconds=round(rng.expovariate(1 / 100) * 1e6))
        patience = timedelta(microseconds=round(rng.expovariate(1 / 60) * 1e6))
        free.sort()
        when, agent = free[0]
        start = max(at, when)
        if start - at > patience:  # gave up first; the agents are untouched
            ended = at + patience
            out.append(
                Call(
                    id=f"c{n}", case_id=f"c{n}", channel="phone", actor="customer",
                    direction="inbound", occurred_at=at, ended_at=ended,
                )
            )  # fmt: skip
            continue
        free[0] = (start + talk, agent)
        out.append(
            Call(
                id=f"c{n}", case_id=f"c{n}", channel="phone", actor="customer",
                direction="inbound", occurred_at=at, answered_at=start, ended_at=start + talk,
                agent_id=agent,
            )
        )  # fmt: skip
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_first_come_first_served_reality_is_reproduced_exactly(seed: int) -> None:
    # Agents there the whole time, serving in order of arrival, no after-call work: what
    # the simulator assumes. Replayed with the agents' real shifts, every call meets the
    # same fate at the same moment, so every interval's figures agree exactly.
    reality = _fifo_reality(seed, agents=4, calls=150)
    # Every agent answered a call, and nobody was answered after the shift (10:00).
    assert len({c.agent_id for c in reality} - {None}) == 4
    assert max(c.answered_at for c in reality if c.answered_at) < T0 + timedelta(hours=1)
    result = compare_with_reality(reality, interval=timedelta(minutes=15), roster_interval=None)
    assert result.real.abandoned > 5  # the queue did overflow
    assert result.simulated.offered == result.real.offered == 150
    for key in ("wait", "abandonment", "service_level"):
        error = result.errors[key]
        assert error.mean_absolute == pytest.approx(0, abs=1e-6), key
    for interval in result.intervals:
        assert interval.simulated.answered == interval.real.answered
        assert interval.simulated.abandoned == interval.real.abandoned
        assert interval.simulated.wait.mean == pytest.approx(interval.real.wait.mean)


def test_compare_by_hand() -> None:
    calls = [
        call(1, 0, 0, talk=300, agent="dana"),
        call(2, 60, 240, talk=100, agent="dana"),  # waited for dana to finish
        call(3, 120, 30),  # hung up after 30 s: dana still busy in the replay too
        call(4, 3700, 0, talk=60, agent="eli"),
        call(5, 3800, 0, talk=6),  # answered by nobody: left out
    ]
    result = compare_with_reality(calls, seed=1)
    assert isinstance(result, ReplayComparison)
    assert result.report.skipped == Counter(answered_without_agent=1)
    assert [(i.start, i.real.offered, i.simulated.offered) for i in result.intervals] == [
        (T0, 3, 3),
        (T0 + timedelta(hours=1), 1, 1),
    ]
    assert (result.real.answered, result.real.abandoned) == (3, 1)
    assert (result.simulated.answered, result.simulated.abandoned) == (3, 1)
    assert result.real.wait.mean == result.simulated.wait.mean == 80.0
    assert result.real.service_level.value == result.simulated.service_level.value == 50.0
    assert result.errors["wait"].mean_absolute == 0.0
    assert result.errors["abandonment"].calls == 4
    text = result.summary()
    assert "mean wait, answered (s)" in text
    assert "error per hour" in text
    assert result.to_dict()["errors"]["wait"]["mean_absolute"] == 0.0


def test_interval_starts_are_shown_on_the_calls_clock() -> None:
    local = ZoneInfo("Asia/Jerusalem")
    calls = [
        call(1, 0, 0, talk=60, agent="dana").model_copy(
            update={
                "occurred_at": T0.astimezone(local),
                "answered_at": T0.astimezone(local),
                "ended_at": (T0 + timedelta(seconds=60)).astimezone(local),
            }
        )
    ]
    [interval] = compare_with_reality(calls).intervals
    assert interval.start == T0
    assert interval.start.tzinfo is local
    assert interval.start.hour == 11  # 9:00 UTC is 11:00 in Israel in February


def test_replay_error_weights_intervals_by_calls() -> None:
    error = ReplayError.of([(10.0, 0.0, 1), (10.0, 14.0, 3)], "s")
    assert error.mean_absolute == pytest.approx(5.5)
    assert error.bias == pytest.approx(0.5)
    assert (error.intervals, error.calls, error.unit) == (2, 4, "s")
    assert error.correlation is None  # the real figure never changes
    assert ReplayError.of([], "points").mean_absolute is None


# -- errors ------------------------------------------------------------------------------------


def _invalid(fn: Any, *args: Any, **kwargs: Any) -> tuple[str, Any]:
    with pytest.raises(InvalidInput) as caught:
        fn(*args, **kwargs)
    return caught.value.field, caught.value.value


def test_validation_errors_name_the_field_and_value() -> None:
    ok = call(1, 0, 0, talk=60, agent="dana")
    outbound = Call(
        id="o", case_id="o", channel="phone", actor="agent", agent_id="dana",
        direction="outbound", occurred_at=T0,
    )  # fmt: skip
    chat = call(2, 0, 0, talk=60, agent="dana").model_copy(update={"channel": "video"})
    assert _invalid(arrivals_from_calls, [ok, outbound]) == ("calls[1].direction", "outbound")
    assert _invalid(arrivals_from_calls, [chat]) == ("calls[0].channel", "video")
    assert _invalid(arrivals_from_calls, [ok, ok]) == ("calls[1].id", "c1")
    assert _invalid(arrivals_from_calls, [ok, "c2"]) == ("calls[1]", "str")
    assert _invalid(arrivals_from_calls, [ok], patience="forever") == ("patience", "forever")
    assert _invalid(arrivals_from_calls, [ok], after_call_seconds=-1) == (
        "after_call_seconds",
        -1,
    )
    # An abandoned call needs a talk time drawn, and no answered call has one.
    assert _invalid(arrivals_from_calls, [call(3, 0, 20)]) == ("calls", "c3")
    assert _invalid(roster_from_calls, [ok], interval=timedelta(0)) == (
        "interval",
        timedelta(0),
    )
    naive = datetime(1999, 2, 1)
    assert _invalid(roster_from_calls, [ok], start=naive) == ("start", naive)
    late = T0 + timedelta(hours=1)
    assert _invalid(roster_from_calls, [ok], start=late) == (
        "calls[0].occurred_at",
        T0.isoformat(),
    )
    assert _invalid(compare_with_reality, [call(4, 0, 0, talk=5)])[0] == "calls"  # nothing left
    assert _invalid(compare_with_reality, [ok], roster_interval=timedelta(-1))[0] == (
        "roster_interval"
    )
    assert _invalid(compare_with_reality, [ok], service_level_seconds=float("nan"))[0] == (
        "service_level_seconds"
    )


# -- the bank's real month ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def bank_calls() -> list[Call]:
    if not CALLS.exists():
        pytest.skip(f"real data not present at {CALLS}")
    return list(read_bank_calls(CALLS))


@pytest.fixture(scope="module")
def bank_month(bank_calls: list[Call]) -> ReplayComparison:
    return compare_with_reality(bank_calls, seed=0)  # about 4 s


def test_bank_month_real_side_is_the_months_kpis(
    bank_calls: list[Call], bank_month: ReplayComparison
) -> None:
    # The 491 calls answered by NO_SERVER are left out; every other call is replayed, and
    # the real figures are exactly what the KPI engine measures on those calls.
    assert bank_month.report.skipped == Counter(answered_without_agent=491)
    assert bank_month.report.arrivals == bank_month.real.offered == 31_125 - 491
    assert bank_month.simulated.offered == bank_month.real.offered
    assert bank_month.simulated.unserved == 0
    replayed = [c for c in bank_calls if not (c.answered_at and c.agent_id is None)]
    kpis = compute(replayed, rules=KpiRules(service_level_seconds=20)).overall
    for key, mine in (
        ("abandonment_rate", bank_month.real.abandonment),
        ("service_level", bank_month.real.service_level),
    ):
        theirs = kpis[key]
        assert isinstance(theirs, Rate)
        assert (mine.count, mine.n, mine.value) == (theirs.count, theirs.n, theirs.value)
    assert bank_month.real.wait.mean == pytest.approx(41.51, abs=0.01)
    assert len(bank_month.staff) == 24
    assert len(bank_month.intervals) == 406  # hours with calls


def test_bank_month_errors_are_within_loose_bounds(bank_month: ReplayComparison) -> None:
    # Measured (seed 0, hourly roster, Kaplan-Meier patience): mean wait 41.5 s real,
    # 7.5 s simulated; abandonment 12.9 % real, 3.2 % simulated; service level 51.3 %
    # real, 87.2 % simulated. Per hour, weighted by calls: mean absolute error 36.9 s on
    # the mean wait, 9.8 points on abandonment, 35.9 on service level; correlation of the
    # real and simulated figures across the 406 hours 0.69, 0.73, 0.66. Seeds 1 and 2 move
    # these by under 0.5. The simulator is optimistic because the roster counts an agent
    # who answered one call in an hour as there all hour (see docs/simulation-replay.md).
    # The bounds are loose: they catch a simulator that serves nobody, everybody at once,
    # or at random, not a change of a few seconds.
    real, sim = bank_month.real, bank_month.simulated
    assert real.abandonment.value == pytest.approx(12.94, abs=0.01)
    assert sim.wait.mean is not None
    assert 2 < sim.wait.mean < 25
    assert sim.abandonment.value is not None
    assert 1 < sim.abandonment.value < 8
    assert sim.service_level.value is not None
    assert 70 < sim.service_level.value < 97
    wait, abandonment, level = (
        bank_month.errors[k] for k in ("wait", "abandonment", "service_level")
    )
    assert wait.mean_absolute is not None
    assert wait.mean_absolute < 50
    assert abandonment.mean_absolute is not None
    assert abandonment.mean_absolute < 15
    assert level.mean_absolute is not None
    assert level.mean_absolute < 45
    for error in (wait, abandonment, level):
        assert error.correlation is not None
        assert error.correlation > 0.4
    assert wait.calls > 30_000
    assert wait.intervals > 400
    # Agents hold one call at a time, and are busy about half the time they are rostered.
    assert set(bank_month.simulation.max_concurrency.values()) == {1}
    occupancy = bank_month.simulation.occupancy["(all)"].value
    assert occupancy is not None
    assert 40 < occupancy < 65


def test_bank_week_replay_is_reproducible(bank_calls: list[Call]) -> None:
    week = [c for c in bank_calls if c.occurred_at.day <= 7]
    first = compare_with_reality(week, seed=4)
    second = compare_with_reality(week, seed=4)
    assert first.to_dict() == second.to_dict()
