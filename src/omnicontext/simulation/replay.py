"""Replay real calls through the simulator and measure how far it is from what happened.

:func:`arrivals_from_calls` turns real inbound calls into the simulator's
:class:`~omnicontext.simulation.Arrival` records (when each caller reached the
queue, how long an agent talked to them, how long they would have waited);
:func:`roster_from_calls` rebuilds who was working, interval by interval, from
the agents who answered calls; :func:`compare_with_reality` runs the two
through :func:`~omnicontext.simulation.simulate` and compares, interval by
interval, the simulated waits, abandonment and service level with the real
ones. The errors say how far to trust the simulator's answers.

Every modelling decision is in the functions' documentation and on the
documentation page ``simulation-replay.md``. In short:

* an answered call is handled for its real talk time, with no wrap-up (the
  data has none unless you add ``after_call_seconds``);
* an abandoned call's patience is its real wait; its talk time is unknown and
  is drawn from the answered calls' talk times;
* an answered caller's patience is *censored* (they would have waited at least
  as long as they did): it is drawn from the Kaplan-Meier estimate of patience
  given that it exceeds their own wait (``patience="kaplan_meier"``), or from
  the longer abandonments, or taken as infinite;
* calls answered by no named agent, and abandoned calls with no end, are left
  out (counted in a :class:`ReplayReport`);
* an agent is on shift for every whole interval in which they answered a call.

>>> from datetime import datetime, timedelta, UTC
>>> from omnicontext.model import Call
>>> t0 = datetime(1999, 2, 1, 9, tzinfo=UTC)
>>> def call(n, at, wait, talk=None, agent=None):
...     start = t0 + timedelta(seconds=at)
...     answered = None if talk is None else start + timedelta(seconds=wait)
...     ended = start + timedelta(seconds=wait + (talk or 0))
...     return Call(id=f"c{n}", case_id=f"c{n}", channel="phone", actor="customer",
...                 direction="inbound", occurred_at=start, answered_at=answered,
...                 ended_at=ended, agent_id=agent)
>>> calls = [
...     call(1, 0, 0, talk=300, agent="dana"),
...     call(2, 60, 240, talk=100, agent="dana"),  # waited for dana to finish
...     call(3, 120, 30),  # hung up after 30 s
...     call(4, 3700, 0, talk=60, agent="eli"),
... ]
>>> [(s.agent.id, [(str(f.start), str(f.end)) for f in s.shifts])
...  for s in roster_from_calls(calls)]
[('dana', [('9:00:00', '10:00:00')]), ('eli', [('10:00:00', '11:00:00')])]
>>> comparison = compare_with_reality(calls, seed=1)
>>> [(i.start.hour, i.real.offered, i.real.abandoned, i.simulated.abandoned)
...  for i in comparison.intervals]
[(9, 3, 1, 1), (10, 1, 0, 0)]
>>> comparison.real.wait.mean, comparison.simulated.wait.mean
(80.0, 80.0)
"""

from __future__ import annotations

import bisect
import math
import random
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any, Literal, get_args

import attrs

from omnicontext.errors import FieldError, InvalidInput
from omnicontext.kpi import Durations, Rate
from omnicontext.model import Agent, Call, Direction
from omnicontext.simulation.distributions import Fixed
from omnicontext.simulation.engine import (
    Arrival,
    ChannelResult,
    Scenario,
    Shift,
    SimulationResult,
    Staff,
    Traffic,
    simulate,
)

__all__ = [
    "CensoredPatience",
    "IntervalComparison",
    "ReplayComparison",
    "ReplayError",
    "ReplayReport",
    "arrivals_from_calls",
    "compare_with_reality",
    "roster_from_calls",
]

CensoredPatience = Literal["kaplan_meier", "longer_abandons", "infinite"]
"""How to give an answered caller a patience (they never showed how long they would wait):

* ``"kaplan_meier"``: drawn from the Kaplan-Meier estimate of the callers' patience
  (abandonments are observed patiences, answered waits are censored ones), given
  that it exceeds the caller's own wait; infinite beyond the estimate's last step.
* ``"longer_abandons"``: one of the real abandoned waits longer than the caller's
  own wait, each equally likely; infinite when there is none.
* ``"infinite"``: answered callers never hang up.
"""

_PATIENCE: tuple[str, ...] = get_args(CensoredPatience)
_CHANNEL = "phone"
_SUBJECT = "call replay"


class _Skip:
    UNNAMED_AGENT = "answered_without_agent"
    NO_END = "abandoned_without_end"


@attrs.define
class ReplayReport:
    """What :func:`arrivals_from_calls` did with the calls: pass one in, read it after.

    ``arrivals`` counts the calls replayed; ``skipped`` the calls left out, by
    reason (``"answered_without_agent"``: answered, but by no named agent;
    ``"abandoned_without_end"``: hung up at an unknown time);
    ``handle_drawn`` the calls whose talk time was drawn (abandoned calls, and
    answered calls with no end); ``patience_drawn`` the answered callers given
    a finite patience and ``patience_infinite`` those who would never hang up.

    >>> ReplayReport(arrivals=3, skipped=Counter(answered_without_agent=1)).summary()
    'arrivals: 3, skipped: answered_without_agent 1, handle drawn: 0, patience drawn: 0, ...'
    """

    arrivals: int = 0
    skipped: Counter[str] = attrs.field(factory=Counter)
    handle_drawn: int = 0
    patience_drawn: int = 0
    patience_infinite: int = 0

    def summary(self) -> str:
        """One line saying what was replayed, left out and drawn."""
        skipped = ", ".join(f"{k} {n}" for k, n in sorted(self.skipped.items())) or "none"
        return (
            f"arrivals: {self.arrivals}, skipped: {skipped}, handle drawn: {self.handle_drawn}, "
            f"patience drawn: {self.patience_drawn}, patience infinite: {self.patience_infinite}"
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "arrivals": self.arrivals,
            "skipped": dict(sorted(self.skipped.items())),
            "handle_drawn": self.handle_drawn,
            "patience_drawn": self.patience_drawn,
            "patience_infinite": self.patience_infinite,
        }


# -- checking the input ------------------------------------------------------------------------


def _calls(calls: Iterable[Call]) -> list[Call]:
    """The calls as a list, each checked to be an inbound phone call, ids unique."""
    out = list(calls)
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, item in enumerate(out):
        if not isinstance(item, Call):
            errors.append(FieldError(f"calls[{i}]", type(item).__name__, "must be a Call"))
            continue
        if item.direction is not Direction.INBOUND:
            errors.append(
                FieldError(
                    f"calls[{i}].direction",
                    str(item.direction),
                    "only inbound calls wait in a queue; leave outbound calls out",
                )
            )
        if item.channel != _CHANNEL:
            errors.append(
                FieldError(f"calls[{i}].channel", item.channel, "only phone calls are replayed")
            )
        if item.id in seen:
            errors.append(FieldError(f"calls[{i}].id", item.id, "appears twice"))
        seen.add(item.id)
        if len(errors) >= 10:
            break
    if errors:
        raise InvalidInput(_SUBJECT, errors)
    return out


def _interval(value: timedelta, name: str) -> timedelta:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise InvalidInput(_SUBJECT, [FieldError(name, value, "must be a positive timedelta")])
    return value


def _seconds(value: float, name: str) -> float:
    ok = (
        not isinstance(value, bool)
        and isinstance(value, int | float)
        and math.isfinite(value)
        and value >= 0
    )
    if not ok:
        raise InvalidInput(_SUBJECT, [FieldError(name, value, "must be a number of seconds >= 0")])
    return float(value)


def _start(calls: Sequence[Call], start: datetime | None) -> datetime:
    """The replay's start, in UTC: ``start``, or midnight (on its own clock) of the
    day of the earliest call. Every call must reach the queue at or after it."""
    if start is not None:
        if not isinstance(start, datetime) or start.tzinfo is None or start.utcoffset() is None:
            raise InvalidInput(
                _SUBJECT, [FieldError("start", start, "must be a timezone-aware datetime")]
            )
        begin = start.astimezone(UTC)
        for i, c in enumerate(calls):
            if c.occurred_at < begin:
                raise InvalidInput(
                    _SUBJECT,
                    [
                        FieldError(
                            f"calls[{i}].occurred_at",
                            c.occurred_at.isoformat(),
                            f"is before the start {start.isoformat()}",
                        )
                    ],
                )
        return begin
    if not calls:
        return datetime(1970, 1, 1, tzinfo=UTC)
    first = min(calls, key=lambda c: c.occurred_at.timestamp()).occurred_at
    midnight = datetime.combine(first.date(), time(0), tzinfo=first.tzinfo)
    return midnight.astimezone(UTC)


def _slot(at: datetime, start: datetime, interval: timedelta) -> int:
    """Which interval (0, 1, ...) after ``start`` the instant ``at`` falls in."""
    return (at.astimezone(UTC) - start) // interval


def _wait(call: Call) -> float | None:
    return call.wait_seconds


def _patience_rule(patience: str) -> str:
    if patience not in _PATIENCE:
        raise InvalidInput(
            _SUBJECT, [FieldError("patience", patience, f"expected one of {', '.join(_PATIENCE)}")]
        )
    return patience


# -- patience ----------------------------------------------------------------------------------


@attrs.frozen
class _Survival:
    """The Kaplan-Meier estimate of the callers' patience: ``survival[j]`` is the
    share still patient just after ``times[j]``, the j-th distinct abandonment time."""

    times: tuple[float, ...]
    survival: tuple[float, ...]

    @classmethod
    def of(cls, abandoned: Iterable[float], answered: Iterable[float]) -> _Survival:
        """From the observed patiences (abandoned waits) and the censored ones
        (answered waits). At a tie, the censored callers are still at risk."""
        events = Counter(abandoned)
        censored = Counter(answered)
        at_risk = events.total() + censored.total()
        left = 1.0
        times: list[float] = []
        survival: list[float] = []
        for t in sorted(events.keys() | censored.keys()):
            if events[t]:
                left *= 1.0 - events[t] / at_risk
                times.append(t)
                survival.append(left)
            at_risk -= events[t] + censored[t]
        return cls(tuple(times), tuple(survival))

    def at(self, t: float) -> float:
        """The share of callers who would wait longer than ``t`` seconds."""
        j = bisect.bisect_right(self.times, t)
        return 1.0 if j == 0 else self.survival[j - 1]

    def beyond(self, wait: float, rng: random.Random) -> float | None:
        """A patience drawn given that it exceeds ``wait`` (``None``: infinite, when
        the draw falls past the estimate's last step)."""
        still = self.at(wait)
        if still <= 0.0:
            return None
        target = rng.random() * still
        lo = bisect.bisect_right(self.times, wait)
        hi = len(self.times)
        while lo < hi:  # the first time after ``wait`` whose survival is <= target
            mid = (lo + hi) // 2
            if self.survival[mid] <= target:
                hi = mid
            else:
                lo = mid + 1
        return self.times[lo] if lo < len(self.times) else None


def _longer(abandoned: Sequence[float], wait: float, rng: random.Random) -> float | None:
    """One of the sorted ``abandoned`` waits longer than ``wait``, or ``None``."""
    j = bisect.bisect_right(abandoned, wait)
    if j == len(abandoned):
        return None
    return abandoned[j + int(rng.random() * (len(abandoned) - j))]


# -- arrivals and roster -----------------------------------------------------------------------


def _replayed(calls: Sequence[Call], report: ReplayReport) -> list[Call]:
    """The calls that are replayed, sorted by arrival then id; the others counted."""
    kept: list[Call] = []
    for c in calls:
        if c.answered_at is not None and c.agent_id is None:
            report.skipped[_Skip.UNNAMED_AGENT] += 1
        elif c.answered_at is None and c.ended_at is None:
            report.skipped[_Skip.NO_END] += 1
        else:
            kept.append(c)
    kept.sort(key=lambda c: (c.occurred_at.timestamp(), c.id))
    return kept


def arrivals_from_calls(
    calls: Iterable[Call],
    *,
    seed: int = 0,
    patience: CensoredPatience = "kaplan_meier",
    after_call_seconds: float = 0.0,
    report: ReplayReport | None = None,
) -> list[Arrival]:
    """One :class:`~omnicontext.simulation.Arrival` per inbound phone call, in time order.

    Each arrival has the call's ``id``, channel ``phone``, and ``at`` = the
    call's ``occurred_at`` (when it reached the queue), in UTC so that the
    simulator's clock arithmetic is exact across a change of the clocks.

    * **Answered calls** are handled for their real talk time
      (``ended_at - answered_at``), plus ``after_call_seconds`` (0 by default:
      the data records no after-call work; give a number of seconds to see
      what unrecorded after-call work would do). ``wrap_up_seconds`` is 0, so
      the 60 s phone wrap-up of the default capacity profile does not apply.
      An answered call with no ``ended_at`` has its talk time drawn like an
      abandoned call's.
    * **Abandoned calls** hung up after ``ended_at - occurred_at`` seconds: that
      is their patience. How long they would have talked is unknown: it is
      drawn, with the seed, from the talk times of the answered calls replayed.
    * **Answered callers' patience** is censored: they waited, and would have
      waited at least that long. ``patience`` says what to do (see
      :data:`CensoredPatience`). ``"kaplan_meier"`` (the default) estimates the
      distribution of patience from every call, abandoned or answered, and
      draws from it given that it exceeds the caller's own wait: unbiased if
      a caller's patience does not depend on how long they are made to wait,
      but one curve for every customer, hour and service. ``"longer_abandons"``
      forgets that answered callers outlasted their waits, so it draws
      patiences too short and the simulation abandons too much;
      ``"infinite"`` gives the least abandonment possible.
    * **Left out**, and counted in ``report``: calls answered by no named agent
      (``agent_id`` ``None``: the bank's ``NO_SERVER``, answered at once and
      for a few seconds, not by one of the agents the roster is made of), and
      abandoned calls with no ``ended_at`` (their patience is unknown).

    The draws are made from ``random.Random(seed)`` in time order, so the same
    calls and seed give the same arrivals. Raises
    :class:`~omnicontext.errors.InvalidInput` for anything but inbound phone
    :class:`~omnicontext.model.Call` records with unique ids, or when a talk
    time must be drawn and no answered call has one.

    >>> from datetime import datetime, timedelta, UTC
    >>> from omnicontext.model import Call
    >>> t0 = datetime(1999, 2, 1, 9, tzinfo=UTC)
    >>> inbound = {"channel": "phone", "actor": "customer", "direction": "inbound"}
    >>> calls = [
    ...     Call(id="a", case_id="a", occurred_at=t0, answered_at=t0 + timedelta(seconds=20),
    ...          ended_at=t0 + timedelta(seconds=200), agent_id="dana", **inbound),
    ...     Call(id="b", case_id="b", occurred_at=t0 + timedelta(seconds=5),
    ...          ended_at=t0 + timedelta(seconds=50), **inbound),  # hung up after 45 s
    ... ]
    >>> a, b = arrivals_from_calls(calls, patience="infinite")
    >>> a.handle_seconds, a.patience_seconds, a.wrap_up_seconds
    (180.0, None, 0.0)
    >>> b.handle_seconds, b.patience_seconds  # talk time drawn from the answered calls'
    (180.0, 45.0)
    >>> arrivals_from_calls(calls)[0].patience_seconds  # the only patience seen beyond 20 s
    45.0
    """
    rule = _patience_rule(patience)
    extra = _seconds(after_call_seconds, "after_call_seconds")
    report = report if report is not None else ReplayReport()
    replayed = _replayed(_calls(calls), report)
    talks = [t for c in replayed if (t := c.talk_seconds) is not None]
    abandoned = sorted(
        w for c in replayed if c.answered_at is None and (w := _wait(c)) is not None
    )
    survival = (
        _Survival.of(
            abandoned,
            (w for c in replayed if c.answered_at is not None and (w := _wait(c)) is not None),
        )
        if rule == "kaplan_meier"
        else None
    )
    rng = random.Random(seed)
    out: list[Arrival] = []
    for c in replayed:
        talk = c.talk_seconds
        if talk is None:
            if not talks:
                raise InvalidInput(
                    _SUBJECT,
                    [
                        FieldError(
                            "calls",
                            c.id,
                            "needs a talk time drawn, but no answered call has an ended_at",
                        )
                    ],
                )
            talk = talks[int(rng.random() * len(talks))]
            report.handle_drawn += 1
        wait = _wait(c)
        assert wait is not None  # answered, or abandoned with an end
        if c.answered_at is None:
            waits_for: float | None = wait
        else:
            if survival is not None:
                waits_for = survival.beyond(wait, rng)
            elif rule == "longer_abandons":
                waits_for = _longer(abandoned, wait, rng)
            else:
                waits_for = None
            if waits_for is None:
                report.patience_infinite += 1
            else:
                report.patience_drawn += 1
        out.append(
            Arrival(
                id=c.id,
                channel=_CHANNEL,
                at=c.occurred_at.astimezone(UTC),
                handle_seconds=talk + extra,
                patience_seconds=waits_for,
                wrap_up_seconds=0.0,
            )
        )
    report.arrivals += len(out)
    return out


def roster_from_calls(
    calls: Iterable[Call],
    *,
    interval: timedelta = timedelta(hours=1),
    start: datetime | None = None,
) -> list[Staff]:
    """Who was working, rebuilt from the calls: one :class:`~omnicontext.simulation.Staff`
    per agent (``agent_id``) who answered a call, sorted by id.

    An agent is on shift for every whole ``interval`` in which they answered
    at least one call (by ``answered_at``); consecutive intervals make one
    :class:`~omnicontext.simulation.Shift`. Shifts are offsets from ``start``
    (default: midnight, on the calls' own clock, of the day of the earliest
    call), the scenario's start. Agents serve the ``phone`` channel with the
    default capacity profile: one call at a time.

    The data says nothing of breaks, meetings or other work: an agent who
    answered one call in an hour counts as available all of that hour, which
    overstates how many agents really were there. A shorter ``interval``
    overstates less, and misses agents who were there but answered nothing.
    A call still in progress when its agent's shift ends is finished.

    Raises :class:`~omnicontext.errors.InvalidInput` for a bad ``interval`` or
    ``start``, a call before ``start``, or anything but inbound phone calls.

    >>> from datetime import datetime, timedelta, UTC
    >>> from omnicontext.model import Call
    >>> t0 = datetime(1999, 2, 1, tzinfo=UTC)
    >>> def answered(n, hour, agent):
    ...     at = t0 + timedelta(hours=hour, minutes=10)
    ...     return Call(id=f"c{n}", case_id=f"c{n}", channel="phone", actor="customer",
    ...                 direction="inbound", occurred_at=at, answered_at=at, agent_id=agent)
    >>> calls = [answered(1, 9, "dana"), answered(2, 10, "dana"), answered(3, 12, "dana")]
    >>> [(str(s.start), str(s.end)) for s in roster_from_calls(calls)[0].shifts]
    [('9:00:00', '11:00:00'), ('12:00:00', '13:00:00')]
    """
    step = _interval(interval, "interval")
    checked = _calls(calls)
    begin = _start(checked, start)
    slots: dict[str, set[int]] = defaultdict(set)
    for c in checked:
        if c.agent_id is not None and c.answered_at is not None:
            slots[c.agent_id].add(_slot(c.answered_at, begin, step))
    staff: list[Staff] = []
    for agent_id in sorted(slots):
        shifts: list[Shift] = []
        first = last = -2
        for k in sorted(slots[agent_id]):
            if k != last + 1:
                if last >= 0:
                    shifts.append(Shift(step * first, step * (last + 1)))
                first = k
            last = k
        shifts.append(Shift(step * first, step * (last + 1)))
        staff.append(
            Staff(Agent(id=agent_id, channels=(_CHANNEL,)), profile=None, shifts=tuple(shifts))
        )
    return staff


# -- the comparison ----------------------------------------------------------------------------


@attrs.frozen
class IntervalComparison:
    """One interval: what really happened to the calls that arrived in it, and
    what the simulator made of them (``offered`` is the same on both sides)."""

    start: datetime
    real: ChannelResult
    simulated: ChannelResult

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "start": self.start.isoformat(),
            "real": self.real.to_dict(),
            "simulated": self.simulated.to_dict(),
        }


@attrs.frozen
class ReplayError:
    """How far a simulated figure is from the real one over the intervals.

    ``mean_absolute``: the mean of ``|simulated - real|`` per interval, weighted
    by the calls that arrived in it; ``bias``: the same mean of
    ``simulated - real`` (negative: the simulator is optimistic about waits and
    abandonment, pessimistic about service level). ``correlation``: Pearson's
    correlation of the real and simulated figures across the intervals (not
    weighted): whether the simulator tells the bad intervals from the good ones,
    whatever its level. Each is ``None`` when it cannot be computed (no
    interval had the figure on both sides; for ``correlation``, fewer than two,
    or a figure that never changes). ``intervals`` and ``calls`` say how many
    intervals, and calls, were compared; ``unit`` is ``"s"`` for a wait and
    ``"points"`` (of percentage) for a rate.

    >>> error = ReplayError.of([(40.0, 10.0, 100), (20.0, 15.0, 300)], "s")
    >>> error.mean_absolute, error.bias, error.correlation
    (11.25, -11.25, -1.0)
    """

    mean_absolute: float | None
    bias: float | None
    correlation: float | None
    intervals: int
    calls: int
    unit: str

    @classmethod
    def of(cls, pairs: Sequence[tuple[float, float, int]], unit: str) -> ReplayError:
        """From ``(real, simulated, calls)`` per interval."""
        weight = sum(n for _, _, n in pairs)
        if not weight:
            return cls(None, None, None, len(pairs), 0, unit)
        absolute = math.fsum(n * abs(s - r) for r, s, n in pairs) / weight
        bias = math.fsum(n * (s - r) for r, s, n in pairs) / weight
        try:
            correlation: float | None = statistics.correlation(
                [r for r, _, _ in pairs], [s for _, s, _ in pairs]
            )
        except statistics.StatisticsError:
            correlation = None
        return cls(absolute, bias, correlation, len(pairs), weight, unit)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "mean_absolute": self.mean_absolute,
            "bias": self.bias,
            "correlation": self.correlation,
            "intervals": self.intervals,
            "calls": self.calls,
            "unit": self.unit,
        }


_FIGURES: tuple[tuple[str, str, str, Callable[[ChannelResult], float | None]], ...] = (
    ("contacts", "contacts", "calls", lambda r: float(r.offered)),
    ("wait", "mean wait, answered", "s", lambda r: r.wait.mean),
    ("abandonment", "abandonment", "%", lambda r: r.abandonment.value),
    ("service_level", "service level", "%", lambda r: r.service_level.value),
)


@attrs.frozen
class ReplayComparison:
    """Real calls against their replay through the simulator.

    ``real`` and ``simulated`` are the figures over every replayed call;
    ``intervals`` the same per interval (by arrival), in time order, with
    ``start`` on the calls' own clock. ``errors`` maps ``"wait"`` (mean wait of
    the answered calls, seconds), ``"abandonment"`` and ``"service_level"``
    (percentage points) to their :class:`ReplayError`. ``simulation`` is the
    simulator's full result (occupancy, concurrency...), ``report`` what was
    replayed and drawn, ``staff`` the roster used.
    """

    real: ChannelResult
    simulated: ChannelResult
    intervals: tuple[IntervalComparison, ...]
    errors: Mapping[str, ReplayError]
    report: ReplayReport
    staff: tuple[Staff, ...]
    simulation: SimulationResult
    interval: timedelta

    def summary(self) -> str:
        """The overall figures, real against simulated, and the per-interval errors."""
        width = 28
        lines = [f"{'':{width}} {'real':>10} {'simulated':>10}"]
        for key, label, unit, get in _FIGURES:
            real, sim = get(self.real), get(self.simulated)
            digits = 0 if key == "contacts" else 1
            lines.append(
                f"{f'{label} ({unit})':{width}} {_num(real, digits):>10} {_num(sim, digits):>10}"
            )
        per = "hour" if self.interval == timedelta(hours=1) else str(self.interval)
        lines.append(
            f"{f'error per {per}':{width}} {'mean abs':>10} {'bias':>8} {'correlation':>12}"
        )
        for key, label, unit, _ in _FIGURES[1:]:
            error = self.errors[key]
            shown = "s" if unit == "s" else "points"
            lines.append(
                f"{f'{label} ({shown})':{width}} {_num(error.mean_absolute):>10} "
                f"{_num(error.bias, sign=True):>8} {_num(error.correlation, 2):>12}"
            )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (without the roster and the simulator's own result)."""
        return {
            "interval_seconds": self.interval.total_seconds(),
            "real": self.real.to_dict(),
            "simulated": self.simulated.to_dict(),
            "errors": {k: e.to_dict() for k, e in self.errors.items()},
            "intervals": [i.to_dict() for i in self.intervals],
            "report": self.report.to_dict(),
        }


def _num(value: float | None, digits: int = 1, *, sign: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def _real(calls: Iterable[Call], threshold: float) -> ChannelResult:
    """What really happened to ``calls`` (each answered, or abandoned with an end),
    measured the way the simulator measures (a wait of ``threshold`` is within)."""
    offered = answered = abandoned = within = delayed = 0
    waits: list[float] = []
    gave_up: list[float] = []
    for c in calls:
        wait = _wait(c)
        assert wait is not None
        offered += 1
        delayed += wait > 0 or c.answered_at is None
        if c.answered_at is not None:
            answered += 1
            within += wait <= threshold
            waits.append(wait)
        else:
            abandoned += 1
            gave_up.append(wait)
    judged = answered + abandoned
    return ChannelResult(
        offered=offered,
        answered=answered,
        abandoned=abandoned,
        unserved=0,
        service_level=Rate.of(within, judged, threshold_seconds=threshold),
        abandonment=Rate.of(abandoned, judged),
        waited=Rate.of(delayed, judged),
        wait=Durations.of(waits),
        abandoned_wait=Durations.of(gave_up),
    )


def _empty(threshold: float) -> ChannelResult:
    return _real((), threshold)


def compare_with_reality(
    calls: Iterable[Call],
    *,
    interval: timedelta = timedelta(hours=1),
    roster_interval: timedelta | None = None,
    start: datetime | None = None,
    seed: int = 0,
    patience: CensoredPatience = "kaplan_meier",
    after_call_seconds: float = 0.0,
    service_level_seconds: float = 20.0,
    progress: Callable[[int, int], None] | None = None,
) -> ReplayComparison:
    """Replay ``calls`` through the simulator with the agents who really served
    them, and compare the outcome with what really happened, per ``interval``.

    The arrivals are :func:`arrivals_from_calls` (with ``seed``, ``patience``
    and ``after_call_seconds``); the roster is :func:`roster_from_calls`, by
    ``roster_interval`` (default: ``interval``). Calls count in the interval
    they reached the queue in, on both sides, and only the calls replayed are
    compared (see :attr:`ReplayComparison.report`). The service level counts
    the calls answered within ``service_level_seconds`` (a wait of exactly that
    is within) among those answered or abandoned. ``progress`` is passed on to
    :func:`~omnicontext.simulation.simulate`.

    The errors are per interval, weighted by the calls that arrived in it: see
    :class:`ReplayError`. Raises :class:`~omnicontext.errors.InvalidInput` for
    bad input (see the two functions above) or when no call is left to replay.
    """
    step = _interval(interval, "interval")
    roster_step = (
        step if roster_interval is None else _interval(roster_interval, "roster_interval")
    )
    threshold = _seconds(service_level_seconds, "service_level_seconds")
    checked = _calls(calls)
    begin = _start(checked, start)
    report = ReplayReport()
    arrivals = arrivals_from_calls(
        checked,
        seed=seed,
        patience=patience,
        after_call_seconds=after_call_seconds,
        report=report,
    )
    if not arrivals:
        raise InvalidInput(
            _SUBJECT, [FieldError("calls", report.summary(), "no call left to replay")]
        )
    staff = roster_from_calls(checked, interval=roster_step, start=begin)
    replayed = _replayed(checked, ReplayReport())
    last = max(
        [_slot(replayed[-1].occurred_at, begin, step)]
        + [(s.end - timedelta.resolution) // step for member in staff for s in member.shifts]
    )
    scenario = Scenario(
        start=begin,
        # No traffic of its own (the arrivals are given): only how long the day lasts.
        traffic=[Traffic(_CHANNEL, rates=[0.0] * (last + 1), handle=Fixed(0))],
        staff=staff,
        interval=step,
        seed=seed,
        service_level_seconds=threshold,
    )
    result = simulate(scenario, arrivals=arrivals, progress=progress)

    zone: tzinfo = replayed[0].occurred_at.tzinfo or UTC
    by_slot: dict[int, list[Call]] = defaultdict(list)
    for c in replayed:
        by_slot[_slot(c.occurred_at, begin, step)].append(c)
    intervals: list[IntervalComparison] = []
    pairs: dict[str, list[tuple[float, float, int]]] = {key: [] for key, *_ in _FIGURES[1:]}
    for k in sorted(by_slot):
        at = begin + step * k
        real = _real(by_slot[k], threshold)
        simulated = result.by_interval.get(at, {}).get(_CHANNEL) or _empty(threshold)
        intervals.append(IntervalComparison(at.astimezone(zone), real, simulated))
        for key, _, _, get in _FIGURES[1:]:
            r, s = get(real), get(simulated)
            if r is not None and s is not None:
                pairs[key].append((r, s, real.offered))
    return ReplayComparison(
        real=_real(replayed, threshold),
        simulated=result.overall,
        intervals=tuple(intervals),
        errors={
            key: ReplayError.of(pairs[key], "s" if unit == "s" else "points")
            for key, _, unit, _ in _FIGURES[1:]
        },
        report=report,
        staff=tuple(staff),
        simulation=result,
        interval=step,
    )
