"""The KPI engine: one pass over interactions, in any order, to every metric.

:class:`KpiAggregator` takes interactions one at a time, in any order, and can
be read at any moment; :func:`compute` is the same aggregator fed a whole
iterable at once, so the batch and the real-time numbers are the same numbers.

Nothing an interaction says is kept beyond what the definitions need: per
case, a few timestamps (first contact, responses, statuses), its channels,
its latest assignment and its survey scores; per call, its contribution to
handle time and service level. An interaction whose ``id`` was seen before is
ignored, so replaying a feed changes nothing.

>>> from omnicontext.testing.factories import T0, minutes
>>> from omnicontext.model import Message, StatusChange, Survey
>>> feed = [
...     Message(id="m1", occurred_at=T0, channel="chat", case_id="k1",
...             customer_id="c1", actor="customer", direction="inbound", body="Hi"),
...     Message(id="m2", occurred_at=minutes(2), channel="chat", case_id="k1",
...             actor="agent", agent_id="ana", direction="outbound", body="Hello!"),
...     StatusChange(id="s1", occurred_at=minutes(10), channel="chat", case_id="k1",
...                  actor="agent", agent_id="ana", status="solved"),
...     Survey(id="v1", occurred_at=minutes(11), channel="email", case_id="k1",
...            actor="customer", csat=5),
... ]
>>> report = compute(feed)
>>> report.overall["first_response_time"].median, report.overall["csat"].value
(120.0, 100.0)
>>> report.by_channel["chat"]["resolution_time"].first.mean
600.0
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Protocol, TypeAlias, cast
from zoneinfo import ZoneInfo

import attrs

from omnicontext._gc import collector_paused
from omnicontext.errors import FieldError, InvalidInput, NotFound
from omnicontext.kpi.results import (
    Count,
    Durations,
    Nps,
    Rate,
    Resolution,
    Result,
)
from omnicontext.kpi.rules import KpiRules
from omnicontext.model import (
    Case,
    ChannelRegistry,
    InteractionBase,
    current_channels,
)

__all__ = [
    "DIMENSIONS",
    "BusinessClock",
    "CaseLookup",
    "KpiAggregator",
    "KpiReport",
    "compute",
]

DIMENSIONS = ("channel", "agent", "tag", "day", "week")
"""The breakdowns a report can hold besides ``overall``."""

_NO_AGENT = "(none)"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _in_utc(moment: datetime) -> datetime:
    """``moment`` in UTC, so equal instants show alike; as given where UTC has no
    such time (near year 1 or 9999)."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return moment


def _seconds(moment: datetime) -> float:
    """Seconds since the epoch; also for times near year 1 or 9999, where
    ``timestamp()`` gives up."""
    try:
        return moment.timestamp()
    except (ValueError, OverflowError, OSError):
        return (moment - _EPOCH).total_seconds()


_OVERALL = ("", "")
_NO_TAG = "(untagged)"


class BusinessClock(Protocol):
    """What the engine needs of a business calendar
    (:class:`~omnicontext.kpi.calendar.BusinessCalendar` is one)."""

    @property
    def time_zone(self) -> str:
        """The IANA zone the calendar's days are counted in."""
        ...

    def business_seconds(self, start: datetime, end: datetime) -> float:
        """Seconds of opening time in ``[start, end)``."""
        ...


CaseLookup = Callable[[str], Case | None]
"""Finds a case document (for its tags and priority) by id, or ``None``."""


class _Case:
    """What one case contributes, kept as plain numbers (lists only once needed)."""

    __slots__ = (
        "agent",
        "agent_at",
        "agent_key",
        "channel",
        "channels",
        "home",
        "home_channel",
        "home_id",
        "inbound",
        "reopens",
        "replies",
        "resp",
        "resp_agents",
        "solved",
        "start",
        "start_channel",
        "start_id",
        "start_is_message",
        "surveys",
    )

    def __init__(self, at: float, iid: bytes, channel: str) -> None:
        self.home = at  # the first interaction of any kind, ties by id
        self.home_id = iid
        self.home_channel = channel
        self.start = math.inf  # the first inbound customer interaction
        self.start_id = b""
        self.start_channel = ""
        self.start_is_message = False
        # Times kept per case. Most cases have one of each, so a single value is
        # held bare and becomes a list at the second (see _push and _items).
        self.inbound: _Held = None
        self.resp: _Held = None  # response times ...
        self.resp_agents: str | list[str] | None = None  # ... and who responded, in step
        self.replies = 0  # interactions that responded
        self.solved: _Held = None
        self.reopens: _Held = None
        self.channel: str | None = None
        self.channels: set[str] | None = None
        self.agent: str | None = None
        self.agent_at = -math.inf
        self.agent_key = b""
        self.surveys: list[tuple[str, int]] | None = None

    def touch(self, channel: str) -> None:
        if self.channel is None:
            self.channel = channel
        elif channel != self.channel:
            if self.channels is None:
                self.channels = {self.channel}
            self.channels.add(channel)

    def respond(self, at: float, agent: str) -> None:
        held = self.resp
        if held is None:
            self.resp, self.resp_agents = at, agent
        elif isinstance(held, list):
            held.append(at)
            cast("list[str]", self.resp_agents).append(agent)
        else:
            self.resp, self.resp_agents = [held, at], [cast(str, self.resp_agents), agent]

    def arrive(self, at: float, iid: bytes, channel: str, is_message: bool) -> None:
        self.inbound = _push(self.inbound, at)
        if at < self.start or (at == self.start and iid < self.start_id):
            self.start, self.start_id = at, iid
            self.start_channel = channel
            self.start_is_message = is_message

    @property
    def channel_count(self) -> int:
        return 1 if self.channels is None else len(self.channels)


_Held: TypeAlias = float | list[float] | None


def _push(held: _Held, at: float) -> float | list[float]:
    if held is None:
        return at
    if isinstance(held, list):
        held.append(at)
        return held
    return [held, at]


def _items(held: _Held) -> Sequence[float]:
    if held is None:
        return ()
    return held if isinstance(held, list) else (held,)


_KINDS = frozenset({"message", "call", "status", "assignment", "survey", "handoff", "note"})


class _CallAcc:
    """Per-slice call figures, summed as calls arrive."""

    __slots__ = ("abandoned", "handle", "handle_open", "live", "within")

    def __init__(self) -> None:
        self.handle: list[float] = []
        self.handle_open = 0  # answered calls not ended yet
        self.live = 0
        self.within = 0
        self.abandoned = 0


class _CaseAcc:
    """Per-slice case figures, summed when a report is read."""

    __slots__ = (
        "abandoned",
        "csat_good",
        "csat_n",
        "fcr",
        "first",
        "first_open",
        "frt",
        "frt_open",
        "full",
        "full_open",
        "live",
        "nps_det",
        "nps_n",
        "nps_pro",
        "reopened",
        "repeat",
        "responded",
        "sla_met",
        "sla_n",
        "solved",
        "switched",
        "volume",
        "within",
    )

    def __init__(self) -> None:
        self.volume = 0
        self.csat_n = self.csat_good = 0
        self.nps_n = self.nps_pro = self.nps_det = 0
        self.frt: list[float] = []
        self.frt_open = 0
        self.first: list[float] = []
        self.first_open = 0
        self.full: list[float] = []
        self.full_open = 0
        self.solved = self.fcr = self.reopened = 0
        self.live = self.within = self.abandoned = 0
        self.sla_n = self.sla_met = 0
        self.switched = 0
        self.responded = self.repeat = 0

    def survey(self, kind: str, score: int) -> None:
        if kind == "csat":
            self.csat_n += 1
            self.csat_good += score >= 4
        else:
            self.nps_n += 1
            self.nps_pro += score >= 9
            self.nps_det += score <= 6


_Slices = dict[tuple[str, str], Any]


def _results(
    cases: _CaseAcc | None, calls: _CallAcc | None, threshold: float
) -> dict[str, Result]:
    c = cases or _CaseAcc()
    k = calls or _CallAcc()
    return {
        "volume": Count(c.volume),
        "csat": Rate.of(c.csat_good, c.csat_n),
        "nps": Nps.of(
            promoters=c.nps_pro, passives=c.nps_n - c.nps_pro - c.nps_det, detractors=c.nps_det
        ),
        "first_response_time": Durations.of(c.frt, open=c.frt_open),
        "resolution_time": Resolution(
            Durations.of(c.first, open=c.first_open), Durations.of(c.full, open=c.full_open)
        ),
        "fcr": Rate.of(c.fcr, c.solved),
        "reopen_rate": Rate.of(c.reopened, c.solved),
        "aht": Durations.of(k.handle, open=k.handle_open),
        "service_level": Rate.of(
            c.within + k.within, c.live + k.live, threshold_seconds=threshold
        ),
        "abandonment_rate": Rate.of(c.abandoned + k.abandoned, c.live + k.live),
        "sla_compliance": Rate.of(c.sla_met, c.sla_n),
        "channel_switch_rate": Rate.of(c.switched, c.volume),
        "repeat_contact_rate": Rate.of(c.repeat, c.responded),
    }


def _result_dict(result: Result) -> dict[str, Any]:
    return result.to_dict()


@attrs.frozen
class KpiReport:
    """Every metric, overall and by each requested breakdown.

    ``overall`` and each slice map a metric key (see
    :data:`~omnicontext.kpi.results.METRICS`) to its result. ``breakdowns``
    maps a dimension (``"channel"``, ``"agent"``, ``"tag"``, ``"day"``,
    ``"week"``) to ``{slice: {metric: result}}``. Cases and surveys count in
    the channel of the case's first customer contact; calls in their own
    channel.
    """

    overall: Mapping[str, Result]
    breakdowns: Mapping[str, Mapping[str, Mapping[str, Result]]]
    interactions: int
    """Distinct interactions counted."""
    duplicates: int
    """Interactions ignored because their id had been seen."""
    cases: int
    """Cases with a first customer contact (proactive cases are not counted)."""
    proactive: int
    """Cases with interactions but no inbound customer contact."""
    start: datetime | None
    end: datetime | None
    """The earliest and latest ``occurred_at`` seen."""
    as_of: datetime | None
    """The moment open cases were judged at (SLA due times, unanswered chats)."""
    time: str
    """``"calendar"`` or ``"business"``: how case durations were counted."""
    time_zone: str | None
    rules: KpiRules
    zone: tzinfo | None = None
    """The time zone itself (``time_zone`` is its name), for showing times."""

    @property
    def by_channel(self) -> Mapping[str, Mapping[str, Result]]:
        """The channel effectiveness breakdown (``{}`` if it was not asked for)."""
        return self.breakdowns.get("channel", {})

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``{"overall": ..., "by_channel": ..., "by_agent": ..., "meta": ...}``.

        Each breakdown asked for appears as ``by_<dimension>``; ``by_channel``
        is always present.
        """
        out: dict[str, Any] = {
            "overall": {k: _result_dict(v) for k, v in self.overall.items()},
            "by_channel": {},
        }
        for dimension, slices in self.breakdowns.items():
            out[f"by_{dimension}"] = {
                key: {k: _result_dict(v) for k, v in metrics.items()}
                for key, metrics in slices.items()
            }
        out["meta"] = {
            "interactions": self.interactions,
            "duplicates": self.duplicates,
            "cases": self.cases,
            "proactive": self.proactive,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "time": self.time,
            "time_zone": self.time_zone,
            "service_level_seconds": self.rules.service_level_seconds,
        }
        return out


def _check_by(by: Iterable[str]) -> tuple[str, ...]:
    if isinstance(by, str):
        by = (by,)
    chosen = tuple(dict.fromkeys(by))
    bad = [d for d in chosen if d not in DIMENSIONS]
    if bad:
        raise InvalidInput(
            "kpi breakdown",
            [
                FieldError("by", d, f"unknown breakdown; expected one of {', '.join(DIMENSIONS)}")
                for d in bad
            ],
        )
    return chosen


def _lookup(cases: CaseLookup | Mapping[str, Case] | None) -> CaseLookup | None:
    if cases is None or callable(cases):
        return cases
    mapping = cases
    return mapping.get


class KpiAggregator:
    """Feed interactions in any order; read every metric at any moment.

    ``calendar`` counts case durations (first response, resolution, SLA) in
    business time; without one they are calendar time. ``by`` names the
    breakdowns to keep (default: by channel). ``day`` and ``week`` need a time
    zone: the calendar's, or ``time_zone``. ``cases`` finds case documents for
    their tags (the ``tag`` breakdown) and priority (SLA targets); without it a
    case has no tags and ``normal`` priority. ``channels`` says which channels
    are live (default: the registry in force).

    Adding an interaction whose ``id`` was already added does nothing and
    returns ``False``. The result never depends on the order of the feed.
    """

    def __init__(
        self,
        *,
        rules: KpiRules | None = None,
        calendar: BusinessClock | None = None,
        by: Iterable[str] = ("channel",),
        time_zone: str | tzinfo | None = None,
        cases: CaseLookup | Mapping[str, Case] | None = None,
        channels: ChannelRegistry | None = None,
    ) -> None:
        self._rules = rules if rules is not None else KpiRules()
        if not isinstance(self._rules, KpiRules):
            raise InvalidInput("kpi rules", [FieldError("rules", rules, "must be KpiRules")])
        self._calendar = calendar
        self._by = _check_by(by)
        zone = time_zone if time_zone is not None else (calendar.time_zone if calendar else None)
        self._zone_name: str | None
        if isinstance(zone, str):
            try:
                self._zone: tzinfo | None = ZoneInfo(zone)
            except (ValueError, LookupError, OSError):  # "Europe" is a folder, not a zone
                raise InvalidInput(
                    "kpi options", [FieldError("time_zone", zone, "unknown IANA time zone")]
                ) from None
            self._zone_name = zone
        else:
            self._zone = zone
            self._zone_name = None if zone is None else getattr(zone, "key", None) or str(zone)
        if self._zone is None and {"day", "week"} & set(self._by):
            raise InvalidInput(
                "kpi options",
                [
                    FieldError(
                        "time_zone",
                        None,
                        "a day or week breakdown needs a time zone (a calendar, time_zone= "
                        "or --time-zone); it is never guessed",
                    )
                ],
            )
        self._cases_lookup = _lookup(cases)
        registry = channels if channels is not None else current_channels()
        self._live = {name for name in registry if registry[name].is_live}
        self._seen: set[bytes] = set()
        self._names: dict[str, str] = {}
        self._duplicates = 0
        self._cases: dict[str, _Case] = {}
        self._calls: _Slices = {}
        self._loose_surveys: list[tuple[str, float, str, int]] = []
        self._tags: dict[str, tuple[str, ...]] = {}
        self._priority: dict[str, str] = {}
        self._first = math.inf
        self._last = -math.inf
        self._first_at: datetime | None = None
        self._last_at: datetime | None = None
        self._threshold = float(self._rules.service_level_seconds)
        self._short = float(self._rules.short_abandon_seconds)
        self._wants_agent = "agent" in self._by
        self._wants_tag = "tag" in self._by
        self._wants_period = [d for d in self._by if d in ("day", "week")]
        self._wants_channel = "channel" in self._by
        self._by_channel_only = self._by == ("channel",)
        self._repeat_gap = self._rules.repeat_contact.gap.total_seconds()
        self._repeat_window = self._rules.repeat_contact.window.total_seconds()
        self._channel_accs: dict[str, list[_CaseAcc]] = {}

    # -- feeding ---------------------------------------------------------------

    def add(self, interaction: InteractionBase) -> bool:
        """Count one interaction; ``False`` if its id was already counted."""
        # Ids are kept as UTF-8 bytes: 16 bytes less each than the text, and the
        # same order (UTF-8 sorts as code points do), so ties still go to the
        # lower id. The cases keep this same object for their tie-breaks.
        key = interaction.id.encode("utf-8", "surrogatepass")
        seen = self._seen
        if key in seen:
            self._duplicates += 1
            return False
        kind = getattr(interaction, "type", None)
        if kind not in _KINDS:
            raise InvalidInput(
                "interaction",
                [FieldError("type", kind, "not an interaction type the KPIs know")],
            )
        occurred = interaction.occurred_at
        try:
            at = occurred.timestamp()
        except (ValueError, OverflowError, OSError):  # near year 1 or 9999
            at = _seconds(occurred)
        seen.add(key)
        if at < self._first:
            self._first, self._first_at = at, occurred
        if at > self._last:
            self._last, self._last_at = at, occurred
        it: Any = interaction
        # Channel and agent names repeat across millions of records: keep one
        # copy of each (decoders make a new string every time).
        name = self._names.setdefault
        channel = name(it.channel, it.channel)
        case: _Case | None = None
        case_id = it.case_id
        if case_id is not None:
            case = self._cases.get(case_id)
            if case is None:
                case = self._cases[case_id] = _Case(at, key, channel)
            elif at < case.home or (at == case.home and key < case.home_id):
                case.home, case.home_id, case.home_channel = at, key, channel
        if kind == "message":
            if case is not None:
                case.touch(channel)
                actor = it.actor
                # The model guarantees a customer's message is inbound and an
                # agent's outbound.
                if actor == "customer":
                    case.arrive(at, key, channel, True)
                elif actor == "agent":
                    case.respond(at, name(it.agent_id, it.agent_id))
                    case.replies += 1
        elif kind == "call":
            self._on_call(it, at, key, case, channel)
        elif case is None:
            if kind == "survey":
                score = it.csat
                self._loose_surveys.append(
                    (it.channel, at, "csat", score)
                    if score is not None
                    else (it.channel, at, "nps", it.nps)
                )
        elif kind == "status":
            status = it.status
            if status == "solved":
                case.solved = _push(case.solved, at)
            elif status == "open" or status == "pending":
                case.reopens = _push(case.reopens, at)
        elif kind == "assignment":
            if at > case.agent_at or (at == case.agent_at and key > case.agent_key):
                case.agent_at, case.agent_key, case.agent = at, key, name(it.agent_id, it.agent_id)
        elif kind == "survey":
            score = it.csat
            entry = ("csat", score) if score is not None else ("nps", it.nps)
            if case.surveys is None:
                case.surveys = [entry]
            else:
                case.surveys.append(entry)
        elif kind == "handoff":
            case.touch(name(it.from_channel, it.from_channel))
            case.touch(name(it.to_channel, it.to_channel))
        return True

    def extend(self, interactions: Iterable[InteractionBase]) -> int:
        """Add every interaction; returns how many were new.

        The cyclic garbage collector is paused while it runs (and restored
        after, also on error): the engine's records hold no cycles, and the
        collector rescanning a million of them cost a quarter of the time.
        """
        add = self.add
        added = 0
        with collector_paused():
            for item in interactions:
                added += add(item)
        return added

    def _on_call(self, it: Any, at: float, key: bytes, case: _Case | None, channel: str) -> None:
        answered = it.answered_at
        agent = it.agent_id
        if agent is not None:
            agent = self._names.setdefault(agent, agent)
        inbound = it.direction == "inbound"
        answered_at = None if answered is None else _seconds(answered)
        if case is not None:
            case.touch(channel)
            if inbound and it.actor == "customer":
                case.arrive(at, key, channel, False)
            if not inbound and it.actor == "agent":
                case.respond(at, agent)  # placing the call is the response, like a message
                case.replies += 1
            elif answered_at is not None and agent is not None:
                # An agent took the call: the customer's, or one a dialer placed.
                case.respond(answered_at, agent)
                case.replies += 1
        ended = it.ended_at
        handle = None
        if answered_at is not None and ended is not None:
            # Timestamps: aware times in one ZoneInfo zone subtract as wall clocks.
            handle = _seconds(ended) - answered_at + it.wrap_up_seconds
        live = within = abandoned = 0
        if inbound:
            if answered_at is not None:
                live = 1
                within = (answered_at - at) <= self._threshold
            elif ended is not None and _seconds(ended) - at >= self._short:
                live = abandoned = 1
        still_talking = answered_at is not None and ended is None
        if handle is None and not live and not still_talking:
            return
        taker = agent if answered_at is not None else None
        # An unanswered call has nobody to count for: no agent slice at all.
        for slice_key in self._keys(channel, taker, it.case_id, at, nobody=None):
            acc = self._calls.get(slice_key)
            if acc is None:
                acc = self._calls[slice_key] = _CallAcc()
            if handle is not None:
                acc.handle.append(handle)
            acc.handle_open += still_talking
            acc.live += live
            acc.within += within
            acc.abandoned += abandoned

    # -- reading ---------------------------------------------------------------

    def _tags_of(self, case_id: str | None) -> tuple[str, ...]:
        if case_id is None:
            return (_NO_TAG,)
        tags = self._tags.get(case_id)
        return tags if tags is not None else self._load(case_id)[0]

    def _load(self, case_id: str) -> tuple[tuple[str, ...], str]:
        """A case's tags and priority. Only found documents are remembered: a
        case without one is asked about again at the next report."""
        found = None
        if self._cases_lookup is not None:
            try:
                found = self._cases_lookup(case_id)
            except NotFound:  # store.cases.get raises where a lookup returns None
                found = None
        if found is None:
            return (_NO_TAG,), "normal"
        tags = tuple(found.tags) if found.tags else (_NO_TAG,)
        self._tags[case_id] = tags
        self._priority[case_id] = found.priority.value
        return tags, found.priority.value

    def _priority_of(self, case_id: str) -> str:
        known = self._priority.get(case_id)
        return known if known is not None else self._load(case_id)[1]

    def _period(self, period: str, at: float) -> str:
        try:
            day = (_EPOCH + timedelta(seconds=at)).astimezone(self._zone).date()
        except OverflowError:
            raise InvalidInput(
                "kpi breakdown",
                [FieldError("occurred_at", at, f"has no {period} in {self._zone_name}")],
            ) from None
        if period == "day":
            return day.isoformat()
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"

    def _span(self, start: float, end: float) -> float:
        if self._calendar is None:
            return end - start
        return self._calendar.business_seconds(
            _EPOCH + timedelta(seconds=start), _EPOCH + timedelta(seconds=end)
        )

    def report(self, *, as_of: datetime | None = None) -> KpiReport:
        """Every metric as of now: the same numbers :func:`compute` gives for the
        same interactions.

        ``as_of`` (default: the latest ``occurred_at`` added) is the moment
        still-open work is judged at: a case past its SLA due time without a
        response has breached it; one not yet due is left out.
        """
        if as_of is not None and (as_of.tzinfo is None or as_of.utcoffset() is None):
            raise InvalidInput(
                "kpi report", [FieldError("as_of", as_of, "must be timezone-aware")]
            )
        now = _seconds(as_of) if as_of is not None else self._last
        slices: _Slices = {}
        self._channel_accs = {}
        proactive = 0
        for case_id, case in self._cases.items():
            if case.start == math.inf:
                proactive += 1
            self._settle(case_id, case, now, slices)
        for channel, at, kind, score in self._loose_surveys:
            for key in self._keys(channel, None, None, at):
                _acc(slices, key).survey(kind, score)
        overall = _results(slices.get(_OVERALL), self._calls.get(_OVERALL), self._threshold)
        breakdowns: dict[str, dict[str, Mapping[str, Result]]] = {d: {} for d in self._by}
        for dimension, name in sorted({*slices, *self._calls}):
            if dimension:
                breakdowns[dimension][name] = _results(
                    slices.get((dimension, name)),
                    self._calls.get((dimension, name)),
                    self._threshold,
                )
        # In UTC, so equal instants given in other offsets read alike.
        first = None if self._first_at is None else _in_utc(self._first_at)
        last = None if self._last_at is None else _in_utc(self._last_at)
        return KpiReport(
            overall=overall,
            breakdowns=breakdowns,
            interactions=len(self._seen),
            duplicates=self._duplicates,
            cases=len(self._cases) - proactive,
            proactive=proactive,
            start=first,
            end=last,
            as_of=as_of if as_of is not None else last,
            time="business" if self._calendar is not None else "calendar",
            time_zone=self._zone_name,
            rules=self._rules,
            zone=self._zone,
        )

    def _keys(
        self,
        channel: str,
        agent: str | None,
        case_id: str | None,
        at: float,
        *,
        nobody: str | None = _NO_AGENT,
    ) -> list[tuple[str, str]]:
        """The slices a contribution counts in; without an agent, it counts
        under ``nobody`` (or in no agent slice when that is ``None``)."""
        keys = [_OVERALL]
        if self._wants_channel:
            keys.append(("channel", channel))
        who = agent or nobody
        if self._wants_agent and who is not None:
            keys.append(("agent", who))
        if self._wants_tag:
            keys.extend(("tag", t) for t in self._tags_of(case_id))
        for period in self._wants_period:
            keys.append((period, self._period(period, at)))
        return keys

    def _settle(self, case_id: str, case: _Case, now: float, slices: _Slices) -> None:
        start = case.start
        started = start != math.inf
        # The first response at or after the first contact (ties: the lower agent id).
        first_at = math.inf
        first_agent: str | None = None
        resp = case.resp
        if started and resp is not None:
            agents = case.resp_agents
            pairs = (
                zip(resp, cast("list[str]", agents), strict=True)
                if isinstance(resp, list)
                else ((resp, cast(str, agents)),)
            )
            for t, who in pairs:
                if start <= t and (t < first_at or (t == first_at and who < (first_agent or ""))):
                    first_at, first_agent = t, who
        agent = case.agent if case.agent is not None else first_agent
        channel = case.start_channel if started else case.home_channel
        if self._by_channel_only:
            # The common case, without building keys: overall and the channel.
            accs = self._channel_accs.get(channel)
            if accs is None:
                accs = self._channel_accs[channel] = [
                    _acc(slices, _OVERALL),
                    _acc(slices, ("channel", channel)),
                ]
        else:
            keys = self._keys(channel, agent, case_id, start if started else case.home)
            accs = [_acc(slices, key) for key in keys]
        if case.surveys is not None:
            for kind, score in case.surveys:
                for acc in accs:
                    acc.survey(kind, score)
        if not started:
            return
        rules = self._rules
        responded = first_agent is not None
        frt = self._span(start, first_at) if responded else None
        first_solved = last_solved = None
        if case.solved is not None:
            for t in _items(case.solved):
                if t >= start:
                    if first_solved is None or t < first_solved:
                        first_solved = t
                    if last_solved is None or t > last_solved:
                        last_solved = t
        reopens = _items(case.reopens)
        reopened = first_solved is not None and any(r > first_solved for r in reopens)
        fully = last_solved is not None and not any(r > last_solved for r in reopens)
        first_time = None if first_solved is None else self._span(start, first_solved)
        full_time = None if not fully or last_solved is None else self._span(start, last_solved)
        fcr = False
        if first_solved is not None:
            fcr = (
                1 <= case.replies <= rules.fcr.max_agent_responses
                and (rules.fcr.allow_reopen or not reopened)
                and (not rules.fcr.one_channel or case.channel_count == 1)
            )
        live = within = abandoned = 0
        if case.start_is_message and case.start_channel in self._live:
            if responded:
                live = 1
                within = first_at - start <= self._threshold
            elif now - start > self._threshold:
                live = abandoned = 1
        sla = self._sla(case_id, case.start_channel, start, frt, first_time, now)
        has_resp = resp is not None
        repeat = has_resp and self._repeat(case)
        switched = case.channels is not None and len(case.channels) > 1
        for acc in accs:
            acc.volume += 1
            if frt is None:
                acc.frt_open += 1
            else:
                acc.frt.append(frt)
            if first_time is None:
                acc.first_open += 1
            else:
                acc.first.append(first_time)
                acc.solved += 1
                acc.fcr += fcr
                acc.reopened += reopened
            if full_time is None:
                acc.full_open += 1
            else:
                acc.full.append(full_time)
            if live:
                acc.live += 1
                acc.within += within
                acc.abandoned += abandoned
            if sla is not None:
                acc.sla_n += 1
                acc.sla_met += sla
            acc.switched += switched
            if has_resp:
                acc.responded += 1
                acc.repeat += repeat

    def _sla(
        self,
        case_id: str,
        channel: str,
        start: float,
        frt: float | None,
        resolution: float | None,
        now: float,
    ) -> bool | None:
        """Met (True), breached (False) or not judged yet / no target (None)."""
        if not self._rules.sla.targets:
            return None
        target = self._rules.sla.target_for(channel, self._priority_of(case_id))
        if target is None:
            return None
        pending = False
        for due, took in (
            (target.first_response, frt),
            (target.resolution, resolution),
        ):
            if due is None:
                continue
            limit = due.total_seconds()
            if took is not None:
                if took > limit:
                    return False
            elif now > start and self._span(start, now) > limit:
                return False
            else:
                pending = True
        return None if pending else True

    def _repeat(self, case: _Case) -> bool:
        if case.inbound is None or case.resp is None:
            return False
        gap, window = self._repeat_gap, self._repeat_window
        responses = _items(case.resp)
        for at in _items(case.inbound):
            latest = -math.inf  # the latest response at or before this contact
            for t in responses:
                if latest < t <= at:
                    latest = t
            if gap <= at - latest <= window:
                return True
        return False


def _acc(slices: _Slices, key: tuple[str, str]) -> _CaseAcc:
    acc: _CaseAcc | None = slices.get(key)
    if acc is None:
        acc = slices[key] = _CaseAcc()
    return acc


def compute(
    interactions: Iterable[InteractionBase],
    *,
    rules: KpiRules | None = None,
    calendar: BusinessClock | None = None,
    by: Iterable[str] = ("channel",),
    time_zone: str | tzinfo | None = None,
    cases: CaseLookup | Mapping[str, Case] | None = None,
    channels: ChannelRegistry | None = None,
    as_of: datetime | None = None,
) -> KpiReport:
    """Every KPI over ``interactions`` (any iterable, in any order), in one pass.

    The options are those of :class:`KpiAggregator`; ``as_of`` those of
    :meth:`KpiAggregator.report`. A store's interactions in a time range:
    ``compute(chain.from_iterable(store.interactions.scan(start, end)))``.
    """
    aggregator = KpiAggregator(
        rules=rules, calendar=calendar, by=by, time_zone=time_zone, cases=cases, channels=channels
    )
    aggregator.extend(interactions)
    return aggregator.report(as_of=as_of)
