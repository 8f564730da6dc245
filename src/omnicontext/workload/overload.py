"""Overload detection: who carried too much, when, and on which items.

:func:`detect_overload` reads work spans (and presence spans, if any) and
raises an :class:`OverloadAlert` for each stretch of time an
:class:`OverloadRules` rule was broken:

- ``sustained_load``: the agent's load (the capacity-weighted share of them
  in use, each instant capped at 1) averaged over a rolling window of clock
  time reached the threshold;
- ``concurrency``: more items of one channel at once than the profile's limit
  for that channel;
- ``over_capacity``: items adding up to more than the whole agent (an
  exclusive item counts as the whole agent), such as a chat given to someone
  on a call: work that went round the routing;
- ``no_break``: a stretch on duty longer than the limit without a break.

>>> from datetime import datetime, timedelta, timezone
>>> from omnicontext.workload.activity import WorkSpan
>>> nine = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
>>> spans = [WorkSpan(agent_id="ana", item_id=f"chat{i}", channel="chat", units="1/3",
...                   start=nine + timedelta(minutes=i), end=nine + timedelta(minutes=20))
...          for i in range(4)]
>>> [alert.describe() for alert in detect_overload(spans)]  # doctest: +NORMALIZE_WHITESPACE
['ana: 4 chat items at once (limit 3) from 2026-01-05 09:03:00 UTC to 09:20:00;
  items chat0, chat1, chat2, chat3',
 'ana: work adding up to 133% of capacity (limit 100%) from 2026-01-05 09:03:00 UTC to 09:20:00;
  items chat0, chat1, chat2, chat3']
"""

from __future__ import annotations

import bisect
import enum
import heapq
import math
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta, tzinfo
from fractions import Fraction

import attrs

from omnicontext.errors import FieldError, InvalidInput
from omnicontext.routing.capacity import CapacityProfile
from omnicontext.workload.activity import (
    PresenceSpan,
    WorkSpan,
    _datetime,
    _micros,
    _pieces,
    _scale,
)

__all__ = ["AlertKind", "OverloadAlert", "OverloadRules", "detect_overload"]

_US_PER_SECOND = 10**6
_SHOWN_ITEMS = 8


class AlertKind(enum.StrEnum):
    """Which rule an :class:`OverloadAlert` reports. Members are plain strings."""

    SUSTAINED_LOAD = "sustained_load"
    CONCURRENCY = "concurrency"
    OVER_CAPACITY = "over_capacity"
    NO_BREAK = "no_break"


_KIND_ORDER = {kind: n for n, kind in enumerate(AlertKind)}


def _share(value: object) -> object:
    """A threshold as an exact fraction (``0.9`` is nine tenths), or ``None``."""
    if value is None or isinstance(value, bool):
        return value
    try:
        if isinstance(value, float):
            return Fraction(repr(value))
        if isinstance(value, Fraction | int | str):
            return Fraction(value)
    except (ValueError, ZeroDivisionError):
        pass
    return value


def _positive(value: object) -> bool:
    return isinstance(value, timedelta) and value > timedelta(0)


@attrs.frozen
class OverloadRules:
    """The thresholds :func:`detect_overload` applies; every one is configurable.

    ``sustained_load``: the share of the agent (``0.9``, ``"9/10"``) that, averaged
    over ``sustained_window`` of clock time, raises a ``sustained_load`` alert;
    ``None`` turns the rule off. ``profile``: each channel's concurrent-item
    ``limit`` (channels it does not list have none). ``concurrency_grace``:
    ``concurrency`` and ``over_capacity`` excesses shorter than this are ignored
    (clock skew between systems). ``max_stretch``: the longest stretch on duty
    allowed without a break (``None``: off). ``min_break``: the shortest time
    without work (and, when presence is known, away or offline) that counts as
    a break.

    Bad values raise :class:`~omnicontext.errors.InvalidInput` naming each one.

    >>> OverloadRules(sustained_load="1/2").sustained_load
    Fraction(1, 2)
    >>> OverloadRules(sustained_load=1.5, min_break=timedelta(0))
    Traceback (most recent call last):
    ...
    omnicontext.errors.InvalidInput: invalid overload rules: sustained_load=Fraction(3, 2): must be
    greater than 0 and at most 1; min_break=datetime.timedelta(0): must be a timedelta > 0
    """

    sustained_load: Fraction | None = attrs.field(default=Fraction(9, 10), converter=_share)
    sustained_window: timedelta = timedelta(minutes=60)
    profile: CapacityProfile = attrs.field(factory=CapacityProfile.default)
    concurrency_grace: timedelta = timedelta(0)
    max_stretch: timedelta | None = timedelta(hours=2, minutes=30)
    min_break: timedelta = timedelta(minutes=15)

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        load: object = self.sustained_load
        if load is not None and (not isinstance(load, Fraction) or not 0 < load <= 1):
            errors.append(
                FieldError("sustained_load", load, "must be greater than 0 and at most 1")
            )
        if not _positive(self.sustained_window):
            errors.append(
                FieldError("sustained_window", self.sustained_window, "must be a timedelta > 0")
            )
        if not isinstance(self.profile, CapacityProfile):
            errors.append(FieldError("profile", self.profile, "must be a CapacityProfile"))
        grace: object = self.concurrency_grace
        if not isinstance(grace, timedelta) or grace < timedelta(0):
            errors.append(FieldError("concurrency_grace", grace, "must be a timedelta >= 0"))
        if self.max_stretch is not None and not _positive(self.max_stretch):
            errors.append(
                FieldError("max_stretch", self.max_stretch, "must be a timedelta > 0 or None")
            )
        if not _positive(self.min_break):
            errors.append(FieldError("min_break", self.min_break, "must be a timedelta > 0"))
        if errors:
            raise InvalidInput("overload rules", errors)


@attrs.frozen
class OverloadAlert:
    """One stretch of time during which an agent broke an overload rule.

    ``figure`` is what was measured and ``threshold`` the rule's limit; what
    they count depends on ``kind``:

    - ``sustained_load``: the highest load averaged over ``window`` (a share of
      the agent); the alert runs from the first instant with load in the first
      window that reached the threshold to the last instant with load in the
      last one, and windows that overlap make one alert;
    - ``concurrency``: the most items of ``channel`` held at once;
    - ``over_capacity``: the most the items added up to (``1`` is the whole
      agent);
    - ``no_break``: the length of the stretch, in seconds.

    ``spans`` is the evidence: the work spans (busy time, wrap-up included)
    overlapping the alert, only those of ``channel`` for ``concurrency``.
    """

    agent_id: str
    kind: AlertKind
    start: datetime
    end: datetime
    figure: Fraction
    threshold: Fraction
    spans: tuple[WorkSpan, ...] = ()
    channel: str | None = None
    window: timedelta | None = None

    @property
    def item_ids(self) -> tuple[str, ...]:
        """The distinct items of :attr:`spans`, in order of their start."""
        return tuple(dict.fromkeys(span.item_id for span in self.spans))

    def describe(self) -> str:
        """One line a supervisor can read: who, what was measured against what, when,
        and on which items."""
        if self.kind is AlertKind.SUSTAINED_LOAD:
            window = _duration(self.window or timedelta(0))
            what = (
                f"load averaged {_percent(self.figure)} over {window} "
                f"(threshold {_percent(self.threshold)})"
            )
        elif self.kind is AlertKind.CONCURRENCY:
            what = f"{self.figure} {self.channel} items at once (limit {self.threshold})"
        elif self.kind is AlertKind.OVER_CAPACITY:
            what = (
                f"work adding up to {_percent(self.figure)} of capacity "
                f"(limit {_percent(self.threshold)})"
            )
        else:
            what = (
                f"{_duration(_seconds(self.figure))} on duty without a break "
                f"(limit {_duration(_seconds(self.threshold))})"
            )
        items = self.item_ids
        shown = ", ".join(items[:_SHOWN_ITEMS])
        if len(items) > _SHOWN_ITEMS:
            shown += f" and {len(items) - _SHOWN_ITEMS} more"
        evidence = f"; items {shown}" if items else "; no items held"
        return f"{self.agent_id}: {what} from {_when(self.start, self.end)}{evidence}"


def _seconds(value: Fraction) -> timedelta:
    return timedelta(seconds=float(value))


def _percent(value: Fraction) -> str:
    return f"{math.floor(value * 100)}%"


def _duration(value: timedelta) -> str:
    seconds = round(value.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    parts.append(f"{seconds} s" if seconds or not any(parts) else "")
    return " ".join(p for p in parts if p)


def _when(start: datetime, end: datetime) -> str:
    first = start.strftime("%Y-%m-%d %H:%M:%S %Z").rstrip()
    last = end.strftime("%H:%M:%S" if end.date() == start.date() else "%Y-%m-%d %H:%M:%S")
    return f"{first} to {last}"


def detect_overload(
    spans: Iterable[WorkSpan],
    presence: Iterable[PresenceSpan] | None = None,
    *,
    rules: OverloadRules | None = None,
) -> list[OverloadAlert]:
    """Every rule of ``rules`` (default ``OverloadRules()``) each agent broke.

    Presence matters only to ``no_break``: with presence spans, an agent is on
    duty while holding work or while available or busy, and a break is at
    least ``min_break`` without work while away, offline, or without any
    presence span. Without them, a break is at least ``min_break`` without work.

    Alerts come sorted by start, then agent, kind (in the order of
    :class:`AlertKind`) and channel. Each agent is one sweep over their sorted
    span boundaries: O(n log n) for n spans.
    """
    rules = OverloadRules() if rules is None else rules
    work: dict[str, list[WorkSpan]] = {}
    for span in spans:
        work.setdefault(span.agent_id, []).append(span)
    states: dict[str, list[PresenceSpan]] = {}
    for state in presence or ():
        states.setdefault(state.agent_id, []).append(state)
    scale = _scale(s for of_agent in work.values() for s in of_agent)
    alerts: list[OverloadAlert] = []
    for agent in sorted(set(work) | set(states)):
        alerts.extend(_Agent(agent, work.get(agent, []), states.get(agent, []), scale, rules))
    alerts.sort(key=lambda a: (a.start, a.agent_id, _KIND_ORDER[a.kind], a.channel or ""))
    return alerts


_Run = tuple[int, int, int]
"""A stretch of microseconds ``[start, end)`` and the highest figure in it."""


def _above(steps: Iterable[tuple[int, int, int]], limit: int) -> list[_Run]:
    """The maximal runs of consecutive steps whose value exceeds ``limit``."""
    runs: list[_Run] = []
    for a, b, value in steps:
        if value <= limit:
            continue
        if runs and runs[-1][1] == a:
            lo, _, peak = runs[-1]
            runs[-1] = (lo, b, max(peak, value))
        else:
            runs.append((a, b, value))
    return runs


def _counts(intervals: Iterable[tuple[int, int]]) -> Iterator[tuple[int, int, int]]:
    """How many of ``intervals`` overlap, step by step (a sweep over their ends)."""
    events = sorted(e for a, b in intervals for e in ((a, 1), (b, -1)))
    count = 0
    previous: int | None = None
    for at, delta in events:
        if previous is not None and at > previous:
            yield previous, at, count
        count += delta
        previous = at


class _Agent:
    """The alerts of one agent (an iterable, built once)."""

    def __init__(
        self,
        agent_id: str,
        spans: list[WorkSpan],
        presence: list[PresenceSpan],
        scale: int,
        rules: OverloadRules,
    ) -> None:
        self.agent_id = agent_id
        self.rules = rules
        self.scale = scale
        # Alerts are shown in the time zone of the agent's first span.
        zone = min([s.start for s in spans] + [p.start for p in presence]).tzinfo
        assert zone is not None
        self.zone: tzinfo = zone
        held = [(_micros(s.start), _micros(s.busy_until), s) for s in spans]
        self.held = sorted((h for h in held if h[1] > h[0]), key=lambda h: (h[0], h[1]))
        self.pieces = list(_pieces(spans, presence, scale))

    def __iter__(self) -> Iterator[OverloadAlert]:
        yield from self._concurrency()
        yield from self._over_capacity()
        if self.rules.sustained_load is not None:
            yield from self._sustained(self.rules.sustained_load)
        if self.rules.max_stretch is not None:
            yield from self._no_break(self.rules.max_stretch)

    def _alerts(
        self,
        kind: AlertKind,
        runs: Sequence[tuple[int, int, Fraction]],
        threshold: Fraction,
        held: Sequence[tuple[int, int, WorkSpan]],
        *,
        channel: str | None = None,
        window: timedelta | None = None,
    ) -> Iterator[OverloadAlert]:
        evidence = _overlapping(held, [(lo, hi) for lo, hi, _ in runs])
        for (lo, hi, figure), involved in zip(runs, evidence, strict=True):
            yield OverloadAlert(
                agent_id=self.agent_id,
                kind=kind,
                start=_datetime(lo, self.zone),
                end=_datetime(hi, self.zone),
                figure=figure,
                threshold=threshold,
                spans=involved,
                channel=channel,
                window=window,
            )

    def _grace(self, runs: list[_Run]) -> list[_Run]:
        shortest = self.rules.concurrency_grace // timedelta(microseconds=1)
        return [run for run in runs if run[1] - run[0] >= shortest]

    def _concurrency(self) -> Iterator[OverloadAlert]:
        by_channel: dict[str, list[tuple[int, int, WorkSpan]]] = {}
        for h in self.held:
            by_channel.setdefault(h[2].channel, []).append(h)
        for channel in sorted(by_channel):
            spec = self.rules.profile.channels.get(channel)
            if spec is None or spec.limit is None:
                continue
            held = by_channel[channel]
            runs = self._grace(_above(_counts((a, b) for a, b, _ in held), spec.limit))
            yield from self._alerts(
                AlertKind.CONCURRENCY,
                [(lo, hi, Fraction(peak)) for lo, hi, peak in runs],
                Fraction(spec.limit),
                held,
                channel=channel,
            )

    def _over_capacity(self) -> Iterator[OverloadAlert]:
        steps = ((p.start, p.end, p.demand) for p in self.pieces)
        runs = self._grace(_above(steps, self.scale))
        yield from self._alerts(
            AlertKind.OVER_CAPACITY,
            [(lo, hi, Fraction(peak, self.scale)) for lo, hi, peak in runs],
            Fraction(1),
            self.held,
        )

    def _no_break(self, max_stretch: timedelta) -> Iterator[OverloadAlert]:
        steps = ((p.start, p.end, int(p.items > 0 or p.on_duty)) for p in self.pieces)
        shortest_break = self.rules.min_break // timedelta(microseconds=1)
        stretches: list[tuple[int, int]] = []
        for lo, hi, _ in _above(steps, 0):
            if stretches and lo - stretches[-1][1] < shortest_break:
                stretches[-1] = (stretches[-1][0], hi)
            else:
                stretches.append((lo, hi))
        longest = max_stretch // timedelta(microseconds=1)
        too_long = [(lo, hi) for lo, hi in stretches if hi - lo > longest]
        yield from self._alerts(
            AlertKind.NO_BREAK,
            [(lo, hi, Fraction(hi - lo, _US_PER_SECOND)) for lo, hi in too_long],
            Fraction(longest, _US_PER_SECOND),
            self.held,
        )

    def _sustained(self, threshold: Fraction) -> Iterator[OverloadAlert]:
        """Runs where the load averaged over the rolling window reaches ``threshold``.

        ``C(t)``, the load integrated up to ``t``, is piecewise linear with a
        corner at each piece boundary, so ``g(t) = C(t) - C(t - W)`` is linear
        between the points of ``B`` and ``B + W`` (``B`` the boundaries). ``g`` is
        evaluated at those points only, and where it crosses ``threshold * W``
        between two of them the crossing is interpolated exactly.
        """
        if not self.pieces:
            return
        width = self.rules.sustained_window // timedelta(microseconds=1)
        times = [p.start for p in self.pieces] + [self.pieces[-1].end]
        levels = [min(p.demand, self.scale) for p in self.pieces] + [0]
        totals = [0]
        for k, p in enumerate(self.pieces):
            totals.append(totals[-1] + levels[k] * (p.end - p.start))

        def integrals(queries: list[int]) -> list[int]:
            """``C`` at each of ``queries`` (sorted), in one walk along ``times``."""
            found: list[int] = []
            k = -1
            for at in queries:
                while k + 1 < len(times) and times[k + 1] <= at:
                    k += 1
                found.append(0 if k < 0 else totals[k] + levels[k] * (at - times[k]))
            return found

        points = sorted({*times, *(t + width for t in times)})
        ends, starts = integrals(points), integrals([t - width for t in points])
        values = [end - start for end, start in zip(ends, starts, strict=True)]
        # g(t) >= threshold * width, in whole numbers: g * den >= need.
        den = threshold.denominator
        need = threshold.numerator * width * self.scale
        runs: list[tuple[int, int, int]] = []

        def add(lo: int, hi: int, peak: int) -> None:
            if runs and lo - width < runs[-1][1]:
                first, last, top = runs[-1]
                runs[-1] = (first, max(hi, last), max(top, peak))
            else:
                runs.append((lo, hi, peak))

        for k in range(len(points) - 1):
            t0, t1, g0, g1 = points[k], points[k + 1], values[k], values[k + 1]
            in0, in1 = g0 * den >= need, g1 * den >= need
            if in0 and in1:
                add(t0, t1, max(g0, g1))
            elif in0:  # leaves the run between t0 and t1
                add(t0, t0 + (g0 * den - need) * (t1 - t0) // ((g0 - g1) * den), g0)
            elif in1:  # enters it
                add(t1 - (g1 * den - need) * (t1 - t0) // ((g1 - g0) * den), t1, g1)
        # A run's windows start before the load does and end after it: show the
        # alert from the first to the last instant with load.
        loaded = [p for p in self.pieces if p.demand]
        starts, ends = [p.start for p in loaded], [p.end for p in loaded]

        def trim(lo: int, hi: int) -> tuple[int, int]:
            first = loaded[bisect.bisect_right(ends, lo)]
            last = loaded[bisect.bisect_left(starts, hi) - 1]
            return max(lo, first.start), min(hi, last.end)

        yield from self._alerts(
            AlertKind.SUSTAINED_LOAD,
            [(*trim(lo - width, hi), Fraction(peak, width * self.scale)) for lo, hi, peak in runs],
            threshold,
            self.held,
            window=self.rules.sustained_window,
        )


def _overlapping(
    held: Sequence[tuple[int, int, WorkSpan]], runs: Sequence[tuple[int, int]]
) -> list[tuple[WorkSpan, ...]]:
    """For each run (sorted, disjoint), the spans overlapping it, in order of start.

    ``held`` is sorted by start. A span enters a heap keyed by its end once it
    starts before the run ends, and leaves once it ends before a run starts;
    what remains overlaps the run. O((n + output) log n).
    """
    found: list[tuple[WorkSpan, ...]] = []
    active: list[tuple[int, int]] = []
    i = 0
    for lo, hi in runs:
        while i < len(held) and held[i][0] < hi:
            heapq.heappush(active, (held[i][1], i))
            i += 1
        while active and active[0][0] <= lo:
            heapq.heappop(active)
        found.append(tuple(held[j][2] for j in sorted(j for _, j in active)))
    return found
