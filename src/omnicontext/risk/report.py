"""``risk_report``: the four risks of multichannel support, measured from a store.

Each :class:`Risk` holds measured :class:`Indicator` values, a severity per
indicator (by :class:`~omnicontext.risk.thresholds.RiskThresholds`), the
risk's severity (its worst measured indicator) and the mitigation. The risk
guide explains every indicator; in short:

data silos
    pending merge suggestions per 1,000 customers; interactions without a
    customer; customers whose history is split across profiles (named by a
    pending suggestion); channel switches within a case with no handoff packet
    (with its history) prepared for the new channel; the repeat-contact rate;
inconsistent messaging
    consistency findings per 1,000 agent replies, overall and per channel
    (:mod:`omnicontext.quality`);
third-party dependency
    from the outbox: failed attempts per provider and channel, deliveries that
    needed a fallback provider, channels served by one provider only,
    notifications late past their deadline, notifications given up;
agent overload
    occupancy in the hours agents worked, and the share of agents with
    concurrency, sustained-load and no-break alerts (:mod:`omnicontext.workload`);
compliance
    access outside a viewer's role, erasure requests overdue, data left after
    an erasure, records kept past the retention period
    (:mod:`omnicontext.risk.compliance`).

The interactions are read once (every consumer is fed from the same scan),
the silo indicators in a second scan, then the access log and the outbox once
each. Memory holds per case its channel and intent, the agents' work spans,
the ids of the replies audited (a repeated one is ignored), the findings, and
the times of the packets that showed the history: not the interactions
themselves.

>>> from datetime import datetime, timezone
>>> from omnicontext.storage import MemoryStore
>>> report = risk_report(MemoryStore(), as_of=datetime(2026, 6, 1, tzinfo=timezone.utc))
>>> [(risk.key, risk.severity.value) for risk in report.risks]  # doctest: +NORMALIZE_WHITESPACE
[('data_silos', 'not measured'), ('inconsistent_messaging', 'not measured'),
 ('third_party_dependency', 'not measured'), ('agent_overload', 'not measured'),
 ('compliance', 'not measured')]
"""

from __future__ import annotations

import bisect
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from omnicontext._gc import collector_paused
from omnicontext.errors import FieldError, InvalidInput, NotFound
from omnicontext.handoff import AccessPolicy, asks_to_go_private
from omnicontext.identity import SiloReport, silo_report
from omnicontext.kpi import KpiAggregator, KpiRules
from omnicontext.model import (
    AttemptOutcome,
    Call,
    Handoff,
    InteractionBase,
    Message,
    OutboxStatus,
    current_channels,
)
from omnicontext.quality import Catalog, ConsistencyAuditor, ConsistencyReport, ConsistencyRules
from omnicontext.risk.compliance import (
    ERASURE_PURPOSE,
    ComplianceReport,
    ErasureRequest,
    ErasureState,
    RetentionPolicy,
    compliance_report,
)
from omnicontext.risk.thresholds import RiskThresholds, Severity
from omnicontext.routing import CapacityProfile
from omnicontext.storage import Store
from omnicontext.workload import (
    AlertKind,
    OverloadRules,
    WorkSpan,
    detect_overload,
    measure_occupancy,
    spans_from_interactions,
)

__all__ = ["RISKS", "Indicator", "ProviderStats", "Risk", "RiskReport", "risk_report"]

_US = 1_000_000
_HOUR_US = 3600 * _US

RISKS: Mapping[str, tuple[str, str, str]] = {
    "data_silos": (
        "data silos",
        "fragmented experience, data errors, customers repeat themselves",
        "Link identifiers as they arrive (IdentityResolver) and review the merge "
        "suggestions; keep one case across channels; prepare a handoff packet "
        "(prepare_handoff) at every channel switch so the history travels.",
    ),
    "inconsistent_messaging": (
        "inconsistent messaging",
        "loss of trust, diluted brand",
        "Answer from the catalog (Catalog.render gives each channel's checked "
        "rendering), retire old versions from macros, correct the replies listed, "
        "and re-run the audit after each catalog change.",
    ),
    "third_party_dependency": (
        "third-party platform dependency",
        "outages, data exposure, less control",
        "Send through the outbox (OutboxWorker) and a FallbackChain with a second "
        "provider for every channel; give notifications deadlines and watch them.",
    ),
    "agent_overload": (
        "agent overload",
        "mistakes, burnout, slow replies",
        "Route with capacity limits (Dispatcher, CapacityProfile), lower concurrency "
        "where alerts cluster, schedule breaks, and staff to the Erlang C figure.",
    ),
    "compliance": (
        "compliance",
        "personal data seen or kept without a reason",
        "Grant packet parts by role (AccessPolicy), erase on request with "
        "erase_customer_recorded, and purge records past the retention period.",
    ),
}
"""Each risk's key: its title, what it does to customers and agents, and its
mitigation."""


@attrs.frozen
class Indicator:
    """One measured figure of a risk. ``value`` is ``None`` when it could not
    be measured (nothing to divide by, a check not asked for); ``unit`` is
    ``share`` (a fraction), ``per_1000`` or ``count``. ``detail`` says what was
    counted; ``action`` what to do when it is not low."""

    key: str
    label: str
    value: float | None
    unit: str
    severity: Severity
    medium: float
    high: float
    detail: str = ""
    action: str = ""

    def formatted(self) -> str:
        """The value for people: ``12.5%``, ``3.2 per 1,000``, ``7``, or ``n/a``."""
        return _format(self.value, self.unit)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "key": self.key,
            "label": self.label,
            "value": self.value,
            "unit": self.unit,
            "severity": self.severity.value,
            "thresholds": {"medium": self.medium, "high": self.high},
            "detail": self.detail,
            "action": self.action,
        }


def _format_band(value: float, unit: str) -> str:
    if unit == "share":
        return f"{value:.0%}" if round(value * 100, 6).is_integer() else f"{value:.1%}"
    return f"{value:,g}"


def _n(count: int, noun: str) -> str:
    """``1 finding``, ``3 findings``, ``2 replies``, ``2 stretches``."""
    if count == 1:
        return f"{count:,} {noun}"
    if noun.endswith("y"):
        return f"{count:,} {noun[:-1]}ies"
    if noun.endswith(("s", "sh", "ch", "x")):
        return f"{count:,} {noun}es"
    return f"{count:,} {noun}s"


def _format(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "share":
        return f"{value:.1%}"
    if unit == "per_1000":
        return f"{value:,.1f} per 1,000"
    return f"{value:,.0f}"


@attrs.frozen
class Risk:
    """One risk of the register: its indicators, severity and mitigation."""

    key: str
    title: str
    effect: str
    mitigation: str
    indicators: tuple[Indicator, ...]

    @property
    def severity(self) -> Severity:
        """The worst severity among the measured indicators (``not measured``
        when none was)."""
        return max(
            (i.severity for i in self.indicators),
            key=lambda s: s.rank,
            default=Severity.UNMEASURED,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "key": self.key,
            "title": self.title,
            "effect": self.effect,
            "severity": self.severity.value,
            "mitigation": self.mitigation,
            "indicators": [i.to_dict() for i in self.indicators],
        }


@attrs.frozen
class ProviderStats:
    """Delivery attempts of one provider on one channel, from the outbox."""

    provider: str
    channel: str
    attempts: int
    sent: int
    failed: int
    timeouts: int
    skipped: int
    """Not tried: the provider's circuit was open."""

    @property
    def failure_rate(self) -> float | None:
        """Failed and timed-out attempts as a share of attempts made (skipped
        ones were not made)."""
        made = self.attempts - self.skipped
        return None if made <= 0 else (self.failed + self.timeouts) / made

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "provider": self.provider,
            "channel": self.channel,
            "attempts": self.attempts,
            "sent": self.sent,
            "failed": self.failed,
            "timeouts": self.timeouts,
            "skipped": self.skipped,
            "failure_rate": self.failure_rate,
        }


@attrs.frozen
class RiskReport:
    """The measured risk register of one store (see :func:`risk_report`)."""

    as_of: datetime
    start: datetime | None
    end: datetime | None
    interactions: int
    """Interactions read (in the window)."""
    risks: tuple[Risk, ...]
    silo: SiloReport
    consistency: ConsistencyReport
    compliance: ComplianceReport
    providers: tuple[ProviderStats, ...]
    overload_alerts: Mapping[str, int]
    """Overload alerts by kind."""

    def risk(self, key: str) -> Risk:
        """The risk named ``key`` (see :data:`RISKS`)."""
        for risk in self.risks:
            if risk.key == key:
                return risk
        raise KeyError(key)

    def indicator(self, key: str) -> Indicator:
        """The indicator named ``key``, whichever risk holds it."""
        for risk in self.risks:
            for indicator in risk.indicators:
                if indicator.key == key:
                    return indicator
        raise KeyError(key)

    def to_dict(self, *, findings: int | None = 100) -> dict[str, Any]:
        """The report as JSON-ready data; ``findings`` caps the consistency
        findings listed (``None``: all)."""
        return {
            "as_of": self.as_of.isoformat(),
            "start": None if self.start is None else self.start.isoformat(),
            "end": None if self.end is None else self.end.isoformat(),
            "interactions": self.interactions,
            "risks": [r.to_dict() for r in self.risks],
            "providers": [p.to_dict() for p in self.providers],
            "overload_alerts": dict(self.overload_alerts),
            "consistency": self.consistency.to_dict(limit=findings),
            "silo": self.silo.to_dict(),
            "compliance": self.compliance.to_dict(),
        }

    def to_text(self, *, width: int = 100, findings: int = 10) -> str:
        """The register as a plain-text table (see :mod:`omnicontext.risk.render`)."""
        from omnicontext.risk.render import to_text

        return to_text(self, width=width, findings=findings)

    def to_html(self, *, findings: int = 50) -> str:
        """The register as one self-contained HTML page."""
        from omnicontext.risk.render import to_html

        return to_html(self, findings=findings)

    def __str__(self) -> str:
        return self.to_text()


# -- the scan ------------------------------------------------------------------


@attrs.define
class _Switches:
    """Channel switches within cases, and whether a packet followed each."""

    packets: Mapping[tuple[str, str], list[int]]
    before_us: int
    after_us: int
    private_channel: str | None
    public: frozenset[str]
    last: dict[str, str] = attrs.field(factory=dict)
    asked: set[str] = attrs.field(factory=set)
    awaiting: set[str] = attrs.field(factory=set)
    """Cases whose move to the private channel was counted when a public
    reply asked for it, and not seen in the store yet."""
    switches: int = 0
    with_context: int = 0
    asked_private: int = 0

    def add(self, item: InteractionBase) -> None:
        case_id = item.case_id
        if case_id is None:
            return
        if isinstance(item, Handoff):
            self._switch(case_id, item.to_channel, item)
            return
        if not isinstance(item, Message | Call):
            return
        previous = self.last.get(case_id)
        if previous is not None and previous != item.channel:
            self._switch(case_id, item.channel, item)
        else:
            self.last[case_id] = item.channel
        if (
            self.private_channel is not None
            and isinstance(item, Message)
            and item.agent_id is not None
            and item.channel in self.public
            and case_id not in self.asked
            and asks_to_go_private(item.body)
        ):
            # The private side is often kept elsewhere: count the move asked
            # for once per case, and leave the case's channel as it is.
            self.asked.add(case_id)
            self.awaiting.add(case_id)
            self.asked_private += 1
            self._count(case_id, self.private_channel, item)

    def _switch(self, case_id: str, channel: str, item: InteractionBase) -> None:
        if self.last.get(case_id) == channel:
            return
        self.last[case_id] = channel
        if channel == self.private_channel and case_id in self.awaiting:
            # The move a public reply asked for, counted then: not a second switch.
            self.awaiting.discard(case_id)
            return
        self._count(case_id, channel, item)

    def _count(self, case_id: str, channel: str, item: InteractionBase) -> None:
        self.switches += 1
        at = _micros(item.occurred_at)
        times = self.packets.get((case_id, channel), ())
        first = bisect.bisect_left(times, at - self.before_us)
        if first < len(times) and times[first] <= at + self.after_us:
            self.with_context += 1


def _micros(at: datetime) -> int:
    delta = at - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * _US + delta.microseconds


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TICK = timedelta(microseconds=1)


def _requests(value: object, errors: list[FieldError]) -> list[ErasureRequest]:
    """``value`` as a list of erasure requests (read once: it may be a generator)."""
    if isinstance(value, ErasureRequest):
        return [value]
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        errors.append(FieldError("erasure_requests", value, "must be ErasureRequest objects"))
        return []
    listed = list(value)
    for n, request in enumerate(listed):
        if not isinstance(request, ErasureRequest):
            errors.append(
                FieldError(f"erasure_requests[{n}]", request, "must be an ErasureRequest")
            )
    return listed


def _aware(name: str, value: object, errors: list[FieldError], *, optional: bool) -> None:
    if value is None and optional:
        return
    if not isinstance(value, datetime) or value.utcoffset() is None:
        errors.append(FieldError(name, value, "must be a timezone-aware datetime"))


def risk_report(
    store: Store,
    *,
    as_of: datetime,
    catalog: Catalog | None = None,
    thresholds: RiskThresholds | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    consistency: ConsistencyRules | None = None,
    overload: OverloadRules | None = None,
    capacity: CapacityProfile | None = None,
    kpi_rules: KpiRules | None = None,
    access_policy: AccessPolicy | None = None,
    retention: RetentionPolicy | None = None,
    erasure_requests: Iterable[ErasureRequest] = (),
    erasure_deadline: timedelta = timedelta(days=30),
    context_window: timedelta = timedelta(hours=24),
    chunk_size: int = 1000,
) -> RiskReport:
    """Measure the risk register of ``store`` (see the module docs).

    ``as_of`` is when the report is made: erasure deadlines, retention
    periods and late notifications are judged then; it is never taken from
    the clock, and nothing after it is read. ``start`` / ``end`` limit the
    interactions, access records and notifications read (``start <= t <
    end``; without ``end``, up to ``as_of``); the silo indicators describe the
    whole store as it is. ``catalog`` enables the answer checks of the
    consistency audit (without one, tone, forbidden phrases of nobody, and
    cross-channel figures by case intent are still checked). A channel switch
    has context when a packet showing the history was prepared for the case
    and the new channel from an hour before the switch to ``context_window``
    after it. The other options are those of the modules each indicator comes
    from. Bad options raise :class:`~omnicontext.errors.InvalidInput` naming
    each one.
    """
    errors: list[FieldError] = []
    _aware("as_of", as_of, errors, optional=False)
    _aware("start", start, errors, optional=True)
    _aware("end", end, errors, optional=True)
    if not errors and start is not None and end is not None and end <= start:
        errors.append(FieldError("end", end, f"must be after start {start.isoformat()}"))
    elif not errors and start is not None and end is None and start > as_of:
        errors.append(FieldError("start", start, f"must not be after as_of {as_of.isoformat()}"))
    if catalog is not None and not isinstance(catalog, Catalog):
        errors.append(FieldError("catalog", catalog, "must be a Catalog"))
    if thresholds is not None and not isinstance(thresholds, RiskThresholds):
        errors.append(FieldError("thresholds", thresholds, "must be RiskThresholds"))
    for name, value, kind in (
        ("consistency", consistency, ConsistencyRules),
        ("overload", overload, OverloadRules),
        ("capacity", capacity, CapacityProfile),
        ("kpi_rules", kpi_rules, KpiRules),
        ("access_policy", access_policy, AccessPolicy),
        ("retention", retention, RetentionPolicy),
    ):
        if value is not None and not isinstance(value, kind):
            errors.append(FieldError(name, value, f"must be a {kind.__name__} or None"))
    requests = _requests(erasure_requests, errors)
    if not isinstance(erasure_deadline, timedelta) or erasure_deadline <= timedelta(0):
        errors.append(FieldError("erasure_deadline", erasure_deadline, "must be a timedelta > 0"))
    if not isinstance(context_window, timedelta) or context_window < timedelta(0):
        errors.append(FieldError("context_window", context_window, "must be a timedelta >= 0"))
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        errors.append(FieldError("chunk_size", chunk_size, "must be an integer >= 1"))
    if errors:
        raise InvalidInput("risk report", errors)
    thresholds = RiskThresholds() if thresholds is None else thresholds
    profile = CapacityProfile.default() if capacity is None else capacity

    # Nothing after as_of has happened yet: without an end, the window ends there.
    upto = end if end is not None else as_of + _TICK
    before = timedelta(hours=1)
    packets = _packets(
        store,
        None if start is None else start - before,
        min(upto + context_window, as_of + _TICK),
        chunk_size,
    )
    channels = current_channels()
    switches = _Switches(
        packets=packets,
        before_us=before // timedelta(microseconds=1),
        after_us=context_window // timedelta(microseconds=1),
        public=frozenset(name for name in channels if channels[name].is_public),
        private_channel="social_private" if "social_private" in channels else None,
    )

    def intent_of(case_id: str) -> str | None:  # the auditor asks once per case
        try:
            return store.cases.get(case_id).intent
        except NotFound:
            return None

    auditor = ConsistencyAuditor(catalog, rules=consistency, intents=intent_of)
    kpis = KpiAggregator(rules=kpi_rules, by=())
    seen = 0
    unserved: Counter[str] = Counter()
    first: datetime | None = None
    last: datetime | None = None

    def tap() -> Iterator[InteractionBase]:
        nonlocal seen, first, last
        for item in itertools.chain.from_iterable(
            store.interactions.scan(start, upto, chunk_size=chunk_size)
        ):
            seen += 1
            if first is None:
                first = item.occurred_at
            last = item.occurred_at
            auditor.add(item)
            kpis.add(item)
            switches.add(item)
            if profile.serves(item.channel):
                yield item
            else:
                unserved[item.channel] += 1

    with collector_paused():  # millions of small acyclic records: nothing to collect
        spans = list(spans_from_interactions(tap(), profile=profile))
    silo = silo_report(store, chunk_size=chunk_size)
    split = _split_customers(store)
    audit = auditor.report()
    kpi = kpis.report(as_of=as_of)
    compliance = compliance_report(
        store,
        as_of=as_of,
        policy=access_policy,
        erasure_requests=requests,
        erasure_deadline=erasure_deadline,
        retention=retention,
        start=start,
        end=end,
    )
    providers, delivery = _outbox(store, start, upto, as_of, chunk_size)

    def indicator(
        key: str, label: str, value: float | None, unit: str, detail: str, action: str
    ) -> Indicator:
        band = thresholds.band(key)
        severity = band.judge(value)
        return Indicator(
            key=key,
            label=label,
            value=value,
            unit=unit,
            severity=severity,
            medium=band.medium,
            high=band.high,
            detail=detail,
            action=action if severity in (Severity.MEDIUM, Severity.HIGH) else "",
        )

    # -- data silos
    repeat = kpi.overall["repeat_contact_rate"]
    repeat_value = getattr(repeat, "value", None)
    silos = (
        indicator(
            "pending_suggestions_per_1000",
            "pending merge suggestions per 1,000 customers",
            None if silo.customers == 0 else 1000 * silo.pending_suggestions / silo.customers,
            "per_1000",
            f"{silo.pending_suggestions:,} pending for {_n(silo.customers, 'customer')}",
            "review the pending merge suggestions, best scores first",
        ),
        indicator(
            "unlinked_share",
            "interactions without a customer",
            silo.unlinked_share,
            "share",
            f"{silo.unlinked_interactions:,} of {silo.interactions:,}; "
            f"{silo.unlinked_with_identity:,} carry an identifier resolution could place",
            "resolve the unlinked interactions that carry an identifier (IdentityResolver)",
        ),
        indicator(
            "split_share",
            "customers whose history is split across profiles",
            None if silo.customers == 0 else split / silo.customers,
            "share",
            f"{_n(split, 'customer')} named by a pending suggestion; "
            f"{_n(silo.shared_identifier_count, 'identifier')} held by several profiles",
            "merge or reject the suggestions naming these customers",
        ),
        indicator(
            "switches_without_context",
            "channel switches without a handoff packet",
            None
            if switches.switches == 0
            else (switches.switches - switches.with_context) / switches.switches,
            "share",
            f"{switches.switches - switches.with_context:,} of {switches.switches:,} switches "
            f"({switches.asked_private:,} asked for in public replies) had no packet with the "
            "history for the new channel",
            "prepare a handoff packet (prepare_handoff) whenever a case changes channel",
        ),
        indicator(
            "repeat_contact_rate",
            "repeat contact rate",
            None if repeat_value is None else repeat_value / 100,
            "share",
            f"{getattr(repeat, 'count', 0):,} of {getattr(repeat, 'n', 0):,} answered cases",
            "find what the repeat contacts are about; resolve on first contact",
        ),
    )

    # -- inconsistent messaging
    messaging = [
        indicator(
            "findings_per_1000",
            "consistency findings per 1,000 agent replies",
            audit.per_thousand(),
            "per_1000",
            f"{_n(len(audit.findings), 'finding')} over {_n(audit.replies, 'reply')}; "
            + (", ".join(f"{k} {v:,}" for k, v in audit.findings_by_kind.items()) or "none"),
            "correct the listed replies and retire outdated answers from macros",
        )
    ]
    for channel, replies in sorted(audit.replies_by_channel.items()):
        messaging.append(
            indicator(
                f"findings_per_1000:{channel}",
                f"  on {channel}",
                audit.per_thousand(channel),
                "per_1000",
                f"{_n(audit.findings_by_channel.get(channel, 0), 'finding')} over "
                f"{_n(replies, 'reply')}",
                f"review the {channel} replies listed",
            )
        )

    # -- third-party dependency
    attempts_made = sum(p.attempts - p.skipped for p in providers)
    failed = sum(p.failed + p.timeouts for p in providers)
    third = [
        indicator(
            "delivery_failure_rate",
            "failed delivery attempts",
            None if attempts_made == 0 else failed / attempts_made,
            "share",
            f"{failed:,} of {attempts_made:,} attempts failed or timed out",
            "check the providers with the highest failure rates below",
        )
    ]
    for stats in providers:
        third.append(
            indicator(
                f"delivery_failure_rate:{stats.provider}/{stats.channel}",
                f"  {stats.provider} on {stats.channel}",
                stats.failure_rate,
                "share",
                f"{stats.failed + stats.timeouts:,} of {stats.attempts - stats.skipped:,} "
                f"attempts; {stats.skipped:,} skipped (circuit open)",
                f"ask {stats.provider} about its failures; "
                f"keep a second provider on {stats.channel}",
            )
        )
    third.extend(
        (
            indicator(
                "fallback_rate",
                "deliveries that needed a fallback provider",
                None if delivery.sent == 0 else delivery.fallbacks / delivery.sent,
                "share",
                f"{delivery.fallbacks:,} of {delivery.sent:,} delivered notifications",
                "the first provider in the chain is unreliable: swap the order or replace it",
            ),
            indicator(
                "single_provider_channels",
                "channels served by one provider",
                None if not delivery.channels else float(len(delivery.single)),
                "count",
                ", ".join(f"{c} ({p})" for c, p in delivery.single)
                or ("every channel has a fallback" if delivery.channels else "no attempts"),
                "add a second provider for " + ", ".join(c for c, _ in delivery.single),
            ),
            indicator(
                "late_notifications",
                "notifications late past their deadline",
                None if delivery.with_deadline == 0 else delivery.late / delivery.with_deadline,
                "share",
                f"{delivery.late:,} of {delivery.with_deadline:,} with a deadline",
                "run the outbox worker more often, or shorten the retry back-off",
            ),
            indicator(
                "undelivered_notifications",
                "notifications given up",
                None if delivery.entries == 0 else delivery.given_up / delivery.entries,
                "share",
                f"{delivery.given_up:,} of {delivery.entries:,} notifications"
                + (f"; reasons: {delivery.reasons}" if delivery.reasons else ""),
                "reach these customers another way; fix the failure reasons listed",
            ),
        )
    )

    # -- agent overload
    alerts = detect_overload(spans, rules=overload) if spans else []
    by_kind: Counter[str] = Counter(a.kind.value for a in alerts)
    agents = sorted({s.agent_id for s in spans})
    flagged: dict[AlertKind, set[str]] = {}
    for alert in alerts:
        flagged.setdefault(alert.kind, set()).add(alert.agent_id)
    concurrency = flagged.get(AlertKind.CONCURRENCY, set()) | flagged.get(
        AlertKind.OVER_CAPACITY, set()
    )
    occupancy, busiest = _occupancy(spans)

    def share_of_agents(ids: set[str]) -> float | None:
        return None if not agents else len(ids) / len(agents)

    def named(ids: set[str]) -> str:
        listed = sorted(ids)
        text = ", ".join(listed[:5])
        return text + (f" and {len(listed) - 5} more" if len(listed) > 5 else "")

    overload_risk = (
        indicator(
            "occupancy",
            "occupancy in the hours agents worked",
            occupancy,
            "share",
            (
                f"{_n(len(agents), 'agent')}; busiest {busiest}"
                if busiest
                else "no agent work recorded"
            )
            + (
                "; left out (not in the capacity profile): "
                + ", ".join(f"{c} {n:,}" for c, n in sorted(unserved.items()))
                if unserved
                else ""
            ),
            "add agents in the busiest hours or lower concurrency limits",
        ),
        indicator(
            "agents_over_concurrency",
            "agents above a concurrency or capacity limit",
            share_of_agents(concurrency),
            "share",
            f"{len(concurrency):,} of {len(agents):,} agents; "
            f"{by_kind.get('concurrency', 0):,} concurrency and "
            f"{by_kind.get('over_capacity', 0):,} over-capacity alerts"
            + (f": {named(concurrency)}" if concurrency else ""),
            "route through the dispatcher so limits hold; look at the alerts' items",
        ),
        indicator(
            "agents_sustained_load",
            "agents with sustained high load",
            share_of_agents(flagged.get(AlertKind.SUSTAINED_LOAD, set())),
            "share",
            _n(by_kind.get("sustained_load", 0), "alert")
            + (
                f": {named(flagged[AlertKind.SUSTAINED_LOAD])}"
                if AlertKind.SUSTAINED_LOAD in flagged
                else ""
            ),
            "spread the load: more agents at peak, fewer items each",
        ),
        indicator(
            "agents_without_break",
            "agents working long stretches without a break",
            share_of_agents(flagged.get(AlertKind.NO_BREAK, set())),
            "share",
            _n(by_kind.get("no_break", 0), "stretch")
            + (f": {named(flagged[AlertKind.NO_BREAK])}" if AlertKind.NO_BREAK in flagged else ""),
            "schedule breaks; set the agents away so routing stops",
        ),
    )

    # -- compliance
    violations = compliance.violations
    # Erasure proofs are access records that show nothing: not looks to check.
    looks = compliance.access.records - compliance.access.by_purpose.get(ERASURE_PURPOSE, 0)
    erasure = compliance.erasure
    states = erasure.counts
    overdue = states[ErasureState.OVERDUE] + states[ErasureState.LATE]
    looked_wrongly = {v.record_id for v in violations}
    residue = len({status.customer_id for status in erasure.residue_failures})
    kept = compliance.retention
    kept_total = None if kept is None else kept.interactions + kept.notifications
    kept_detail = (
        "no retention policy given"
        if kept is None
        else f"{_n(kept.interactions, 'interaction')} of {_n(kept.customers, 'customer')} and "
        f"{kept.notifications:,} finished notifications past their period"
        + "".join(f"; {c.channel} {c.records:,}" for c in kept.channels if c.records)
    )
    compliance_risk = (
        indicator(
            "access_outside_role",
            "access outside the viewer's role",
            float(len(looked_wrongly)) if looks else None,
            "count",
            f"{len(looked_wrongly):,} of {looks:,} access records; "
            + (
                ", ".join(
                    f"{k} {v:,}"
                    for k, v in sorted(Counter(v.kind.value for v in violations).items())
                )
                or "none"
            ),
            "review these viewers' roles and what their packets showed",
        ),
        indicator(
            "erasures_overdue",
            "erasure requests overdue or completed late",
            float(overdue) if erasure.statuses else None,
            "count",
            ", ".join(f"{states[s]:,} {s.value}" for s in ErasureState),
            "complete the overdue erasures now (erase_customer_recorded)",
        ),
        indicator(
            "erasure_residue",
            "erased customers with data left",
            float(residue) if erasure.statuses else None,
            "count",
            f"{residue:,} of {len(erasure.statuses):,} erasures checked",
            "erase again, and find the import that brought the data back",
        ),
        indicator(
            "retention_breaches",
            "records kept past the retention period",
            None if kept_total is None else float(kept_total),
            "count",
            kept_detail,
            "purge or anonymise the records past their period",
        ),
    )

    groups = {
        "data_silos": silos,
        "inconsistent_messaging": tuple(messaging),
        "third_party_dependency": tuple(third),
        "agent_overload": overload_risk,
        "compliance": compliance_risk,
    }
    risks = tuple(
        Risk(
            key=key,
            title=RISKS[key][0],
            effect=RISKS[key][1],
            mitigation=RISKS[key][2],
            indicators=inds,
        )
        for key, inds in groups.items()
    )
    return RiskReport(
        as_of=as_of,
        start=start if start is not None else first,
        end=end if end is not None else last,
        interactions=seen,
        risks=risks,
        silo=silo,
        consistency=audit,
        compliance=compliance,
        providers=providers,
        overload_alerts=dict(sorted(by_kind.items())),
    )


def _packets(
    store: Store, lo: datetime | None, hi: datetime | None, chunk_size: int
) -> dict[tuple[str, str], list[int]]:
    """When packets showing the history were prepared in ``[lo, hi)``, by case
    and channel, in order. The caller widens the report's window by the context window, so
    that a switch near either end still finds its packet."""
    found: dict[tuple[str, str], list[int]] = {}
    for chunk in store.access_log.scan(lo, hi, chunk_size=chunk_size):
        for record in chunk:
            if record.case_id is None or record.channel is None:
                continue
            if not any(f == "history" or f.startswith("history") for f in record.fields_shown):
                continue
            found.setdefault((record.case_id, record.channel), []).append(
                _micros(record.occurred_at)
            )
    for times in found.values():
        times.sort()
    return found


def _split_customers(store: Store) -> int:
    named: set[str] = set()
    cursor: str | None = None
    while True:
        page = store.suggestions.pending(limit=1000, cursor=cursor)
        for suggestion in page:
            named.update(suggestion.customer_ids)
        if page.next_cursor is None:
            return len(named)
        cursor = page.next_cursor


def _occupancy(spans: list[WorkSpan]) -> tuple[float | None, str]:
    """Busy time over the clock hours each agent worked in at all."""
    if not spans:
        return None, ""
    hours: dict[str, set[int]] = {}
    for span in spans:
        first = _micros(span.start) // _HOUR_US
        last = (_micros(span.busy_until) - 1) // _HOUR_US
        hours.setdefault(span.agent_id, set()).update(range(first, max(first, last) + 1))
    lo = min(s.start for s in spans)
    hi = max(s.busy_until for s in spans)
    if hi <= lo:
        return None, ""
    report = measure_occupancy(spans, start=lo, end=hi)
    busy_total = 0.0
    on_total = 0
    best = ("", -1.0)
    for agent, occ in report.agents.items():
        on_duty = len(hours.get(agent, ())) * 3600
        if on_duty == 0:
            continue
        busy = float(occ.busy_seconds)
        busy_total += busy
        on_total += on_duty
        share = busy / on_duty
        if share > best[1]:
            best = (agent, share)
    if on_total == 0:
        return None, ""
    return min(1.0, busy_total / on_total), f"{best[0]} at {min(1.0, best[1]):.0%}"


@attrs.define
class _Delivery:
    entries: int = 0
    sent: int = 0
    fallbacks: int = 0
    with_deadline: int = 0
    late: int = 0
    given_up: int = 0
    reasons: str = ""
    channels: dict[str, set[str]] = attrs.field(factory=dict)
    single: list[tuple[str, str]] = attrs.field(factory=list)


def _outbox(
    store: Store, start: datetime | None, end: datetime | None, as_of: datetime, chunk_size: int
) -> tuple[tuple[ProviderStats, ...], _Delivery]:
    counts: dict[tuple[str, str], Counter[str]] = {}
    delivery = _Delivery()
    reasons: Counter[str] = Counter()
    for chunk in store.outbox.scan(start, end, chunk_size=chunk_size):
        for entry in chunk:
            delivery.entries += 1
            for attempt in entry.attempts:
                tally = counts.setdefault((attempt.provider, entry.channel), Counter())
                tally["attempts"] += 1
                tally[attempt.outcome.value] += 1
                delivery.channels.setdefault(entry.channel, set()).add(attempt.provider)
            if entry.status is OutboxStatus.SENT:
                delivery.sent += 1
                # The first provider in the chain failed, or was skipped because
                # its circuit was open: another one had to deliver.
                first = entry.attempts[0].provider if entry.attempts else None
                if first is not None and entry.provider is not None and entry.provider != first:
                    delivery.fallbacks += 1
            if entry.status is OutboxStatus.FAILED:
                delivery.given_up += 1
                reasons[(entry.failure_reason or "no reason recorded")[:60]] += 1
            if entry.deadline is not None:
                delivery.with_deadline += 1
                done = entry.sent_at
                if (done is not None and done > entry.deadline) or (
                    done is None
                    and entry.status is not OutboxStatus.SENT
                    and as_of > entry.deadline
                ):
                    delivery.late += 1
    delivery.single = [
        (channel, next(iter(names)))
        for channel, names in sorted(delivery.channels.items())
        if len(names) == 1
    ]
    delivery.reasons = "; ".join(f"{reason} ({n:,})" for reason, n in reasons.most_common(3))
    stats = tuple(
        ProviderStats(
            provider=provider,
            channel=channel,
            attempts=tally["attempts"],
            sent=tally[AttemptOutcome.SENT.value],
            failed=tally[AttemptOutcome.FAILED.value],
            timeouts=tally[AttemptOutcome.TIMEOUT.value],
            skipped=tally[AttemptOutcome.SKIPPED.value],
        )
        for (provider, channel), tally in sorted(counts.items())
    )
    return stats, delivery
