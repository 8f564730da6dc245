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

import bisect
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import attrs

from omnicontext.errors import FieldError, InvalidInput
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
    """What one case contributes, kept as plain numbers."""

    __slots__ = (
        "agent",
        "agent_key",
        "channel",
        "channels",
        "customer",
        "home",
        "home_channel",
        "home_id",
        "inbound",
        "reopens",
        "responses",
        "solved",
        "start",
        "start_channel",
        "start_id",
        "start_is_message",
        "surveys",
    )

    def __init__(self) -> None:
        self.start = math.inf  # the first inbound customer interaction
        self.start_id = ""
        self.start_channel = ""
        self.start_is_message = False
        self.home = math.inf  # the first interaction of any kind
        self.home_id = ""
        self.home_channel = ""
        self.customer: str | None = None
        self.inbound: list[float] = []
        self.responses: list[tuple[float, str]] = []
        self.solved: list[float] = []
        self.reopens: list[float] = []
        self.channel: str | None = None
        self.channels: set[str] | None = None
        self.agent: str | None = None
        self.agent_key: tuple[float, str] = (-math.inf, "")
        self.surveys: list[tuple[str, int]] = []

    def touch(self, channel: str) -> None:
        if self.channel is None:
            self.channel = channel
        elif channel != self.channel:
            if self.channels is None:
                self.channels = {self.channel}
            self.channels.add(channel)

    @property
    def channel_count(self) -> int:
        return 1 if self.channels is None else len(self.channels)


class _CallAcc:
    """Per-slice call figures, summed as calls arrive."""

    __slots__ = ("abandoned", "handle", "live", "within")

    def __init__(self) -> None:
        self.handle: list[float] = []
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
        "aht": Durations.of(k.handle),
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
            except (ValueError, LookupError):
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
                        "a day or week breakdown needs a time zone (a calendar or time_zone=); "
                        "it is never guessed",
                    )
                ],
            )
        self._cases_lookup = _lookup(cases)
        registry = channels if channels is not None else current_channels()
        self._live = {name for name in registry if registry[name].is_live}
        self._seen: set[str] = set()
        self._duplicates = 0
        self._cases: dict[str, _Case] = {}
        self._calls: _Slices = {}
        self._loose_surveys: list[tuple[str, float, str, int]] = []
        self._tags: dict[str, tuple[str, ...]] = {}
        self._priority: dict[str, str] = {}
        self._first = math.inf
        self._last = -math.inf
        self._threshold = float(self._rules.service_level_seconds)
        self._short = float(self._rules.short_abandon_seconds)
        self._wants_agent = "agent" in self._by
        self._wants_tag = "tag" in self._by
        self._wants_period = [d for d in self._by if d in ("day", "week")]
        self._wants_channel = "channel" in self._by

    # -- feeding ---------------------------------------------------------------

    def add(self, interaction: InteractionBase) -> bool:
        """Count one interaction; ``False`` if its id was already counted."""
        iid = interaction.id
        seen = self._seen
        if iid in seen:
            self._duplicates += 1
            return False
        at = interaction.occurred_at.timestamp()
        kind = getattr(interaction, "type", None)
        handler = _HANDLERS.get(kind) if isinstance(kind, str) else None
        if handler is None:
            raise InvalidInput(
                "interaction",
                [FieldError("type", kind, "not an interaction type the KPIs know")],
            )
        seen.add(iid)
        if at < self._first:
            self._first = at
        if at > self._last:
            self._last = at
        handler(self, interaction, at)
        return True

    def extend(self, interactions: Iterable[InteractionBase]) -> int:
        """Add every interaction; returns how many were new."""
        add = self.add
        return sum(add(item) for item in interactions)

    def _case(self, interaction: InteractionBase, at: float) -> _Case | None:
        case_id = interaction.case_id
        if case_id is None:
            return None
        case = self._cases.get(case_id)
        if case is None:
            case = self._cases[case_id] = _Case()
        if (at, interaction.id) < (case.home, case.home_id):
            case.home, case.home_id, case.home_channel = at, interaction.id, interaction.channel
        return case

    def _inbound(self, case: _Case, interaction: Any, at: float, is_message: bool) -> None:
        case.inbound.append(at)
        if case.customer is None and interaction.customer_id is not None:
            case.customer = interaction.customer_id
        if (at, interaction.id) < (case.start, case.start_id):
            case.start, case.start_id = at, interaction.id
            case.start_channel = interaction.channel
            case.start_is_message = is_message

    def _on_message(self, interaction: Any, at: float) -> None:
        case = self._case(interaction, at)
        if case is None:
            return
        case.touch(interaction.channel)
        actor = interaction.actor
        if actor == "customer" and interaction.direction == "inbound":
            self._inbound(case, interaction, at, True)
        elif actor == "agent" and interaction.direction == "outbound":
            case.responses.append((at, interaction.agent_id))

    def _on_call(self, interaction: Any, at: float) -> None:
        answered = interaction.answered_at
        agent = interaction.agent_id
        case = self._case(interaction, at)
        if case is not None:
            case.touch(interaction.channel)
            if interaction.direction == "inbound":
                if interaction.actor == "customer":
                    self._inbound(case, interaction, at, False)
                if answered is not None and agent is not None:
                    case.responses.append((answered.timestamp(), agent))
            elif interaction.actor == "agent":
                case.responses.append((at, agent))
        handle = None
        if answered is not None and interaction.ended_at is not None:
            # Timestamps: aware times in one ZoneInfo zone subtract as wall clocks.
            talk = interaction.ended_at.timestamp() - answered.timestamp()
            handle = talk + interaction.wrap_up_seconds
        live = within = abandoned = 0
        if interaction.direction == "inbound":
            if answered is not None:
                live = 1
                within = (answered.timestamp() - at) <= self._threshold
            elif interaction.ended_at is not None:
                waited = interaction.ended_at.timestamp() - at
                if waited >= self._short:
                    live = abandoned = 1
        if handle is None and not live:
            return
        for key in self._call_keys(interaction, at, agent if answered is not None else None):
            acc = self._calls.get(key)
            if acc is None:
                acc = self._calls[key] = _CallAcc()
            if handle is not None:
                acc.handle.append(handle)
            acc.live += live
            acc.within += within
            acc.abandoned += abandoned

    def _call_keys(self, interaction: Any, at: float, agent: str | None) -> list[tuple[str, str]]:
        keys = [("", "")]
        if self._wants_channel:
            keys.append(("channel", interaction.channel))
        if self._wants_agent and agent is not None:
            keys.append(("agent", agent))
        if self._wants_tag:
            keys.extend(("tag", t) for t in self._tags_of(interaction.case_id))
        for period in self._wants_period:
            keys.append((period, self._period(period, at)))
        return keys

    def _on_status(self, interaction: Any, at: float) -> None:
        case = self._case(interaction, at)
        if case is None:
            return
        status = interaction.status
        if status == "solved":
            case.solved.append(at)
        elif status in ("open", "pending"):
            case.reopens.append(at)

    def _on_assignment(self, interaction: Any, at: float) -> None:
        case = self._case(interaction, at)
        if case is None:
            return
        key = (at, interaction.id)
        if key > case.agent_key:
            case.agent_key, case.agent = key, interaction.agent_id

    def _on_survey(self, interaction: Any, at: float) -> None:
        kind, score = (
            ("csat", interaction.csat)
            if interaction.csat is not None
            else (
                "nps",
                interaction.nps,
            )
        )
        case = self._case(interaction, at)
        if case is None:
            self._loose_surveys.append((interaction.channel, at, kind, score))
        else:
            case.surveys.append((kind, score))

    def _on_handoff(self, interaction: Any, at: float) -> None:
        case = self._case(interaction, at)
        if case is not None:
            case.touch(interaction.from_channel)
            case.touch(interaction.to_channel)

    def _on_note(self, interaction: Any, at: float) -> None:
        self._case(interaction, at)

    # -- reading ---------------------------------------------------------------

    def _tags_of(self, case_id: str | None) -> tuple[str, ...]:
        if case_id is None:
            return (_NO_TAG,)
        tags = self._tags.get(case_id)
        if tags is None:
            self._load(case_id)
            tags = self._tags[case_id]
        return tags

    def _load(self, case_id: str) -> None:
        found = self._cases_lookup(case_id) if self._cases_lookup else None
        self._tags[case_id] = tuple(found.tags) if found is not None and found.tags else (_NO_TAG,)
        self._priority[case_id] = found.priority.value if found is not None else "normal"

    def _priority_of(self, case_id: str) -> str:
        if case_id not in self._priority:
            self._load(case_id)
        return self._priority[case_id]

    def _period(self, period: str, at: float) -> str:
        day = datetime.fromtimestamp(at, self._zone).date()
        if period == "day":
            return day.isoformat()
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"

    def _span(self, start: float, end: float) -> float:
        if self._calendar is None:
            return end - start
        return self._calendar.business_seconds(
            datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC)
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
        now = as_of.timestamp() if as_of is not None else self._last
        slices: _Slices = {}
        proactive = 0
        for case_id, case in self._cases.items():
            if case.start == math.inf:
                proactive += 1
            self._settle(case_id, case, now, slices)
        for channel, at, kind, score in self._loose_surveys:
            for key in self._keys(channel, None, None, at):
                _acc(slices, key).survey(kind, score)
        overall = _results(slices.get(("", "")), self._calls.get(("", "")), self._threshold)
        breakdowns: dict[str, dict[str, Mapping[str, Result]]] = {d: {} for d in self._by}
        for dimension, name in sorted({*slices, *self._calls}):
            if dimension:
                breakdowns[dimension][name] = _results(
                    slices.get((dimension, name)),
                    self._calls.get((dimension, name)),
                    self._threshold,
                )
        first = None if self._first == math.inf else datetime.fromtimestamp(self._first, UTC)
        last = None if self._last == -math.inf else datetime.fromtimestamp(self._last, UTC)
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
        )

    def _keys(
        self, channel: str, agent: str | None, case_id: str | None, at: float
    ) -> list[tuple[str, str]]:
        keys = [("", "")]
        if self._wants_channel:
            keys.append(("channel", channel))
        if self._wants_agent:
            keys.append(("agent", agent or _NO_AGENT))
        if self._wants_tag:
            keys.extend(("tag", t) for t in self._tags_of(case_id))
        for period in self._wants_period:
            keys.append((period, self._period(period, at)))
        return keys

    def _settle(self, case_id: str, case: _Case, now: float, slices: _Slices) -> None:
        started = case.start != math.inf
        at = case.start if started else case.home
        channel = case.start_channel if started else case.home_channel
        responses = sorted(case.responses)
        first_response = None
        if started:
            i = bisect.bisect_left(responses, (case.start, ""))
            if i < len(responses):
                first_response = responses[i]
        agent = case.agent
        if agent is None and first_response is not None:
            agent = first_response[1]
        accs = [_acc(slices, key) for key in self._keys(channel, agent, case_id, at)]
        for kind, score in case.surveys:
            for acc in accs:
                acc.survey(kind, score)
        if not started:
            return
        rules = self._rules
        start = case.start
        frt = None if first_response is None else self._span(start, first_response[0])
        solved = [s for s in case.solved if s >= start]
        first_solved = min(solved) if solved else None
        last_solved = max(solved) if solved else None
        reopened = first_solved is not None and any(r > first_solved for r in case.reopens)
        fully = last_solved is not None and not any(r > last_solved for r in case.reopens)
        first_time = None if first_solved is None else self._span(start, first_solved)
        full_time = None if not fully or last_solved is None else self._span(start, last_solved)
        fcr = False
        if first_solved is not None:
            fcr = (
                1 <= len(responses) <= rules.fcr.max_agent_responses
                and (rules.fcr.allow_reopen or not reopened)
                and (not rules.fcr.one_channel or case.channel_count == 1)
            )
        live = within = abandoned = 0
        if case.start_is_message and channel in self._live:
            if first_response is not None:
                live = 1
                within = first_response[0] - start <= self._threshold
            elif now - start > self._threshold:
                live = abandoned = 1
        sla = self._sla(case_id, channel, start, frt, first_time, now)
        repeat = self._repeat(case, responses) if responses else False
        switched = case.channel_count > 1
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
            acc.live += live
            acc.within += within
            acc.abandoned += abandoned
            if sla is not None:
                acc.sla_n += 1
                acc.sla_met += sla
            acc.switched += switched
            if responses:
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

    def _repeat(self, case: _Case, responses: list[tuple[float, str]]) -> bool:
        rule = self._rules.repeat_contact
        gap, window = rule.gap.total_seconds(), rule.window.total_seconds()
        times = [t for t, _ in responses]
        for at in case.inbound:
            i = bisect.bisect_right(times, at)
            if i and gap <= at - times[i - 1] <= window:
                return True
        return False


def _acc(slices: _Slices, key: tuple[str, str]) -> _CaseAcc:
    acc: _CaseAcc | None = slices.get(key)
    if acc is None:
        acc = slices[key] = _CaseAcc()
    return acc


_HANDLERS: dict[str, Callable[[KpiAggregator, Any, float], None]] = {
    "message": KpiAggregator._on_message,
    "call": KpiAggregator._on_call,
    "status": KpiAggregator._on_status,
    "assignment": KpiAggregator._on_assignment,
    "survey": KpiAggregator._on_survey,
    "handoff": KpiAggregator._on_handoff,
    "note": KpiAggregator._on_note,
}


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
