"""Occupancy and utilisation: how much of their time agents spent handling work.

Over a window ``[start, end)``, for each agent:

- **busy time**: time holding at least one item (talk, chat, email held,
  wrap-up), concurrent items counted once (the union of the spans);
- **load time**: the capacity-weighted time, each instant weighing the sum
  of the items' ``units`` (an exclusive item weighs ``1``), capped at ``1``,
  so three chats of a third for an hour give one hour;
- **on-duty time**: time available or busy by presence, or holding work;
- **logged-in time**: time not offline by presence (a break, ``away``,
  counts), or holding work.

Then **occupancy** = busy / on duty, **load** = load time / on duty, and
**utilisation** = busy / logged in. Without presence spans, every agent is on
duty and logged in for the whole window, so both denominators are the window.
A team adds up its agents' seconds before dividing.

>>> from datetime import datetime, timedelta, timezone
>>> from omnicontext.workload.activity import WorkSpan
>>> nine = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
>>> spans = [WorkSpan(agent_id="ana", item_id=f"chat{i}", channel="chat", start=nine,
...                   end=nine + timedelta(minutes=30), units="1/3") for i in range(3)]
>>> report = measure_occupancy(spans, start=nine, end=nine + timedelta(hours=1))
>>> ana = report.agents["ana"]
>>> ana.occupancy.value, ana.load.value, ana.busy_seconds
(0.5, 0.5, Fraction(1800, 1))
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from fractions import Fraction

import attrs

from omnicontext.errors import FieldError, InvalidInput
from omnicontext.workload.activity import (
    _AWARE,
    PresenceSpan,
    WorkSpan,
    _is_aware,
    _micros,
    _Piece,
    _pieces,
    _scale,
)

__all__ = ["Occupancy", "OccupancyReport", "Ratio", "measure_occupancy"]

_MICROS = 10**6


@attrs.frozen
class Ratio:
    """A share of time: ``numerator_seconds`` over ``denominator_seconds``.

    ``value`` is the quotient as a float, ``0.0`` when the denominator is 0.

    >>> Ratio(Fraction(45 * 60), Fraction(60 * 60)).value
    0.75
    """

    numerator_seconds: Fraction
    denominator_seconds: Fraction

    @property
    def value(self) -> float:
        """The share, from 0 to 1 (``0.0`` when there is no time to divide by)."""
        if not self.denominator_seconds:
            return 0.0
        return float(self.numerator_seconds / self.denominator_seconds)


@attrs.frozen
class Occupancy:
    """One agent's, or one team's, time over the window ``[start, end)``.

    ``subject`` is the agent id or the team name; ``agent_ids`` the agents
    counted. The four totals are exact seconds, summed over the agents; see the
    module documentation for what each counts. :attr:`occupancy`,
    :attr:`load` and :attr:`utilisation` divide them.
    """

    subject: str
    agent_ids: tuple[str, ...]
    start: datetime
    end: datetime
    busy_seconds: Fraction
    load_seconds: Fraction
    on_duty_seconds: Fraction
    logged_in_seconds: Fraction

    @property
    def occupancy(self) -> Ratio:
        """Busy time over on-duty time (available, busy, or holding work)."""
        return Ratio(self.busy_seconds, self.on_duty_seconds)

    @property
    def load(self) -> Ratio:
        """Capacity-weighted time over on-duty time: how full the agents were."""
        return Ratio(self.load_seconds, self.on_duty_seconds)

    @property
    def utilisation(self) -> Ratio:
        """Busy time over logged-in time (breaks included in the denominator)."""
        return Ratio(self.busy_seconds, self.logged_in_seconds)

    @classmethod
    def combine(cls, subject: str, parts: Iterable[Occupancy]) -> Occupancy:
        """The sum of ``parts`` under the name ``subject``.

        Seconds add up before dividing, so a team's occupancy weighs each agent
        by their on-duty time. The parts must cover one window and no agent
        twice; otherwise :class:`~omnicontext.errors.InvalidInput` is raised.

        >>> from datetime import datetime, timezone
        >>> t0, t1 = (datetime(2026, 1, 5, h, tzinfo=timezone.utc) for h in (9, 10))
        >>> a = Occupancy("ana", ("ana",), t0, t1, *map(Fraction, (3600, 3600, 3600, 3600)))
        >>> b = Occupancy("ben", ("ben",), t0, t1, *map(Fraction, (1800, 900, 3600, 3600)))
        >>> Occupancy.combine("team", [a, b]).occupancy.value
        0.75
        """
        parts = list(parts)
        if not parts:
            raise InvalidInput("occupancy", [FieldError("parts", [], "nothing to combine")])
        start, end = parts[0].start, parts[0].end
        agents: list[str] = []
        for part in parts:
            if (part.start, part.end) != (start, end):
                raise InvalidInput(
                    "occupancy",
                    [FieldError("start", part.start, "the parts cover different windows")],
                )
            agents.extend(part.agent_ids)
        twice = sorted(a for a, n in Counter(agents).items() if n > 1)
        if twice:
            raise InvalidInput(
                "occupancy", [FieldError("agent_ids", twice, "counted in more than one part")]
            )
        return cls(
            subject=subject,
            agent_ids=tuple(sorted(agents)),
            start=start,
            end=end,
            busy_seconds=sum((p.busy_seconds for p in parts), Fraction(0)),
            load_seconds=sum((p.load_seconds for p in parts), Fraction(0)),
            on_duty_seconds=sum((p.on_duty_seconds for p in parts), Fraction(0)),
            logged_in_seconds=sum((p.logged_in_seconds for p in parts), Fraction(0)),
        )


def _copy(value: Mapping[str, Occupancy]) -> Mapping[str, Occupancy]:
    return dict(value)


@attrs.frozen
class OccupancyReport:
    """Occupancy over one window: per agent, per team, and for everyone.

    ``agents`` maps each agent id to its :class:`Occupancy`, sorted by id;
    ``teams`` each team name; ``total`` (subject ``"all"``) adds up every
    agent in ``agents``.
    """

    start: datetime
    end: datetime
    agents: Mapping[str, Occupancy] = attrs.field(converter=_copy)
    teams: Mapping[str, Occupancy] = attrs.field(converter=_copy)
    total: Occupancy


def measure_occupancy(
    spans: Iterable[WorkSpan],
    presence: Iterable[PresenceSpan] | None = None,
    *,
    start: datetime,
    end: datetime,
    teams: Mapping[str, Iterable[str]] | None = None,
    agents: Iterable[str] = (),
) -> OccupancyReport:
    """Occupancy, load and utilisation of each agent and team over ``[start, end)``.

    Spans are clipped to the window. Reported agents: those with a work or
    presence span in the window, every member of ``teams``, and ``agents``
    (name agents here to count them even when they did nothing). Without
    ``presence`` (``None``), every reported agent is on duty and logged in for
    the whole window. With it, time an agent has no presence span for counts
    as offline, and overlapping presence spans count as on duty when any of
    them says so. Time holding work is always on duty and logged in, whatever
    the presence, so no share exceeds 1.

    ``teams`` maps a team name to its agent ids; an agent may be in several.
    The work of one agent is swept over its sorted span boundaries, in
    O(n log n) time for n spans.
    """
    errors = [
        FieldError(name, value, _AWARE)
        for name, value in (("start", start), ("end", end))
        if not _is_aware(value)
    ]
    if not errors and end <= start:
        errors.append(FieldError("end", end, f"must be after start {start.isoformat()}"))
    if errors:
        raise InvalidInput("occupancy window", errors)
    for name, ids in (teams or {}).items():
        if isinstance(ids, str):
            raise InvalidInput(
                "teams", [FieldError(name, ids, "must be a collection of agent ids, not one id")]
            )
    lo, hi = _micros(start), _micros(end)
    work: dict[str, list[WorkSpan]] = {}
    for span in spans:
        if _micros(span.start) < hi and _micros(span.busy_until) > lo:
            work.setdefault(span.agent_id, []).append(span)
    states: dict[str, list[PresenceSpan]] = {}
    for state in presence or ():
        if _micros(state.start) < hi and _micros(state.end) > lo:
            states.setdefault(state.agent_id, []).append(state)
    members = {name: tuple(dict.fromkeys(ids)) for name, ids in (teams or {}).items()}
    everyone = set(work) | set(states) | set(agents)
    for ids in members.values():
        everyone.update(ids)
    scale = _scale(s for spans_of in work.values() for s in spans_of)
    per_agent: dict[str, Occupancy] = {}
    for agent in sorted(everyone):
        busy, load, on_duty, logged_in = _measure(
            _pieces(work.get(agent, ()), states.get(agent, ()), scale),
            lo,
            hi,
            scale,
            presence is not None,
        )
        per_agent[agent] = Occupancy(
            subject=agent,
            agent_ids=(agent,),
            start=start,
            end=end,
            busy_seconds=Fraction(busy, _MICROS),
            load_seconds=Fraction(load, _MICROS * scale),
            on_duty_seconds=Fraction(on_duty, _MICROS),
            logged_in_seconds=Fraction(logged_in, _MICROS),
        )
    team_results = {name: _team(name, ids, per_agent, start, end) for name, ids in members.items()}
    return OccupancyReport(
        start=start,
        end=end,
        agents=per_agent,
        teams=team_results,
        total=_team("all", tuple(per_agent), per_agent, start, end),
    )


def _measure(
    pieces: Iterator[_Piece],
    lo: int,
    hi: int,
    scale: int,
    with_presence: bool,
) -> tuple[int, int, int, int]:
    """Busy, scaled load, on-duty and logged-in microseconds inside ``[lo, hi)``."""
    busy = load = on_duty = logged_in = 0
    for a, b, items, demand, duty, login in pieces:
        a, b = max(a, lo), min(b, hi)
        if b <= a:
            continue
        length = b - a
        if items:
            busy += length
            load += min(demand, scale) * length
        if items or duty:
            on_duty += length
        if items or login:
            logged_in += length
    if not with_presence:
        on_duty = logged_in = hi - lo
    return busy, load, on_duty, logged_in


def _team(
    name: str,
    ids: tuple[str, ...],
    per_agent: Mapping[str, Occupancy],
    start: datetime,
    end: datetime,
) -> Occupancy:
    if not ids:
        zero = Fraction(0)
        return Occupancy(name, (), start, end, zero, zero, zero, zero)
    return Occupancy.combine(name, (per_agent[a] for a in ids))
