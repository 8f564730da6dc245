"""Occupancy, load and utilisation: examples worked by hand, then invariants."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicontext.errors import InvalidInput
from omnicontext.routing.capacity import CapacityProfile
from omnicontext.testing.factories import T0, minutes
from omnicontext.workload.activity import PresenceSpan, WorkSpan
from omnicontext.workload.occupancy import (
    Occupancy,
    OccupancyReport,
    Ratio,
    measure_occupancy,
)

from .spans import presence_spans, work_spans

PROFILE = CapacityProfile.default()
MINUTE = 60


def work(item: str, start: float, end: float, channel: str = "chat", **fields: Any) -> WorkSpan:
    spec = PROFILE.spec(channel)
    fields.setdefault("agent_id", "ana")
    return WorkSpan(
        item_id=item,
        channel=channel,
        start=minutes(start),
        end=minutes(end),
        units=spec.units,
        exclusive=spec.exclusive,
        **fields,
    )


def state(presence: str, start: float, end: float, agent_id: str = "ana") -> PresenceSpan:
    return PresenceSpan(
        agent_id=agent_id, presence=presence, start=minutes(start), end=minutes(end)
    )


def seconds(occupancy: Occupancy) -> tuple[Fraction | int, ...]:
    return (
        occupancy.busy_seconds,
        occupancy.load_seconds,
        occupancy.on_duty_seconds,
        occupancy.logged_in_seconds,
    )


def hour(
    spans: Sequence[WorkSpan], presence: Sequence[PresenceSpan] | None = None, **options: Any
) -> OccupancyReport:
    return measure_occupancy(spans, presence, start=minutes(0), end=minutes(60), **options)


# -- worked by hand ------------------------------------------------------------------------


def test_a_call_and_two_overlapping_chats_without_presence() -> None:
    """Call 0-20 with wrap-up to 25; chats 30-50 and 40-70 (clipped at 60).

    busy: 25 + 30 = 55 min. load: 25 x 1, then 10 x 1/3, 10 x 2/3, 10 x 1/3
    = 25 + 40/3 min. Without presence the denominators are the hour.
    """
    spans = [
        work("call", 0, 20, "phone", wrap_up_end=minutes(25)),
        work("chat1", 30, 50),
        work("chat2", 40, 70),
    ]
    ana = hour(spans).agents["ana"]
    assert seconds(ana) == (55 * MINUTE, (25 + Fraction(40, 3)) * MINUTE, 3600, 3600)
    assert ana.occupancy == Ratio(Fraction(55 * MINUTE), Fraction(3600))
    assert ana.occupancy.value == pytest.approx(55 / 60)
    assert ana.load.value == pytest.approx((25 + 40 / 3) / 60)
    assert ana.utilisation.value == ana.occupancy.value
    assert (ana.subject, ana.agent_ids, ana.start, ana.end) == ("ana", ("ana",), T0, minutes(60))


def test_presence_sets_the_denominators() -> None:
    """Available 0-45, away 45-60, offline from 60; a call 10-40 and a chat 50-65.

    busy: 30 + 15 = 45 min. on duty: available 45 plus work while away or
    offline (50-65) = 60 min. logged in: not offline (0-60) plus work while
    offline (60-65) = 65 min.
    """
    spans = [work("call", 10, 40, "phone"), work("chat", 50, 65)]
    presence = [state("available", 0, 45), state("away", 45, 60), state("offline", 60, 120)]
    ana = measure_occupancy(spans, presence, start=minutes(0), end=minutes(120)).agents["ana"]
    assert seconds(ana) == (45 * MINUTE, 35 * MINUTE, 60 * MINUTE, 65 * MINUTE)
    assert ana.occupancy.value == 0.75
    assert ana.utilisation.value == pytest.approx(45 / 65)


def test_busy_presence_is_on_duty_and_time_without_presence_is_offline() -> None:
    presence = [state("busy", 0, 20), state("available", 40, 50)]
    ana = hour([work("chat", 0, 10)], presence).agents["ana"]
    assert seconds(ana)[2:] == (30 * MINUTE, 30 * MINUTE)
    assert ana.occupancy.value == pytest.approx(1 / 3)


def test_overlapping_presence_spans_are_on_duty_when_any_says_so() -> None:
    presence = [state("away", 0, 30), state("available", 20, 40)]
    ana = hour([], presence).agents["ana"]
    assert seconds(ana)[2:] == (20 * MINUTE, 40 * MINUTE)


def test_concurrent_chats_count_once_as_busy_and_add_up_as_load() -> None:
    spans = [work(f"chat{i}", 0, 30) for i in range(2)]
    ana = hour(spans).agents["ana"]
    assert ana.busy_seconds == 30 * MINUTE
    assert ana.load_seconds == 20 * MINUTE


def test_load_is_capped_at_the_whole_agent() -> None:
    spans = [work(f"chat{i}", 0, 30) for i in range(4)] + [work("call", 30, 40, "phone")]
    spans.append(work("email", 35, 40, "email"))
    ana = hour(spans).agents["ana"]
    assert ana.busy_seconds == 40 * MINUTE
    assert ana.load_seconds == 40 * MINUTE


def test_spans_are_clipped_to_the_window() -> None:
    spans = [work("early", -30, 10), work("late", 50, 90, "phone")]
    ana = hour(spans).agents["ana"]
    assert ana.busy_seconds == 20 * MINUTE
    assert ana.load_seconds == (10 * Fraction(1, 3) + 10) * MINUTE


def test_agents_are_those_with_something_in_the_window_or_named() -> None:
    spans = [work("c1", 0, 10), work("c2", 70, 80, agent_id="ben")]
    presence = [state("available", -60, -10, agent_id="cy")]
    report = hour(spans, presence, agents=["dee"])
    assert list(report.agents) == ["ana", "dee"]
    assert report.agents["dee"].on_duty_seconds == 0
    without_presence = hour(spans, agents=["dee"])
    assert seconds(without_presence.agents["dee"]) == (0, 0, 3600, 3600)


def test_a_team_adds_its_agents_seconds_before_dividing() -> None:
    spans = [work("c1", 0, 60, "phone"), work("c2", 0, 15, "phone", agent_id="ben")]
    report = hour(spans, teams={"voice": ["ana", "ben", "ana"], "idle": ["cy"], "none": []})
    voice = report.teams["voice"]
    assert voice.agent_ids == ("ana", "ben")
    assert seconds(voice) == (75 * MINUTE, 75 * MINUTE, 7200, 7200)
    assert voice.occupancy.value == 0.625
    assert list(report.agents) == ["ana", "ben", "cy"]
    assert report.teams["idle"].occupancy.value == 0.0
    assert report.teams["none"].agent_ids == ()
    assert report.total.subject == "all"
    assert seconds(report.total) == (75 * MINUTE, 75 * MINUTE, 3 * 3600, 3 * 3600)


def test_a_team_of_one_string_is_rejected() -> None:
    with pytest.raises(InvalidInput) as caught:
        hour([], teams={"voice": "ana"})
    assert (caught.value.subject, caught.value.field, caught.value.value) == (
        "teams",
        "voice",
        "ana",
    )


def test_the_report_is_empty_without_any_agent() -> None:
    report = hour([])
    assert report.agents == {}
    assert report.total.occupancy.value == 0.0


def test_a_ratio_over_no_time_is_zero() -> None:
    assert Ratio(Fraction(0), Fraction(0)).value == 0.0


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (datetime(2026, 1, 5, 9), minutes(60), "start"),
        (minutes(0), datetime(2026, 1, 5, 10), "end"),
        (minutes(60), minutes(60), "end"),
        (minutes(60), minutes(0), "end"),
    ],
)
def test_a_bad_window_is_rejected(start: datetime, end: datetime, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        measure_occupancy([], start=start, end=end)
    assert (caught.value.subject, caught.value.field) == ("occupancy window", field)


def test_combining_needs_one_window_and_distinct_agents() -> None:
    report = hour([work("c1", 0, 10), work("c2", 0, 10, agent_id="ben")])
    ana, ben = report.agents["ana"], report.agents["ben"]
    both = Occupancy.combine("both", [ben, ana])
    assert (both.subject, both.agent_ids, both.start, both.end) == (
        "both",
        ("ana", "ben"),
        T0,
        minutes(60),
    )
    assert seconds(both) == tuple(a + b for a, b in zip(seconds(ana), seconds(ben), strict=True))
    other = measure_occupancy([work("c1", 0, 10)], start=minutes(0), end=minutes(30))
    for parts, field in [([ana, other.agents["ana"]], "start"), ([ana, ana], "agent_ids")]:
        with pytest.raises(InvalidInput) as caught:
            Occupancy.combine("x", parts)
        assert caught.value.field == field
    with pytest.raises(InvalidInput):
        Occupancy.combine("x", [])


# -- invariants ----------------------------------------------------------------------------

AGENTS = ("ana", "ben", "cy")
CHANNELS = ("phone", "chat", "email", "whatsapp")


WORK = st.lists(
    work_spans(
        agents=AGENTS,
        channels=CHANNELS,
        last_start=300,
        longest=90,
        longest_wrap_up=10,
        items=1000,
    ),
    max_size=25,
)
PRESENCE = st.one_of(
    st.none(),
    st.lists(presence_spans(agents=AGENTS, first_start=-30, last_start=330), max_size=12),
)
WINDOW = st.tuples(st.integers(-20, 320), st.integers(1, 400))


def reference(
    spans: Sequence[WorkSpan],
    presence: Sequence[PresenceSpan] | None,
    agent: str,
    start: datetime,
    end: datetime,
) -> tuple[Fraction, Fraction, Fraction, Fraction]:
    """The four totals by brute force: every elementary interval checked against every span."""
    mine = [s for s in spans if s.agent_id == agent]
    states = [p for p in presence or () if p.agent_id == agent]
    cuts = {start, end}
    cuts.update(t for s in mine for t in (s.start, s.busy_until) if start < t < end)
    cuts.update(t for p in states for t in (p.start, p.end) if start < t < end)
    totals = [Fraction(0)] * 4
    ordered = sorted(cuts)
    for a, b in itertools.pairwise(ordered):
        length = Fraction((b - a) // timedelta(microseconds=1), 10**6)
        held = [s for s in mine if s.start <= a and s.busy_until >= b]
        here = [p for p in states if p.start <= a and p.end >= b]
        duty = presence is None or any(p.on_duty for p in here)
        login = presence is None or any(p.logged_in for p in here)
        totals[0] += length if held else 0
        totals[1] += length * min(Fraction(1), sum((s.load for s in held), Fraction(0)))
        totals[2] += length if held or duty else 0
        totals[3] += length if held or login else 0
    return totals[0], totals[1], totals[2], totals[3]


@settings(max_examples=150, deadline=None)
@given(WORK, PRESENCE, WINDOW)
def test_the_totals_match_a_brute_force_count(
    spans: list[WorkSpan], presence: list[PresenceSpan] | None, window: tuple[int, int]
) -> None:
    start, end = minutes(window[0]), minutes(window[0] + window[1])
    report = measure_occupancy(spans, presence, start=start, end=end, agents=AGENTS)
    for agent in AGENTS:
        assert seconds(report.agents[agent]) == reference(spans, presence, agent, start, end)


@settings(max_examples=150, deadline=None)
@given(WORK, PRESENCE, WINDOW)
def test_every_share_is_between_0_and_1_and_busy_time_fits_the_window(
    spans: list[WorkSpan], presence: list[PresenceSpan] | None, window: tuple[int, int]
) -> None:
    start, end = minutes(window[0]), minutes(window[0] + window[1])
    report = measure_occupancy(spans, presence, start=start, end=end, teams={"t": AGENTS[:2]})
    length = Fraction(window[1] * MINUTE)
    for result in [*report.agents.values(), *report.teams.values(), report.total]:
        for ratio in (result.occupancy, result.load, result.utilisation):
            assert 0 <= ratio.value <= 1
        per_agent = length * len(result.agent_ids)
        assert result.load_seconds <= result.busy_seconds <= result.on_duty_seconds
        assert result.on_duty_seconds <= result.logged_in_seconds <= per_agent


@settings(max_examples=100, deadline=None)
@given(WORK, PRESENCE, WINDOW, st.randoms(use_true_random=False))
def test_the_order_of_spans_does_not_matter(
    spans: list[WorkSpan],
    presence: list[PresenceSpan] | None,
    window: tuple[int, int],
    rng: random.Random,
) -> None:
    start, end = minutes(window[0]), minutes(window[0] + window[1])
    before = measure_occupancy(spans, presence, start=start, end=end)
    rng.shuffle(spans)
    if presence is not None:
        rng.shuffle(presence)
    assert measure_occupancy(spans, presence, start=start, end=end) == before


@settings(max_examples=150, deadline=None)
@given(WORK, PRESENCE, WINDOW, st.floats(0.01, 0.99))
def test_splitting_the_window_splits_every_total(
    spans: list[WorkSpan],
    presence: list[PresenceSpan] | None,
    window: tuple[int, int],
    cut: float,
) -> None:
    start, end = minutes(window[0]), minutes(window[0] + window[1])
    middle = start + (end - start) * cut
    whole, first, second = (
        measure_occupancy(spans, presence, start=a, end=b, agents=AGENTS, teams={"t": AGENTS})
        for a, b in [(start, end), (start, middle), (middle, end)]
    )
    for agent in AGENTS:
        halves = zip(seconds(first.agents[agent]), seconds(second.agents[agent]), strict=True)
        assert seconds(whole.agents[agent]) == tuple(a + b for a, b in halves)
    halves = zip(seconds(first.teams["t"]), seconds(second.teams["t"]), strict=True)
    assert seconds(whole.teams["t"]) == tuple(a + b for a, b in halves)
