"""A slow, plain reading of the KPI definitions, to check the engine against.

Everything here is written from the definitions in the KPI guide, not from the
engine: drop repeated ids (the first one wins), group by case, sort each
case's interactions by ``(occurred_at, id)``, work out each case's facts with
plain loops, then add the facts up overall and by channel into dicts of plain
numbers. Time metrics keep their sorted values, so a test can compare means,
medians and 90th percentiles, and look at the extremes too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from omnicontext.model import BUILTIN_CHANNELS

Span = Callable[[datetime, datetime], float]
"""Seconds between two instants: calendar time, or the opening time between them."""

LIVE_CHANNELS = frozenset(name for name in BUILTIN_CHANNELS if BUILTIN_CHANNELS[name].is_live)
REPEAT_GAP = timedelta(minutes=30)
REPEAT_WINDOW = timedelta(days=7)


def calendar_seconds(start: datetime, end: datetime) -> float:
    """Plain elapsed seconds."""
    return (end - start).total_seconds()


def quantile(ordered: list[float], q: float) -> float | None:
    """Linear interpolation between the values around rank ``q * (n - 1)``."""
    if not ordered:
        return None
    rank = q * (len(ordered) - 1)
    below = int(rank)
    if below == len(ordered) - 1:
        return ordered[below]
    weight = rank - below
    return ordered[below] * (1 - weight) + ordered[below + 1] * weight


def summary(values: list[float]) -> dict[str, float | None]:
    """Mean, median and 90th percentile of some values (``None`` for none)."""
    ordered = sorted(values)
    if not ordered:
        return {"mean": None, "median": None, "p90": None}
    total = 0.0
    for value in ordered:
        total += value
    return {
        "mean": total / len(ordered),
        "median": quantile(ordered, 0.5),
        "p90": quantile(ordered, 0.9),
    }


@dataclass
class CaseFacts:
    """What one case contributes, in plain values."""

    case_id: str
    channel: str
    proactive: bool
    start: datetime | None = None
    first_response: float | None = None
    first_resolution: float | None = None
    full_resolution: float | None = None
    solved: bool = False
    reopened: bool = False
    fcr: bool = False
    responses: int = 0
    switched: bool = False
    repeat: bool = False
    live: bool = False
    within: bool = False
    abandoned: bool = False
    sla: bool | None = None
    surveys: list[tuple[str, int]] = field(default_factory=list)


def new_slice() -> dict[str, Any]:
    """An empty set of sums for one slice (overall, or one channel)."""
    return {
        "volume": 0,
        "csat_n": 0,
        "csat_good": 0,
        "promoters": 0,
        "passives": 0,
        "detractors": 0,
        "frt": [],
        "frt_open": 0,
        "first": [],
        "first_open": 0,
        "full": [],
        "full_open": 0,
        "solved": 0,
        "fcr": 0,
        "reopened": 0,
        "aht": [],
        "aht_open": 0,
        "live": 0,
        "within": 0,
        "abandoned": 0,
        "sla_n": 0,
        "sla_met": 0,
        "switched": 0,
        "responded": 0,
        "repeat": 0,
    }


@dataclass
class Reference:
    """The expected numbers: overall, by channel, and each case's facts."""

    overall: dict[str, Any]
    by_channel: dict[str, dict[str, Any]]
    cases: dict[str, CaseFacts]
    interactions: int
    duplicates: int
    volume: int
    proactive: int
    start: datetime | None
    end: datetime | None
    as_of: datetime | None


def is_customer_contact(item: Any) -> bool:
    """An inbound customer message or an inbound call placed by the customer."""
    if item.type not in ("message", "call"):
        return False
    return item.actor == "customer" and item.direction == "inbound"


def response_times(items: list[Any]) -> list[datetime]:
    """When a human agent answered: agent messages, agent-placed calls (when placed),
    and other calls an agent took (when answered)."""
    times = []
    for item in items:
        if item.type == "message":
            if item.actor == "agent" and item.direction == "outbound":
                times.append(item.occurred_at)
        elif item.type == "call":
            if item.direction == "outbound" and item.actor == "agent":
                times.append(item.occurred_at)  # placing the call, like sending a message
            elif item.answered_at is not None and item.agent_id is not None:
                times.append(item.answered_at)  # an agent took it (a customer's, or a dialer's)
    return times


def sla_verdict(
    targets: tuple[float | None, float | None],
    start: datetime,
    first_response: float | None,
    first_resolution: float | None,
    as_of: datetime,
    span: Span,
) -> bool | None:
    """True: met every target; False: missed one (or is overdue); None: not known yet."""
    elapsed = span(start, as_of) if as_of > start else 0.0
    missed = False
    unknown = False
    for limit, took in zip(targets, (first_response, first_resolution), strict=True):
        if limit is None:
            continue
        if took is not None:
            if took > limit:
                missed = True
        elif elapsed > limit:
            missed = True
        else:
            unknown = True
    if missed:
        return False
    if unknown:
        return None
    return True


def case_facts(
    case_id: str,
    items: list[Any],
    *,
    as_of: datetime,
    span: Span,
    threshold: float,
    sla: tuple[float | None, float | None] | None,
) -> CaseFacts:
    """One case's facts; ``items`` are its interactions sorted by (occurred_at, id)."""
    contacts = [item for item in items if is_customer_contact(item)]
    surveys = []
    for item in items:
        if item.type == "survey":
            if item.csat is not None:
                surveys.append(("csat", item.csat))
            else:
                surveys.append(("nps", item.nps))
    if not contacts:
        return CaseFacts(case_id, items[0].channel, proactive=True, surveys=surveys)
    first = contacts[0]
    start = first.occurred_at
    facts = CaseFacts(case_id, first.channel, proactive=False, start=start, surveys=surveys)

    responses = response_times(items)
    facts.responses = len(responses)
    later = [t for t in responses if t >= start]
    first_response = min(later) if later else None
    if first_response is not None:
        facts.first_response = span(start, first_response)

    solves = [i.occurred_at for i in items if i.type == "status" and i.status == "solved"]
    solves = [t for t in solves if t >= start]
    reopens = [
        i.occurred_at for i in items if i.type == "status" and i.status in ("open", "pending")
    ]
    if solves:
        first_solve = min(solves)
        last_solve = max(solves)
        facts.solved = True
        facts.first_resolution = span(start, first_solve)
        facts.reopened = any(t > first_solve for t in reopens)
        if not any(t > last_solve for t in reopens):
            facts.full_resolution = span(start, last_solve)
        facts.fcr = facts.responses == 1 and not facts.reopened

    channels = set()
    for item in items:
        if item.type in ("message", "call"):
            channels.add(item.channel)
        elif item.type == "handoff":
            channels.add(item.from_channel)
            channels.add(item.to_channel)
    facts.switched = len(channels) > 1

    if responses:
        for contact in contacts:
            before = [t for t in responses if t <= contact.occurred_at]
            if before:
                gap = contact.occurred_at - max(before)
                if REPEAT_GAP <= gap <= REPEAT_WINDOW:
                    facts.repeat = True

    if first.type == "message" and first.channel in LIVE_CHANNELS:
        if first_response is not None:
            facts.live = True
            facts.within = (first_response - start).total_seconds() <= threshold
        elif (as_of - start).total_seconds() > threshold:
            facts.live = True
            facts.abandoned = True

    if sla is not None:
        facts.sla = sla_verdict(
            sla, start, facts.first_response, facts.first_resolution, as_of, span
        )
    return facts


def add_survey(sums: dict[str, Any], kind: str, score: int) -> None:
    """Count one survey answer."""
    if kind == "csat":
        sums["csat_n"] += 1
        if score >= 4:
            sums["csat_good"] += 1
    elif score >= 9:
        sums["promoters"] += 1
    elif score >= 7:
        sums["passives"] += 1
    else:
        sums["detractors"] += 1


def add_case(sums: dict[str, Any], facts: CaseFacts) -> None:
    """Count one case's facts into a slice."""
    for kind, score in facts.surveys:
        add_survey(sums, kind, score)
    if facts.proactive:
        return
    sums["volume"] += 1
    if facts.first_response is None:
        sums["frt_open"] += 1
    else:
        sums["frt"].append(facts.first_response)
    if facts.first_resolution is None:
        sums["first_open"] += 1
    else:
        sums["first"].append(facts.first_resolution)
    if facts.full_resolution is None:
        sums["full_open"] += 1
    else:
        sums["full"].append(facts.full_resolution)
    if facts.solved:
        sums["solved"] += 1
        sums["fcr"] += facts.fcr
        sums["reopened"] += facts.reopened
    sums["live"] += facts.live
    sums["within"] += facts.within
    sums["abandoned"] += facts.abandoned
    if facts.sla is not None:
        sums["sla_n"] += 1
        sums["sla_met"] += facts.sla
    sums["switched"] += facts.switched
    if facts.responses:
        sums["responded"] += 1
        sums["repeat"] += facts.repeat


def add_call(sums: dict[str, Any], call: Any, threshold: float, short_abandon: float) -> None:
    """Count one call's handle time and live contact."""
    if call.answered_at is not None and call.ended_at is not None:
        talk = (call.ended_at - call.answered_at).total_seconds()
        sums["aht"].append(talk + call.wrap_up_seconds)
    elif call.answered_at is not None:
        sums["aht_open"] += 1  # still talking: open, not dropped
    if call.direction != "inbound":
        return
    if call.answered_at is not None:
        sums["live"] += 1
        if (call.answered_at - call.occurred_at).total_seconds() <= threshold:
            sums["within"] += 1
    elif call.ended_at is not None:
        waited = (call.ended_at - call.occurred_at).total_seconds()
        if not waited < short_abandon:
            sums["live"] += 1
            sums["abandoned"] += 1


def call_counts(call: Any, short_abandon: float) -> bool:
    """Whether a call adds anything: a handle time (or an open one) or a live contact."""
    if call.answered_at is not None:
        return True
    if call.direction != "inbound" or call.ended_at is None:
        return False
    return (call.ended_at - call.occurred_at).total_seconds() >= short_abandon


def compute_reference(
    interactions: Iterable[Any],
    *,
    as_of: datetime | None = None,
    span: Span = calendar_seconds,
    threshold: float = 20.0,
    short_abandon: float = 0.0,
    sla: tuple[float | None, float | None] | None = None,
) -> Reference:
    """Every metric the definitions give for these interactions.

    ``sla`` is one ``(first_response, resolution)`` target in seconds for every
    case (either may be ``None``), or ``None`` for no SLA at all.
    """
    kept: list[Any] = []
    seen: set[str] = set()
    duplicates = 0
    for item in interactions:
        if item.id in seen:
            duplicates += 1
            continue
        seen.add(item.id)
        kept.append(item)

    start = min((i.occurred_at for i in kept), default=None)
    end = max((i.occurred_at for i in kept), default=None)
    if as_of is None:
        as_of = end

    by_case: dict[str, list[Any]] = {}
    for item in kept:
        if item.case_id is not None:
            by_case.setdefault(item.case_id, []).append(item)

    overall = new_slice()
    by_channel: dict[str, dict[str, Any]] = {}

    def slice_of(channel: str) -> dict[str, Any]:
        if channel not in by_channel:
            by_channel[channel] = new_slice()
        return by_channel[channel]

    cases: dict[str, CaseFacts] = {}
    for case_id, items in by_case.items():
        items.sort(key=lambda i: (i.occurred_at, i.id))
        assert as_of is not None
        facts = case_facts(case_id, items, as_of=as_of, span=span, threshold=threshold, sla=sla)
        cases[case_id] = facts
        add_case(overall, facts)
        add_case(slice_of(facts.channel), facts)

    for item in kept:
        if item.type == "survey" and item.case_id is None:
            kind, score = ("csat", item.csat) if item.csat is not None else ("nps", item.nps)
            add_survey(overall, kind, score)
            add_survey(slice_of(item.channel), kind, score)
        elif item.type == "call" and call_counts(item, short_abandon):
            add_call(overall, item, threshold, short_abandon)
            add_call(slice_of(item.channel), item, threshold, short_abandon)

    volume = sum(1 for facts in cases.values() if not facts.proactive)
    return Reference(
        overall=overall,
        by_channel=by_channel,
        cases=cases,
        interactions=len(kept),
        duplicates=duplicates,
        volume=volume,
        proactive=len(cases) - volume,
        start=start,
        end=end,
        as_of=as_of,
    )


def business_seconds(
    time_zone: str,
    hours: dict[int, list[tuple[int, int]]],
    holidays: Iterable[date],
    start: datetime,
    end: datetime,
) -> float:
    """Opening time between two instants, half an hour at a time.

    The calendar is open at an instant when the local wall clock reads a time
    inside one of that weekday's intervals (``hours`` maps Monday 0 to
    ``(open, close)`` seconds since midnight) and the local date is not a
    holiday. For opening hours on whole hours, in a zone whose offsets and
    changes fall on whole half hours, that is the same all through each half
    hour of UTC, so each one is looked at once, in its middle.
    """
    zone = ZoneInfo(time_zone)
    closed = set(holidays)
    total = 0.0
    cell = datetime.fromtimestamp(start.timestamp() // _CELL * _CELL, UTC)
    while cell < end:
        following = cell + timedelta(seconds=_CELL)
        low, high = max(start, cell), min(end, following)
        if high > low and _is_open(zone, hours, closed, cell + timedelta(seconds=_CELL / 2)):
            total += (high - low).total_seconds()
        cell = following
    return total


_CELL = 1_800


@functools.lru_cache(maxsize=65_536)
def _local(zone: ZoneInfo, at: datetime) -> datetime:
    return at.astimezone(zone)


def _is_open(
    zone: ZoneInfo, hours: dict[int, list[tuple[int, int]]], closed: set[date], at: datetime
) -> bool:
    local = _local(zone, at)
    if local.date() in closed:
        return False
    clock = local.hour * 3_600 + local.minute * 60 + local.second
    return any(opens <= clock < closes for opens, closes in hours.get(local.weekday(), []))
