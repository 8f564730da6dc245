"""Overload detection: each rule by hand, against a brute-force count, and on real calls."""

from __future__ import annotations

import csv
import math
import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicontext.errors import InvalidInput
from omnicontext.model import Call
from omnicontext.routing.capacity import CapacityProfile, ChannelCapacity
from omnicontext.testing.factories import T0, minutes
from omnicontext.workload.activity import PresenceSpan, WorkSpan, spans_from_interactions
from omnicontext.workload.occupancy import measure_occupancy
from omnicontext.workload.overload import AlertKind, OverloadAlert, OverloadRules, detect_overload

from .spans import presence_spans, work_spans

PROFILE = CapacityProfile.default()
ONLY_LIMITS = OverloadRules(sustained_load=None, max_stretch=None)
"""Rules with the sustained-load and no-break checks off."""


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


def calls(*bounds: tuple[float, float]) -> list[WorkSpan]:
    return [work(f"call{i}", a, b, "phone") for i, (a, b) in enumerate(bounds)]


def brief(alerts: Sequence[OverloadAlert]) -> list[tuple[object, ...]]:
    """(kind, start minute, end minute, figure, items) of each alert."""
    return [
        (
            a.kind.value,
            (a.start - T0) / timedelta(minutes=1),
            (a.end - T0) / timedelta(minutes=1),
            a.figure,
            " ".join(a.item_ids),
        )
        for a in alerts
    ]


# -- sustained load ------------------------------------------------------------------------


def test_an_hour_of_back_to_back_calls_is_sustained_load() -> None:
    spans = calls(*((i * 10, i * 10 + 10) for i in range(6)))
    [alert] = detect_overload(spans, rules=OverloadRules(max_stretch=None))
    assert alert.kind is AlertKind.SUSTAINED_LOAD
    assert (alert.start, alert.end) == (minutes(0), minutes(60))
    assert (alert.figure, alert.threshold, alert.window) == (
        Fraction(1),
        Fraction(9, 10),
        timedelta(hours=1),
    )
    assert alert.item_ids == tuple(f"call{i}" for i in range(6))


@pytest.mark.parametrize(("busy", "alerted"), [(53, False), (54, True), (55, True)])
def test_the_threshold_is_reached_at_nine_tenths_of_the_window(busy: int, alerted: bool) -> None:
    chats = [work(f"chat{i}", 0, busy) for i in range(3)]
    alerts = detect_overload(chats, rules=OverloadRules(max_stretch=None))
    assert [a.figure for a in alerts] == ([Fraction(busy, 60)] if alerted else [])


def test_load_not_busy_time_is_what_is_sustained() -> None:
    emails = [work(f"mail{i}", 0, 120, "email") for i in range(8)]
    assert detect_overload(emails, rules=OverloadRules(max_stretch=None)) == []
    rules = OverloadRules(sustained_load="4/5", max_stretch=None)
    [alert] = detect_overload(emails, rules=rules)
    assert (alert.figure, alert.start, alert.end) == (Fraction(4, 5), minutes(0), minutes(120))


@pytest.mark.parametrize(
    ("second_burst", "merged"), [(99, True), (100, False), (101, False), (130, False)]
)
def test_windows_that_overlap_make_one_alert(second_burst: int, merged: bool) -> None:
    """Load 1 for 40 min reaches half of a 60 min window for windows ending 30 to 70;
    a second burst at ``s`` for windows ending ``s + 30`` to ``s + 70``, which start
    at ``s - 30``: before 70, the windows overlap."""
    spans = calls((0, 40), (second_burst, second_burst + 40))
    alerts = detect_overload(spans, rules=OverloadRules(sustained_load="1/2", max_stretch=None))
    if merged:
        assert brief(alerts) == [
            ("sustained_load", 0, second_burst + 40, Fraction(2, 3), "call0 call1")
        ]
    else:
        assert brief(alerts) == [
            ("sustained_load", 0, 40, Fraction(2, 3), "call0"),
            ("sustained_load", second_burst, second_burst + 40, Fraction(2, 3), "call1"),
        ]


# -- concurrency and capacity --------------------------------------------------------------


def test_more_chats_than_the_limit_is_concurrency_and_over_capacity() -> None:
    spans = [work("c0", 0, 20), work("c1", 1, 20), work("c2", 2, 20), work("c3", 3, 10)]
    spans.append(work("c4", 15, 25))
    assert brief(detect_overload(spans, rules=ONLY_LIMITS)) == [
        ("concurrency", 3, 10, 4, "c0 c1 c2 c3"),
        ("over_capacity", 3, 10, Fraction(4, 3), "c0 c1 c2 c3"),
        ("concurrency", 15, 20, 4, "c0 c1 c2 c4"),
        ("over_capacity", 15, 20, Fraction(4, 3), "c0 c1 c2 c4"),
    ]


def test_work_given_to_someone_on_a_call_is_over_capacity() -> None:
    spans = [work("call", 0, 10, "phone"), work("mail", 5, 30, "email")]
    [alert] = detect_overload(spans, rules=ONLY_LIMITS)
    assert brief([alert]) == [("over_capacity", 5, 10, Fraction(11, 10), "call mail")]
    assert (alert.threshold, alert.channel) == (Fraction(1), None)


def test_a_call_answered_during_another_calls_wrap_up_breaks_both_rules() -> None:
    spans = [work("c1", 0, 10, "phone", wrap_up_end=minutes(12)), work("c2", 11, 20, "phone")]
    alerts = detect_overload(spans, rules=ONLY_LIMITS)
    assert brief(alerts) == [
        ("concurrency", 11, 12, 2, "c1 c2"),
        ("over_capacity", 11, 12, 2, "c1 c2"),
    ]
    assert alerts[0].channel == "phone"
    assert alerts[0].threshold == 1


def test_excesses_shorter_than_the_grace_are_ignored() -> None:
    spans = [work("c1", 0, 10.5, "phone"), work("c2", 10, 20, "phone")]
    assert len(detect_overload(spans, rules=ONLY_LIMITS)) == 2
    lenient = attrs.evolve(ONLY_LIMITS, concurrency_grace=timedelta(seconds=30))
    assert len(detect_overload(spans, rules=lenient)) == 2
    lenient = attrs.evolve(ONLY_LIMITS, concurrency_grace=timedelta(seconds=31))
    assert detect_overload(spans, rules=lenient) == []


def test_a_channel_without_a_limit_is_held_to_capacity_only() -> None:
    profile = CapacityProfile(channels={"chat": ChannelCapacity(units="1/5")})
    spans = [work(f"c{i}", 0, 10) for i in range(4)]  # four thirds, but no limit
    rules = attrs.evolve(ONLY_LIMITS, profile=profile)
    assert [a.kind for a in detect_overload(spans, rules=rules)] == [AlertKind.OVER_CAPACITY]


def test_agents_are_checked_apart() -> None:
    spans = [work("c1", 0, 10, "phone"), work("c2", 0, 10, "phone", agent_id="ben")]
    assert detect_overload(spans, rules=ONLY_LIMITS) == []


# -- breaks --------------------------------------------------------------------------------


def test_three_hours_of_calls_with_short_gaps_is_no_break() -> None:
    spans = calls(*((i * 20, i * 20 + 10) for i in range(9)))  # 0-170, gaps of 10 min
    rules = OverloadRules(sustained_load=None)
    [alert] = detect_overload(spans, rules=rules)
    assert brief([alert])[0][:4] == ("no_break", 0, 170, 170 * 60)
    assert alert.threshold == 150 * 60
    assert len(alert.spans) == 9


def test_a_gap_as_long_as_the_shortest_break_is_a_break() -> None:
    spans = calls((0, 100), (115, 200))
    assert detect_overload(spans, rules=OverloadRules(sustained_load=None)) == []
    spans = calls((0, 100), (114, 200))
    assert len(detect_overload(spans, rules=OverloadRules(sustained_load=None))) == 1


@pytest.mark.parametrize(
    ("between", "alerted"),
    [
        ([("available", 100, 120)], True),
        ([("busy", 100, 120)], True),
        ([("away", 100, 110), ("available", 110, 120)], True),
        ([("away", 100, 115), ("available", 115, 120)], False),
        ([("offline", 100, 115), ("available", 115, 120)], False),
        ([], False),
    ],
)
def test_with_presence_idle_time_on_duty_is_no_break(
    between: list[tuple[str, int, int]], alerted: bool
) -> None:
    """Available 0-100 and 120-200, calls at 0-10 and 190-200; what happens
    between 100 and 120 decides (no presence span there counts as offline)."""
    states = [state("available", 0, 100), state("available", 120, 200)]
    states += [state(presence, a, b) for presence, a, b in between]
    alerts = detect_overload(calls((0, 10), (190, 200)), states, rules=OverloadRules())
    assert [(a.kind.value, a.item_ids) for a in alerts] == (
        [("no_break", ("call0", "call1"))] if alerted else []
    )


def test_work_during_a_break_interrupts_it() -> None:
    states = [state("available", 0, 100), state("away", 100, 120), state("available", 120, 200)]
    spans = calls((0, 10), (105, 110), (190, 200))
    [alert] = detect_overload(spans, states, rules=OverloadRules(sustained_load=None))
    assert brief([alert]) == [("no_break", 0, 200, 200 * 60, "call0 call1 call2")]


def test_an_agent_on_duty_with_no_work_gets_an_alert_without_items() -> None:
    [alert] = detect_overload([], [state("available", 0, 180)])
    assert (alert.kind, alert.spans, alert.agent_id) == (AlertKind.NO_BREAK, (), "ana")
    assert alert.describe().endswith("; no items held")


# -- rules, descriptions, order ------------------------------------------------------------


def test_rules_read_thresholds_as_exact_fractions() -> None:
    assert OverloadRules(sustained_load=0.9).sustained_load == Fraction(9, 10)
    assert OverloadRules(sustained_load="17/20").sustained_load == Fraction(17, 20)
    assert OverloadRules(sustained_load=1).sustained_load == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sustained_load", 0),
        ("sustained_load", 1.01),
        ("sustained_load", "most"),
        ("sustained_load", True),
        ("sustained_window", timedelta(0)),
        ("sustained_window", 60),
        ("profile", {"chat": 3}),
        ("concurrency_grace", timedelta(seconds=-1)),
        ("max_stretch", timedelta(0)),
        ("min_break", timedelta(minutes=-5)),
        ("min_break", None),
    ],
)
def test_bad_rules_name_the_field(field: str, value: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        OverloadRules(**{field: value})
    assert (caught.value.subject, caught.value.field) == ("overload rules", field)


def test_every_bad_rule_is_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        OverloadRules(sustained_load=2, min_break=timedelta(0), max_stretch=timedelta(0))
    assert [e.field for e in caught.value.errors] == ["sustained_load", "max_stretch", "min_break"]


def test_descriptions_say_who_what_against_what_when_and_on_what() -> None:
    paris = ZoneInfo("Europe/Paris")
    day = [work(f"call{i}", i * 10, i * 10 + 10, "phone") for i in range(18)]
    day = [attrs.evolve(s, start=s.start.astimezone(paris)) for s in day]
    day += [work("mail", 175, 185, "email")]
    texts = [a.describe() for a in detect_overload(day)]
    assert texts == [
        "ana: load averaged 100% over 1 h (threshold 90%) from 2026-01-05 10:00:00 CET "
        "to 13:05:00; items call0, call1, call2, call3, call4, call5, call6, call7 and 11 more",
        "ana: 3 h 5 min on duty without a break (limit 2 h 30 min) from 2026-01-05 "
        "10:00:00 CET to 13:05:00; items call0, call1, call2, call3, call4, call5, call6, "
        "call7 and 11 more",
        "ana: work adding up to 110% of capacity (limit 100%) from 2026-01-05 12:55:00 CET "
        "to 13:00:00; items call17, mail",
    ]


def test_a_description_across_midnight_gives_both_dates() -> None:
    alert = OverloadAlert(
        agent_id="ana",
        kind=AlertKind.CONCURRENCY,
        start=minutes(-60),
        end=minutes(24 * 60 + 0.5),
        figure=Fraction(2),
        threshold=Fraction(1),
        channel="phone",
    )
    assert alert.describe() == (
        "ana: 2 phone items at once (limit 1) from 2026-01-05 08:00:00 UTC "
        "to 2026-01-06 09:00:30; no items held"
    )


def test_alerts_come_in_time_order() -> None:
    spans = [work("late", 100, 110, "phone"), work("late2", 105, 110, "phone")]
    spans += [
        work("early", 0, 10, "phone", agent_id="zed"),
        work("e2", 5, 6, "phone", agent_id="zed"),
    ]
    alerts = detect_overload(spans, rules=ONLY_LIMITS)
    assert [(a.agent_id, a.kind.value) for a in alerts] == [
        ("zed", "concurrency"),
        ("zed", "over_capacity"),
        ("ana", "concurrency"),
        ("ana", "over_capacity"),
    ]


# -- against a brute-force count -----------------------------------------------------------

AGENTS = ("ana", "ben")
CHANNELS = ("phone", "chat", "email")


WORK = st.lists(
    work_spans(
        agents=AGENTS,
        channels=CHANNELS,
        last_start=240,
        longest=80,
        longest_wrap_up=5,
        items=100,
    ),
    max_size=30,
)
PRESENCE = st.one_of(
    st.none(), st.lists(presence_spans(agents=AGENTS, first_start=0, last_start=300), max_size=10)
)
RULES = st.builds(
    OverloadRules,
    sustained_load=st.sampled_from([None, "1/2", "3/4", "9/10", 1]),
    sustained_window=st.sampled_from([timedelta(minutes=m) for m in (15, 30, 60)]),
    max_stretch=st.sampled_from([None, timedelta(minutes=45), timedelta(minutes=90)]),
    min_break=st.sampled_from([timedelta(minutes=m) for m in (1, 5, 15)]),
)
GRID = range(-60, 480)
"""Every minute the strategies above can touch (all their times are whole minutes)."""


def holding(spans: Sequence[WorkSpan], agent: str, minute: int) -> list[WorkSpan]:
    at = minutes(minute)
    return [s for s in spans if s.agent_id == agent and s.start <= at < s.busy_until]


def flagged(alerts: Sequence[OverloadAlert], agent: str, kind: AlertKind, **what: Any) -> set[int]:
    """The minutes inside alerts of ``kind`` for ``agent``."""
    return {
        m
        for a in alerts
        if a.agent_id == agent
        and a.kind is kind
        and all(getattr(a, k) == v for k, v in what.items())
        for m in GRID
        if a.start <= minutes(m) < a.end
    }


@settings(max_examples=200, deadline=None)
@given(WORK, RULES)
def test_concurrency_and_capacity_alerts_cover_exactly_the_minutes_over_the_limit(
    spans: list[WorkSpan], rules: OverloadRules
) -> None:
    alerts = detect_overload(spans, rules=rules)
    for agent in AGENTS:
        held = {m: holding(spans, agent, m) for m in GRID}
        over = {m for m in GRID if sum(s.load for s in held[m]) > 1}
        assert flagged(alerts, agent, AlertKind.OVER_CAPACITY) == over
        for channel in CHANNELS:
            limit = PROFILE.spec(channel).limit or 0
            crowded = {m for m in GRID if sum(s.channel == channel for s in held[m]) > limit}
            assert flagged(alerts, agent, AlertKind.CONCURRENCY, channel=channel) == crowded
    for alert in alerts:
        if alert.kind in (AlertKind.CONCURRENCY, AlertKind.OVER_CAPACITY):
            assert alert.figure > alert.threshold
            during = [s for s in spans if s.agent_id == alert.agent_id]
            overlapping = {
                s.item_id
                for s in during
                if s.start < s.busy_until
                and s.start < alert.end
                and s.busy_until > alert.start
                and alert.channel in (None, s.channel)
            }
            assert set(alert.item_ids) == overlapping


@settings(max_examples=200, deadline=None)
@given(WORK, RULES)
def test_sustained_load_alerts_iff_some_window_averages_the_threshold(
    spans: list[WorkSpan], rules: OverloadRules
) -> None:
    alerts = detect_overload(spans, rules=rules)
    width = int(rules.sustained_window / timedelta(minutes=1))
    for agent in AGENTS:
        load = {m: min(Fraction(1), sum(s.load for s in holding(spans, agent, m))) for m in GRID}
        before = {GRID[0]: Fraction(0)}  # load integrated up to each minute
        for m in GRID[1:]:
            before[m] = before[m - 1] + load[m - 1]
        # The rolling average is linear between whole minutes here, so its
        # highest value is at a whole minute.
        best = max(before[t] - before[t - width] for t in GRID[width:]) / width
        mine = [a for a in alerts if a.agent_id == agent and a.kind is AlertKind.SUSTAINED_LOAD]
        if rules.sustained_load is None or best < rules.sustained_load:
            assert mine == []
        else:
            assert max(a.figure for a in mine) == best
            for alert in mine:
                assert alert.figure >= alert.threshold == rules.sustained_load
                # Shown from the first instant with load to the last.
                assert load[int((alert.start - T0) / timedelta(minutes=1))] > 0
                assert load[math.ceil((alert.end - T0) / timedelta(minutes=1)) - 1] > 0


@settings(max_examples=200, deadline=None)
@given(WORK, PRESENCE, RULES)
def test_no_break_alerts_are_the_long_stretches_between_breaks(
    spans: list[WorkSpan], presence: list[PresenceSpan] | None, rules: OverloadRules
) -> None:
    alerts = detect_overload(spans, presence, rules=rules)
    shortest = int(rules.min_break / timedelta(minutes=1))
    for agent in AGENTS:
        states = [p for p in presence or () if p.agent_id == agent]
        duty = [
            m
            for m in GRID
            if holding(spans, agent, m)
            or any(p.on_duty and p.start <= minutes(m) < p.end for p in states)
        ]
        stretches: list[list[int]] = []
        for m in duty:
            if stretches and m - stretches[-1][1] - 1 < shortest:
                stretches[-1][1] = m
            else:
                stretches.append([m, m])
        expected = [
            (a, b + 1)
            for a, b in stretches
            if rules.max_stretch is not None and timedelta(minutes=b + 1 - a) > rules.max_stretch
        ]
        found = [
            (int((a.start - T0) / timedelta(minutes=1)), int((a.end - T0) / timedelta(minutes=1)))
            for a in alerts
            if a.agent_id == agent and a.kind is AlertKind.NO_BREAK
        ]
        assert found == expected


@settings(max_examples=100, deadline=None)
@given(WORK, PRESENCE, RULES, st.randoms(use_true_random=False))
def test_the_order_of_spans_does_not_matter(
    spans: list[WorkSpan],
    presence: list[PresenceSpan] | None,
    rules: OverloadRules,
    rng: random.Random,
) -> None:
    before = detect_overload(spans, presence, rules=rules)
    rng.shuffle(spans)
    if presence is not None:
        rng.shuffle(presence)
    after = detect_overload(spans, presence, rules=rules)
    assert [attrs.evolve(a, spans=()) for a in after] == [
        attrs.evolve(a, spans=()) for a in before
    ]
    assert [sorted(map(id, a.spans)) for a in after] == [sorted(map(id, a.spans)) for a in before]


# -- real calls ----------------------------------------------------------------------------

CALLS = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CALLS = CALLS / "anonymous_bank_calls_1999_02.tsv"
# The bank's clock times are local; the data set says the bank is Israeli.
BANK_ZONE = ZoneInfo("Asia/Jerusalem")


def bank_calls() -> list[Call]:
    """Every call an agent served in February 1999, as call records, in time order.

    Rows whose service ends before it starts (a few, around midnight) are left out.
    """
    if not CALLS.exists():
        pytest.skip(f"real data not present at {CALLS}")

    def at(day: date, clock: str) -> datetime:
        h, m, s = map(int, clock.split(":"))
        return datetime.combine(day, time(h, m, s), BANK_ZONE)

    records = []
    with CALLS.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["outcome"] != "AGENT" or row["server"] == "NO_SERVER":
                continue
            day = datetime.strptime(row["date"], "%y%m%d").date()
            answered, ended = at(day, row["ser_start"]), at(day, row["ser_exit"])
            if ended < answered:
                continue
            records.append(
                Call(
                    id=f"bank-{row['call_id']}",
                    occurred_at=min(at(day, row["vru_entry"]), answered),
                    channel="phone",
                    customer_id=f"bank-{row['customer_id']}",
                    actor="customer",
                    direction="inbound",
                    answered_at=answered,
                    ended_at=ended,
                    agent_id=row["server"].lower(),
                )
            )
    records.sort(key=lambda c: (c.occurred_at, c.id))
    return records


def test_a_month_of_real_calls() -> None:
    """The served calls of a month at a bank's call centre become phone work;
    every moment an agent served two callers at once is flagged, and nothing else."""
    records = bank_calls()
    spans = list(spans_from_interactions(records))
    assert len(spans) == len(records) > 25_000
    assert all(s.exclusive and s.units == 1 and s.wrap_up_end is None for s in spans)

    alerts = detect_overload(spans, rules=ONLY_LIMITS)
    by_agent: dict[str, list[WorkSpan]] = defaultdict(list)
    for span in spans:
        by_agent[span.agent_id].append(span)
    doubled: set[tuple[str, datetime]] = set()
    for agent, own in by_agent.items():
        own.sort(key=lambda s: s.start)
        latest = own[0].end
        for span in own[1:]:
            if span.start < min(latest, span.end):
                doubled.add((agent, span.start))
            latest = max(latest, span.end)
    assert len(doubled) > 100  # the data has such moments: transfers, or clock errors
    concurrency = [a for a in alerts if a.kind is AlertKind.CONCURRENCY]
    assert {a.kind for a in alerts} == {AlertKind.CONCURRENCY, AlertKind.OVER_CAPACITY}
    assert len(concurrency) * 2 == len(alerts)
    # Every overlapping start falls inside an alert of its agent, and every alert
    # starts at one.
    starts = {(a.agent_id, a.start) for a in concurrency}
    assert starts <= doubled
    for agent, start in doubled:
        assert any(a.agent_id == agent and a.start <= start < a.end for a in concurrency), (
            agent,
            start,
        )

    # Occupancy of one day: calls are exclusive, so load time equals busy time.
    first = datetime(1999, 2, 1, tzinfo=BANK_ZONE)
    report = measure_occupancy(spans, start=first, end=first + timedelta(days=1))
    assert 10 <= len(report.agents) <= 30
    assert report.total.busy_seconds > 0
    for result in report.agents.values():
        assert result.load_seconds == result.busy_seconds
        assert 0 <= result.occupancy.value < 1
