"""A discrete-event simulator that drives the real routing dispatcher.

Contacts arrive, wait, are routed by :class:`~omnicontext.routing.Dispatcher`
under the scenario's queues and policies (the same objects a helpdesk runs),
are handled, wrapped up, or abandoned when the customer's patience runs out.
Agents come and go with their shifts and breaks. Everything is drawn from one
seed, and the arrivals with their handle times and patience are drawn before
any routing, so two variants of staffing or policy see the very same
customers (common random numbers).

>>> from datetime import datetime, timedelta, UTC
>>> from omnicontext.model import Agent
>>> from omnicontext.simulation import Exponential
>>> day = Scenario(
...     start=datetime(2026, 3, 2, 9, tzinfo=UTC),
...     traffic=[Traffic("phone", rates=[60.0], handle=Exponential(mean=120))],
...     staff=[Staff(Agent(id=f"ag{i}", channels=("phone",))) for i in range(3)],
...     seed=1,
... )
>>> result = simulate(day)
>>> result.offered, result.overall.service_level.n == result.offered
(73, True)
"""

from __future__ import annotations

import heapq
import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from omnicontext.errors import FieldError, InvalidInput
from omnicontext.kpi import Durations, Rate, occupancy_rate
from omnicontext.model import Agent
from omnicontext.routing import CapacityProfile, Dispatcher, Queue, WorkItem
from omnicontext.simulation.distributions import Distribution
from omnicontext.workload import (
    OverloadAlert,
    PresenceSpan,
    WorkSpan,
    detect_overload,
    measure_occupancy,
)

__all__ = [
    "Arrival",
    "ChannelResult",
    "Scenario",
    "Shift",
    "SimulationResult",
    "Staff",
    "Traffic",
    "generate_arrivals",
    "simulate",
]


def _floats(values: Iterable[float]) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


@attrs.frozen
class Traffic:
    """Contacts on one channel: Poisson arrivals at ``rates`` per hour, one rate
    per interval of the scenario, each handled for a ``handle`` time.

    ``patience`` is how long a customer waits before hanging up (``None``:
    forever); ``wrap_up`` the after-contact work (``None``: the agent's
    profile decides). ``skills`` are the item's required skills; ``queue`` the
    dispatcher queue it joins.
    """

    channel: str
    rates: tuple[float, ...] = attrs.field(converter=_floats)
    handle: Distribution
    patience: Distribution | None = None
    wrap_up: Distribution | None = None
    skills: Mapping[str, int] = attrs.field(factory=dict)
    queue: str = "default"

    def __attrs_post_init__(self) -> None:
        bad = [
            FieldError(f"rates[{i}]", r, "must be arrivals per hour >= 0")
            for i, r in enumerate(self.rates)
            if not (math.isfinite(r) and r >= 0)
        ]
        if not self.rates:
            bad.append(FieldError("rates", [], "needs one rate per interval"))
        if bad:
            raise InvalidInput(f"traffic on {self.channel}", bad)


@attrs.frozen
class Shift:
    """When an agent works, as offsets from the scenario's start, and their breaks
    (each ``(start, end)`` within the shift), during which they are away."""

    start: timedelta
    end: timedelta
    breaks: tuple[tuple[timedelta, timedelta], ...] = ()

    def __attrs_post_init__(self) -> None:
        errors = []
        if self.end <= self.start:
            errors.append(FieldError("end", self.end, f"must be after start {self.start}"))
        for i, (a, b) in enumerate(self.breaks):
            if not self.start <= a < b <= self.end:
                errors.append(FieldError(f"breaks[{i}]", (a, b), "must lie within the shift"))
        if errors:
            raise InvalidInput("shift", errors)


@attrs.frozen
class Staff:
    """One agent of the roster: who they are (channels and skills), their
    capacity ``profile`` (default: the dispatcher's), their ``shifts``
    (default: on from the start until every customer is served), and the
    ``team`` they belong to."""

    agent: Agent
    profile: CapacityProfile | None = None
    shifts: tuple[Shift, ...] = ()
    team: str | None = None
    """The team whose occupancy the agent counts in (``None``: no team)."""


@attrs.frozen
class Arrival:
    """One customer contact, with everything chance decides about it drawn in advance."""

    id: str
    channel: str
    at: datetime
    handle_seconds: float
    patience_seconds: float | None = None
    wrap_up_seconds: float | None = None
    skills: Mapping[str, int] = attrs.field(factory=dict)
    queue: str = "default"


def _tuple_of_traffic(values: Iterable[Traffic]) -> tuple[Traffic, ...]:
    return tuple(values)


def _tuple_of_staff(values: Iterable[Staff]) -> tuple[Staff, ...]:
    return tuple(values)


def _tuple_of_queues(values: Iterable[Queue]) -> tuple[Queue, ...]:
    return tuple(values)


@attrs.frozen
class Scenario:
    """A day (or any stretch) to simulate.

    ``interval`` is the length of each rate of the traffic profiles (one hour
    by default); the arrivals stop after the longest profile, and the work
    under way is then finished. ``seed`` makes a run reproducible exactly.
    """

    start: datetime
    traffic: tuple[Traffic, ...] = attrs.field(converter=_tuple_of_traffic)
    staff: tuple[Staff, ...] = attrs.field(converter=_tuple_of_staff)
    queues: tuple[Queue, ...] = attrs.field(default=(), converter=_tuple_of_queues)
    interval: timedelta = timedelta(hours=1)
    seed: int = 0
    service_level_seconds: float = 20.0

    def __attrs_post_init__(self) -> None:
        errors = []
        if self.start.tzinfo is None or self.start.utcoffset() is None:
            errors.append(FieldError("start", self.start, "must be timezone-aware"))
        if self.interval <= timedelta(0):
            errors.append(FieldError("interval", self.interval, "must be positive"))
        known = {q.name for q in self.queues} or {"default"}
        for i, traffic in enumerate(self.traffic):
            if traffic.queue not in known:
                errors.append(
                    FieldError(
                        f"traffic[{i}].queue",
                        traffic.queue,
                        f"no such queue; known: {sorted(known)}",
                    )
                )
        ids = [s.agent.id for s in self.staff]
        for agent_id in sorted({a for a in ids if ids.count(a) > 1}):
            errors.append(FieldError("staff", agent_id, "agent listed twice"))
        if errors:
            raise InvalidInput("scenario", errors)

    @property
    def end_of_arrivals(self) -> datetime:
        """When the last interval of traffic ends."""
        longest = max((len(t.rates) for t in self.traffic), default=0)
        return self.start.astimezone(UTC) + self.interval * longest


def generate_arrivals(scenario: Scenario) -> list[Arrival]:
    """The scenario's contacts, in time order, drawn from its seed alone.

    Each traffic entry draws from streams of its own, seeded from the
    scenario's seed, its channel and its place among the entries of that
    channel: one stream for arrival times, one each for handle times,
    patience and wrap-up. So changing the staff or the policy, adding another
    channel, or changing a handle-time distribution leaves every other draw
    exactly as it was.
    """
    out: list[Arrival] = []
    seen: dict[str, int] = defaultdict(int)
    shared = {
        t.channel
        for t in scenario.traffic
        if sum(u.channel == t.channel for u in scenario.traffic) > 1
    }
    span = scenario.interval.total_seconds()
    # Times are added in UTC: in a zone with clock changes, adding to local
    # times would count wall-clock hours, not real ones.
    origin = scenario.start.astimezone(UTC)
    for traffic in scenario.traffic:
        place = seen[traffic.channel]
        seen[traffic.channel] += 1
        label = f"{traffic.channel}.{place + 1}" if traffic.channel in shared else traffic.channel
        streams = {
            name: random.Random(f"{scenario.seed}:{traffic.channel}:{place}:{name}")
            for name in ("arrivals", "handle", "patience", "wrap_up")
        }
        clock = streams["arrivals"]
        number = 0
        for k, rate in enumerate(traffic.rates):
            if rate <= 0:
                continue
            t = k * span
            end = (k + 1) * span
            while True:
                t += clock.expovariate(rate / 3600.0)
                if t >= end:
                    break
                number += 1
                out.append(
                    Arrival(
                        id=f"{label}-{number}",
                        channel=traffic.channel,
                        at=origin + timedelta(seconds=t),
                        handle_seconds=traffic.handle.sample(streams["handle"]),
                        patience_seconds=(
                            None
                            if traffic.patience is None
                            else traffic.patience.sample(streams["patience"])
                        ),
                        wrap_up_seconds=(
                            None
                            if traffic.wrap_up is None
                            else traffic.wrap_up.sample(streams["wrap_up"])
                        ),
                        skills=traffic.skills,
                        queue=traffic.queue,
                    )
                )
    out.sort(key=lambda a: (a.at, a.id))
    return out


@attrs.frozen
class ChannelResult:
    """What customers on one channel (or all of them) got.

    ``service_level``: answered within the scenario's threshold, abandoned
    contacts in the denominator. ``wait``: the waits of the answered
    contacts; ``abandoned_wait``: how long those who gave up waited.
    """

    offered: int
    answered: int
    abandoned: int
    unserved: int
    """Still waiting when the simulation ended (nobody on shift could take them)."""
    service_level: Rate
    abandonment: Rate
    waited: Rate
    """Contacts that waited at all (answered later than they arrived, or abandoned)."""
    wait: Durations
    abandoned_wait: Durations

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, with the KPI result types' own forms."""
        return {
            "offered": self.offered,
            "answered": self.answered,
            "abandoned": self.abandoned,
            "unserved": self.unserved,
            "service_level": self.service_level.to_dict(),
            "abandonment_rate": self.abandonment.to_dict(),
            "waited": self.waited.to_dict(),
            "wait": self.wait.to_dict(),
            "abandoned_wait": self.abandoned_wait.to_dict(),
        }


class _Tally:
    __slots__ = ("abandoned", "answered", "delayed", "gave_up", "offered", "waits", "within")

    def __init__(self) -> None:
        self.offered = self.answered = self.abandoned = self.within = self.delayed = 0
        self.waits: list[float] = []
        self.gave_up: list[float] = []

    def result(self, threshold: float) -> ChannelResult:
        judged = self.answered + self.abandoned
        return ChannelResult(
            offered=self.offered,
            answered=self.answered,
            abandoned=self.abandoned,
            unserved=self.offered - judged,
            service_level=Rate.of(self.within, judged, threshold_seconds=threshold),
            abandonment=Rate.of(self.abandoned, judged),
            waited=Rate.of(self.delayed, judged),
            wait=Durations.of(self.waits),
            abandoned_wait=Durations.of(self.gave_up),
        )


@attrs.frozen
class SimulationResult:
    """Everything a run measured.

    ``overall`` and ``by_channel`` are per contact; ``by_interval`` maps each
    interval's start to its channels' results (contacts count in the interval
    they arrived in). ``occupancy`` maps each agent, and ``"(all)"``, to the
    share of their shift spent handling work, and ``occupancy_by_team`` each
    team the same way; ``max_concurrency`` maps each agent to the most
    items they held at once; ``alerts`` are the workload module's overload
    alerts over the run.
    """

    scenario: Scenario
    offered: int
    overall: ChannelResult
    by_channel: Mapping[str, ChannelResult]
    by_interval: Mapping[datetime, Mapping[str, ChannelResult]]
    occupancy: Mapping[str, Rate]
    occupancy_by_team: Mapping[str, Rate]
    max_concurrency: Mapping[str, int]
    alerts: tuple[OverloadAlert, ...]
    events: int
    """Events processed (arrivals, ends of work, abandonments, shift changes)."""
    end: datetime
    """When the last work ended."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "offered": self.offered,
            "overall": self.overall.to_dict(),
            "by_channel": {c: r.to_dict() for c, r in self.by_channel.items()},
            "by_interval": {
                at.isoformat(): {c: r.to_dict() for c, r in channels.items()}
                for at, channels in self.by_interval.items()
            },
            "occupancy": {a: r.to_dict() for a, r in self.occupancy.items()},
            "occupancy_by_team": {t: r.to_dict() for t, r in self.occupancy_by_team.items()},
            "max_concurrency": dict(self.max_concurrency),
            "alerts": [
                {"agent_id": a.agent_id, "kind": a.kind.value, "start": a.start.isoformat()}
                for a in self.alerts
            ],
            "events": self.events,
            "end": self.end.isoformat(),
        }


# At one instant: work ends first (a call, or the dispatcher's own timers: an
# end of wrap-up, an overflow step), then presence changes, then customers
# giving up, then arrivals. So an agent freed exactly as their shift ends takes
# one last waiting contact, whether it was the call or its wrap-up that ended.
_FINISH, _PRESENCE, _ABANDON, _ARRIVE = 0, 1, 2, 3


def simulate(
    scenario: Scenario,
    *,
    arrivals: Iterable[Arrival] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SimulationResult:
    """Run ``scenario`` through a real dispatcher and measure what customers and
    agents got.

    ``arrivals`` replays given contacts instead of drawing them (from a real
    day, say); ``progress(done, total)`` is called now and then with the
    contacts arrived so far.
    """
    contacts = list(arrivals) if arrivals is not None else generate_arrivals(scenario)
    threshold = float(scenario.service_level_seconds)
    spans: list[WorkSpan | PresenceSpan] = []
    dispatcher = Dispatcher(
        scenario.queues, offer_timeout=None, auto_accept=True, on_activity=spans.append
    )
    events: list[tuple[datetime, int, int, int, Any]] = []
    seq = 0

    def push(at: datetime, kind: int, data: Any) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (at, kind, seq, kind, data))

    start = scenario.start.astimezone(UTC)  # real durations, across clock changes too
    horizon = scenario.end_of_arrivals
    for staff in scenario.staff:
        dispatcher.add_agent(staff.agent, profile=staff.profile, presence="offline", now=start)
        if not staff.shifts:
            # No roster: on from the start until the last customer is served.
            push(start, _PRESENCE, (staff.agent.id, "available"))
        for shift in staff.shifts:
            push(start + shift.start, _PRESENCE, (staff.agent.id, "available"))
            for a, b in shift.breaks:
                push(start + a, _PRESENCE, (staff.agent.id, "away"))
                push(start + b, _PRESENCE, (staff.agent.id, "available"))
            push(start + shift.end, _PRESENCE, (staff.agent.id, "offline"))
    by_id: dict[str, Arrival] = {}
    for contact in contacts:
        if contact.id in by_id:
            raise InvalidInput("arrivals", [FieldError("id", contact.id, "appears twice")])
        if contact.at < start:
            raise InvalidInput(
                "arrivals",
                [FieldError(f"{contact.id}.at", contact.at, "is before the scenario starts")],
            )
        by_id[contact.id] = contact
        push(contact.at.astimezone(UTC), _ARRIVE, contact.id)

    answered_at: dict[str, datetime] = {}
    gave_up: dict[str, datetime] = {}
    token: dict[str, int] = defaultdict(int)
    working: dict[str, datetime] = {}  # items being worked, since when
    done: dict[str, float] = {}  # seconds already worked on items handed back
    processed = 0
    arrived = 0
    last = start  # the latest moment the dispatcher has been told of

    def follow(decisions: Sequence[Any]) -> None:
        for decision in decisions:
            item_id = decision.item_id
            # Any decision about an item (handed back to the queue when its agent
            # left, say) makes the end of work scheduled before it void, and the
            # time worked so far is kept: the next agent does only the rest.
            token[item_id] += 1
            since = working.pop(item_id, None)
            if since is not None:
                done[item_id] = done.get(item_id, 0.0) + (decision.at - since).total_seconds()
            if decision.agent_id is None:
                continue
            answered_at.setdefault(item_id, decision.at)
            working[item_id] = decision.at
            rest = max(by_id[item_id].handle_seconds - done.get(item_id, 0.0), 0.0)
            push(decision.at + timedelta(seconds=rest), _FINISH, (item_id, token[item_id]))

    while True:
        due = dispatcher.next_due()
        if events and (
            due is None or events[0][0] < due or (events[0][0] == due and events[0][1] == _FINISH)
        ):
            at, _, _, kind, data = heapq.heappop(events)
        elif due is not None:
            last = max(last, due)
            follow(dispatcher.advance(due))
            continue
        else:
            break
        last = max(last, at)
        processed += 1
        if kind == _ARRIVE:
            contact = by_id[data]
            item = WorkItem(
                id=contact.id,
                channel=contact.channel,
                created_at=contact.at,
                skills=dict(contact.skills),
                queue=contact.queue,
            )
            follow(dispatcher.submit(item, now=at))
            if contact.id not in answered_at and contact.patience_seconds is not None:
                push(at + timedelta(seconds=contact.patience_seconds), _ABANDON, contact.id)
            arrived += 1
            if progress is not None and arrived % 1000 == 0 and arrived < len(contacts):
                progress(arrived, len(contacts))
        elif kind == _ABANDON:
            if data not in answered_at:
                gave_up[data] = at
                follow(dispatcher.withdraw(data, now=at))
        elif kind == _FINISH:
            item_id, version = data
            if token[item_id] == version:
                working.pop(item_id, None)
                wrap = by_id[item_id].wrap_up_seconds
                follow(
                    dispatcher.complete(
                        item_id,
                        now=at,
                        wrap_up=None if wrap is None else timedelta(seconds=wrap),
                    )
                )
        else:
            agent_id, presence = data
            follow(dispatcher.set_presence(agent_id, presence, now=at))
    if progress is not None:
        progress(arrived, len(contacts))
    work_ends = [s.busy_until for s in spans if isinstance(s, WorkSpan)]
    end = max([horizon, *work_ends])
    # Close every agent's presence at the end, so idle time on duty counts.
    window_end = max(end, last)
    dispatcher.flush_activity(now=window_end)
    return _measure(
        scenario, contacts, answered_at, gave_up, spans, processed, end, window_end, threshold
    )


def _measure(
    scenario: Scenario,
    contacts: Sequence[Arrival],
    answered_at: Mapping[str, datetime],
    gave_up: Mapping[str, datetime],
    spans: Sequence[WorkSpan | PresenceSpan],
    processed: int,
    end: datetime,
    window_end: datetime,
    threshold: float,
) -> SimulationResult:
    origin = scenario.start.astimezone(UTC)
    overall = _Tally()
    channels: dict[str, _Tally] = defaultdict(_Tally)
    intervals: dict[tuple[datetime, str], _Tally] = defaultdict(_Tally)
    step = scenario.interval
    for contact in contacts:
        k = (contact.at.astimezone(UTC) - origin) // step
        slot = (origin + step * k).astimezone(scenario.start.tzinfo)
        tallies = (overall, channels[contact.channel], intervals[(slot, contact.channel)])
        answered = answered_at.get(contact.id)
        left = gave_up.get(contact.id)
        for tally in tallies:
            tally.offered += 1
            if answered is not None:
                wait = answered.timestamp() - contact.at.timestamp()
                tally.answered += 1
                tally.within += wait <= threshold
                tally.delayed += wait > 0
                tally.waits.append(wait)
            elif left is not None:
                tally.abandoned += 1
                tally.delayed += 1
                tally.gave_up.append(left.timestamp() - contact.at.timestamp())
    by_interval: dict[datetime, dict[str, ChannelResult]] = defaultdict(dict)
    for (slot, channel), tally in sorted(intervals.items()):
        by_interval[slot][channel] = tally.result(threshold)
    work = [s for s in spans if isinstance(s, WorkSpan)]
    presence = [s for s in spans if isinstance(s, PresenceSpan)]
    occupancy: dict[str, Rate] = {}
    by_team: dict[str, Rate] = {}
    teams: dict[str, list[str]] = defaultdict(list)
    for staff in scenario.staff:
        if staff.team is not None:
            teams[staff.team].append(staff.agent.id)
    if window_end > origin:
        report = measure_occupancy(
            work,
            presence,
            start=origin,
            end=window_end,
            agents=[s.agent.id for s in scenario.staff],
            teams=teams,
        )
        for team, part in sorted(report.teams.items()):
            by_team[team] = occupancy_rate(part.occupancy)
        for agent_id, part in sorted(report.agents.items()):
            occupancy[agent_id] = occupancy_rate(part.occupancy)
        occupancy["(all)"] = occupancy_rate(report.total.occupancy)
    alerts = tuple(detect_overload(work, presence)) if work else ()
    return SimulationResult(
        scenario=scenario,
        offered=len(contacts),
        overall=overall.result(threshold),
        by_channel={c: t.result(threshold) for c, t in sorted(channels.items())},
        by_interval=dict(by_interval),
        occupancy=occupancy,
        occupancy_by_team=by_team,
        max_concurrency=_max_concurrency(work),
        alerts=alerts,
        events=processed,
        end=end,
    )


def _max_concurrency(work: Iterable[WorkSpan]) -> dict[str, int]:
    edges: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for span in work:
        edges[span.agent_id].append((span.start.timestamp(), 1))
        edges[span.agent_id].append((span.end.timestamp(), -1))
    out: dict[str, int] = {}
    for agent_id, points in sorted(edges.items()):
        points.sort()  # at one instant an end (-1) comes before a start (+1)
        level = best = 0
        for _, change in points:
            level += change
            best = max(best, level)
        out[agent_id] = best
    return out
