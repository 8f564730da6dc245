"""The handoff packet: everything the next agent needs, at once.

:func:`prepare_handoff` reads a case from a store and returns a
:class:`HandoffPacket`: the customer and how each of their identifiers was
verified, the case, the journey so far and its switches, the recent history
across channels trimmed to a size budget, the agents' notes, the steps done
and still pending, the open question, flags, clocks and the takeover
checklist. It renders as plain text (:meth:`HandoffPacket.to_text`, for a phone
agent's screen), Markdown and JSON.

What a viewer sees is decided by their role (:mod:`omnicontext.handoff.access`);
personal data is redacted when the packet goes to a public channel or to a
role without ``personal_data``. Every packet built is recorded in the store's
access log: who, which customer and case, when, and which parts were shown.

:func:`record_handoff` appends the ``handoff`` interaction and opens the
takeover checklist on the case; :func:`tick` ticks its items.

The history budget
------------------

The history keeps the customer's first message and the latest
``HandoffSettings.recent`` entries whatever the budget, then as many earlier
entries, newest first, as fit in ``HandoffSettings.history_chars`` characters.
A text is never cut mid-sentence: an entry too long for what is left keeps its
leading whole sentences (marked ``truncated``) or is left out, and an entry
that must be kept keeps at least its first whole sentence.
"""

from __future__ import annotations

import itertools
import json
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import attrs

from omnicontext.errors import ConflictError, FieldError, InvalidInput, InvalidTransition, NotFound
from omnicontext.handoff.access import PACKET_FIELDS, AccessPolicy, Role, Viewer
from omnicontext.handoff.redaction import Redactor, default_redactor
from omnicontext.handoff.sensitivity import SensitivityDetector, default_detector
from omnicontext.handoff.switches import ChannelSwitch, SwitchRules, detect_switches
from omnicontext.handoff.timeline import Segment, Timeline, case_timeline, customer_timeline
from omnicontext.identity import IdentityResolver
from omnicontext.kpi import SlaPolicy
from omnicontext.model import (
    AccessRecord,
    Call,
    Case,
    CaseStatus,
    ChannelRegistry,
    Checkpoint,
    Customer,
    Handoff,
    Identity,
    Interaction,
    Message,
    Note,
    StatusChange,
    Survey,
    Takeover,
    current_channels,
)
from omnicontext.storage import Store

__all__ = [
    "CHECKLIST",
    "ChecklistItem",
    "Clocks",
    "CustomerView",
    "Flags",
    "HandoffPacket",
    "HandoffSettings",
    "HistoryEntry",
    "IdentityView",
    "build_packet",
    "prepare_handoff",
    "record_handoff",
    "tick",
]

CHECKLIST: tuple[tuple[str, str], ...] = (
    ("history_reviewed", "Full history reviewed"),
    ("identity_confirmed", "Identity confirmed"),
    ("issue_confirmed", "Issue confirmed with the customer"),
    ("transition_explained", "Transition explained to the customer"),
    ("personal_reply", "Personal reply sent"),
    ("feedback_asked", "Feedback asked after resolution"),
)
"""The takeover checklist: item names and their labels, in order.

``feedback_asked`` can only be ticked once the case is solved or closed.
"""

_AFTER_RESOLUTION = frozenset({"feedback_asked"})
_TICK = timedelta(microseconds=1)
# A sentence ends at . ! ? or an ellipsis, with any closing quotes or brackets,
# before white space and a capital letter, a digit or an opening quote.
_SENTENCE_END = re.compile(r"[.!?\u2026][\"'\u2019\u201d)\]]*(?=\s+[\"'\u2018\u201c(\[]?[A-Z0-9])")
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "vs",
        "etc",
        "approx",
        "dept",
        "est",
        "fig",
        "inc",
        "ltd",
        "co",
        "corp",
        "jr",
        "sr",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "e.g",
        "i.e",
        "a.m",
        "p.m",
        "cf",
    ]
)


def _positive(name: str, value: object, errors: list[FieldError]) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        errors.append(FieldError(name, value, "must be a positive integer"))


@attrs.frozen
class HandoffSettings:
    """How a packet is built: budgets, lookbacks and what counts as poor or VIP."""

    history_chars: int = 2000
    """Characters of history text the packet holds (see the module)."""
    recent: int = 3
    """The latest history entries always kept."""
    lookback: int = 200
    """The customer's latest interactions read for flags across cases."""
    required_checkpoints: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    """Steps a case needs, by case intent; ``"*"`` applies to every case."""
    sla: SlaPolicy | None = None
    """First-response targets; without one, no first response is due."""
    poor_csat: int = 2
    poor_nps: int = 6
    vip_tags: frozenset[str] = frozenset({"vip"})
    """Customer or case tags that mark a VIP."""
    checklist: tuple[tuple[str, str], ...] = CHECKLIST
    """Takeover checklist items (name, label)."""
    notes: int = 10
    """The latest agent notes shown."""
    switches: int = 10
    """The latest channel switches shown."""

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        _positive("history_chars", self.history_chars, errors)
        _positive("recent", self.recent, errors)
        _positive("lookback", self.lookback, errors)
        for name in ("poor_csat", "poor_nps"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                errors.append(FieldError(name, value, "must be an integer"))
        names = [item[0] for item in self.checklist]
        if not names or len(set(names)) != len(names):
            errors.append(
                FieldError("checklist", names, "needs at least one item, each named once")
            )
        if not isinstance(self.required_checkpoints, Mapping):
            errors.append(
                FieldError(
                    "required_checkpoints", self.required_checkpoints, "must map intents to names"
                )
            )
        elif any(not isinstance(k, str) for k in self.required_checkpoints):
            errors.append(
                FieldError("required_checkpoints", self.required_checkpoints, "keys are intents")
            )
        if isinstance(self.vip_tags, str) or not all(isinstance(t, str) for t in self.vip_tags):
            errors.append(FieldError("vip_tags", self.vip_tags, "must be a set of tag names"))
        for name in ("notes", "switches"):
            _positive(name, getattr(self, name), errors)
        for intent, steps in (
            self.required_checkpoints.items()
            if isinstance(self.required_checkpoints, Mapping)
            else ()
        ):
            if isinstance(steps, str) or not all(isinstance(s, str) and s for s in steps):
                errors.append(
                    FieldError(f"required_checkpoints.{intent}", steps, "must be a list of names")
                )
        if errors:
            raise InvalidInput("handoff settings", errors)

    def required_for(self, case: Case) -> tuple[str, ...]:
        """The steps ``case`` needs: those for every case, then those for its intent."""
        steps = [*self.required_checkpoints.get("*", ())]
        if case.intent is not None:
            steps.extend(self.required_checkpoints.get(case.intent, ()))
        return tuple(dict.fromkeys(steps))


# -- the packet's parts ---------------------------------------------------------


@attrs.frozen
class IdentityView:
    """One identifier of the customer and how it was verified."""

    kind: str
    scope: str | None
    """The platform of a social handle, the system of an external id."""
    value: str
    """The identifier, or ``[kind]`` when personal data is masked."""
    verified: bool
    method: str | None
    verified_at: datetime | None


@attrs.frozen
class CustomerView:
    """The customer as the next agent needs them."""

    id: str
    name: str | None
    language: str | None
    time_zone: str | None
    vip: bool
    identities: tuple[IdentityView, ...] | None
    """``None`` when the viewer's role may not see identities."""


@attrs.frozen
class CaseView:
    """The case's headline."""

    id: str
    subject: str
    status: str
    priority: str
    intent: str | None
    tags: tuple[str, ...]


@attrs.frozen
class HistoryEntry:
    """One record of the history, as text."""

    id: str
    at: datetime
    channel: str
    actor: str
    kind: str
    """The interaction type: ``message``, ``call``, ``survey``, ``handoff``, ``note``."""
    text: str
    truncated: bool = False
    """Whether trailing sentences were left out to fit the budget."""


@attrs.frozen
class Flags:
    """What the next agent must not miss."""

    sensitive: tuple[str, ...]
    """Sensitive topics in the customer's messages (``payment``, ``health``...)."""
    escalated: str | None
    """Why the case counts as escalated, or ``None``."""
    vip: bool
    poor_satisfaction: str | None
    """The customer's latest poor survey (any case), or ``None``."""

    def any(self) -> bool:
        """Whether any flag is raised."""
        return bool(self.sensitive or self.escalated or self.vip or self.poor_satisfaction)


@attrs.frozen
class Clocks:
    """The case's clocks at the time the packet was built."""

    first_contact_at: datetime | None
    since_first_contact: timedelta | None
    first_response_at: datetime | None
    first_response_due: datetime | None
    """When the first response is due under the SLA; ``None`` without a target."""

    @property
    def first_response_overdue(self) -> bool:
        """No first response yet, and its due time passed before the packet was built."""
        return (
            self.first_response_at is None
            and self.first_response_due is not None
            and self.first_contact_at is not None
            and self.since_first_contact is not None
            and self.first_contact_at + self.since_first_contact > self.first_response_due
        )


@attrs.frozen
class ChecklistItem:
    """One takeover checklist item, ticked or not."""

    name: str
    label: str
    done_at: datetime | None = None

    @property
    def done(self) -> bool:
        """Whether the item is ticked."""
        return self.done_at is not None


@attrs.frozen
class HandoffPacket:
    """What the next agent sees. Parts the viewer's role may not see are ``None``
    and listed in :attr:`withheld`; see the module for how it is built."""

    case_id: str
    customer_id: str
    built_at: datetime
    viewer: Viewer
    from_channel: str | None
    """The channel the conversation is on now (its latest segment)."""
    to_channel: str
    redacted: bool
    """Whether personal data was masked (public channel or role without it)."""
    redactions: int
    """How many personal-data spans were masked."""
    shown: tuple[str, ...]
    withheld: tuple[str, ...]
    customer: CustomerView | None = None
    case: CaseView | None = None
    journey: tuple[Segment, ...] | None = None
    switches: tuple[ChannelSwitch, ...] | None = None
    history: tuple[HistoryEntry, ...] | None = None
    history_omitted: int = 0
    """History entries left out to fit the budget."""
    switches_omitted: int = 0
    """Earlier switches left out (``HandoffSettings.switches`` are shown)."""
    notes: tuple[HistoryEntry, ...] | None = None
    notes_omitted: int = 0
    """Earlier notes left out (``HandoffSettings.notes`` are shown)."""
    checkpoints_done: tuple[Checkpoint, ...] | None = None
    checkpoints_pending: tuple[str, ...] | None = None
    open_question: HistoryEntry | None = None
    flags: Flags | None = None
    clocks: Clocks | None = None
    checklist: tuple[ChecklistItem, ...] | None = None
    takeover_id: str | None = None
    """The handoff whose checklist :attr:`checklist` shows, once one is recorded."""
    access_id: str | None = None
    """The id of the access record written for this packet."""

    # -- renderings -------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The packet as JSON-ready data (times in ISO-8601)."""
        from omnicontext.handoff._render import packet_dict

        return packet_dict(self)

    def to_json(self, *, indent: int | None = 2) -> str:
        """The packet as a JSON document."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_text(self, *, width: int = 80, time_zone: str | None = None) -> str:
        """The packet as plain text for an agent's screen, ``width`` columns wide.

        Times are shown in ``time_zone`` (an IANA name), or in UTC; never guessed.
        """
        from omnicontext.handoff._render import packet_text

        return packet_text(self, width=width, time_zone=time_zone)

    def to_markdown(self, *, time_zone: str | None = None) -> str:
        """The packet as Markdown (for a ticket, a chat sidebar or an email)."""
        from omnicontext.handoff._render import packet_markdown

        return packet_markdown(self, time_zone=time_zone)


# -- building -------------------------------------------------------------------


def _sentence_ends(text: str) -> list[int]:
    """Where each sentence of ``text`` ends (an index just past its closing
    punctuation), the last one at the end of the text.

    A full stop after a common abbreviation (``e.g.``, ``Mr.``) or a single
    letter (an initial) does not end a sentence.
    """
    ends: list[int] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if text[match.start()] == ".":
            words = text[start : match.start()].rsplit(None, 1)
            token = (words[-1] if words else "").lstrip("\"'([").lower()
            if token in _ABBREVIATIONS or len(token) == 1:
                continue
        ends.append(match.end())
        start = match.end()
    if not ends or text[ends[-1] :].strip():
        ends.append(len(text.rstrip()))
    return ends


def _shorten(text: str, limit: int, *, keep_one: bool) -> tuple[str, bool] | None:
    """``text`` cut after its last whole sentence within ``limit`` characters.

    ``None`` when not even one sentence fits and ``keep_one`` is false; with
    ``keep_one`` the first sentence is kept whatever its length. The kept text
    is the original's own beginning, spacing and all.
    """
    if len(text) <= limit:
        return text, False
    ends = _sentence_ends(text)
    fitting = [end for end in ends if end <= limit]
    if not fitting:
        if not keep_one:
            return None
        fitting = ends[:1]
    cut = fitting[-1]
    return text[:cut], cut < len(text.rstrip())


def _duration(value: float) -> str:
    seconds = round(value)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def _describe(item: Interaction) -> tuple[str, str] | None:
    """(kind, text) of a history record; ``None`` for records the history skips."""
    if isinstance(item, Message):
        return "message", item.body
    if isinstance(item, Call):
        way = "Inbound" if item.direction == "inbound" else "Outbound"
        if item.answered_at is None:
            return "call", f"{way} call, not answered."
        wait = (item.answered_at - item.occurred_at).total_seconds()
        text = f"{way} call, answered after {_duration(wait)}"
        if item.ended_at is not None:
            talk = (item.ended_at - item.answered_at).total_seconds()
            text += f", {_duration(talk)} of talk"
        return "call", text + "."
    if isinstance(item, Survey):
        score = f"CSAT {item.csat}/5" if item.csat is not None else f"NPS {item.nps}/10"
        return "survey", f"Survey: {score}."
    if isinstance(item, Handoff):
        return "handoff", f"Moved {item.from_channel} to {item.to_channel}: {item.reason}"
    return None


class _Masker:
    """Redacts texts when the packet must, counting what it masked."""

    def __init__(self, redactor: Redactor | None) -> None:
        self.redactor = redactor
        self.count = 0

    def __call__(self, text: str) -> str:
        if self.redactor is None:
            return text
        result = self.redactor.redact(text)
        self.count += len(result.spans)
        return result.text


def _entry(item: Interaction, kind: str, text: str) -> HistoryEntry:
    return HistoryEntry(
        id=item.id,
        at=item.occurred_at,
        channel=item.channel,
        actor=item.actor.value,
        kind=kind,
        text=text,
    )


def _trim(
    entries: list[HistoryEntry], first_customer: int | None, settings: HandoffSettings
) -> tuple[tuple[HistoryEntry, ...], int]:
    """The entries kept within the budget (in order) and how many were left out."""
    n = len(entries)
    must = set(range(max(0, n - settings.recent), n))
    if first_customer is not None:
        must.add(first_customer)
    budget = settings.history_chars
    share = max(1, budget // max(1, len(must)))
    kept: dict[int, HistoryEntry] = {}
    used = 0
    for index in sorted(must):
        entry = entries[index]
        limit = max(share, budget - used - share * (len(must) - len(kept) - 1))
        cut = _shorten(entry.text, limit, keep_one=True)
        assert cut is not None
        text, truncated = cut
        kept[index] = attrs.evolve(entry, text=text, truncated=truncated)
        used += len(text)
    for index in range(n - 1, -1, -1):
        if index in kept:
            continue
        room = budget - used
        if room <= 0:
            break
        cut = _shorten(entries[index].text, room, keep_one=False)
        if cut is None:
            break
        text, truncated = cut
        kept[index] = attrs.evolve(entries[index], text=text, truncated=truncated)
        used += len(text)
        if truncated:
            break
    ordered = tuple(kept[i] for i in sorted(kept))
    return ordered, n - len(ordered)


def _answered_by_agent(item: Interaction) -> bool:
    if isinstance(item, Message):
        return item.direction == "outbound" and item.actor in ("agent", "bot")
    if isinstance(item, Call):
        return item.answered_at is not None and item.agent_id is not None
    return False


def _first_response(timeline: Timeline, first_contact: Interaction | None) -> datetime | None:
    if first_contact is None:
        return None
    for item in timeline:
        if (item.occurred_at, item.id) <= (first_contact.occurred_at, first_contact.id):
            continue
        if isinstance(item, Call) and _answered_by_agent(item):
            return item.answered_at
        if _answered_by_agent(item):
            return item.occurred_at
    return None


def _poor(item: Interaction, settings: HandoffSettings) -> str | None:
    if not isinstance(item, Survey):
        return None
    if item.csat is not None and item.csat <= settings.poor_csat:
        score = f"CSAT {item.csat}/5"
    elif item.nps is not None and item.nps <= settings.poor_nps:
        score = f"NPS {item.nps}/10"
    else:
        return None
    where = f" (case {item.case_id})" if item.case_id else ""
    return f"{score} on {item.occurred_at.date().isoformat()}{where}"


def _escalation(case: Case, timeline: Timeline, settings: HandoffSettings) -> str | None:
    if case.priority.value in ("high", "urgent"):
        return f"priority {case.priority.value}"
    statuses = [i for i in timeline if isinstance(i, StatusChange)]
    for before, after in itertools.pairwise(statuses):
        if before.status == "solved" and after.status == "open":
            return f"reopened ({after.id})"
    for item in timeline:
        poor = _poor(item, settings)
        if poor is not None:
            return f"poor survey in this case: {poor}"
    return None


def _as_of(case: Case, timeline: Timeline, at: datetime) -> Case:
    """``case`` as it stood at ``at``: its status from the latest status change
    then (``open`` when every change came later, the document's own when there
    is none), checkpoints and takeovers done by then. Priority, tags and intent
    are the document's: their history is not kept."""
    statuses = [i for i in timeline if isinstance(i, StatusChange)]
    before = [i for i in statuses if i.occurred_at <= at]
    update: dict[str, Any] = {}
    if before:
        status = before[-1].status
    elif statuses:
        status = CaseStatus.OPEN  # every change came later: the case was still new
    else:
        status = case.status
    if status != case.status:
        update["status"] = status
    checkpoints = tuple(c for c in case.checkpoints if c.done_at <= at)
    if checkpoints != case.checkpoints:
        update["checkpoints"] = checkpoints
    takeovers = tuple(
        t.model_copy(update={"ticked": {k: v for k, v in t.ticked.items() if v <= at}})
        for t in case.takeovers
        if t.started_at <= at
    )
    if takeovers != case.takeovers:
        update["takeovers"] = takeovers
    return case.model_copy(update=update) if update else case


def _checklist(
    case: Case, to_channel: str, settings: HandoffSettings
) -> tuple[tuple[ChecklistItem, ...], str | None]:
    takeover = case.takeover()
    ticks: Mapping[str, datetime] = {}
    takeover_id: str | None = None
    if takeover is not None and takeover.to_channel == to_channel:
        ticks, takeover_id = takeover.ticked, takeover.handoff_id
    items = tuple(
        ChecklistItem(name=name, label=label, done_at=ticks.get(name))
        for name, label in settings.checklist
    )
    return items, takeover_id


def build_packet(
    *,
    case: Case,
    customer: Customer,
    timeline: Timeline,
    customer_recent: Timeline | None = None,
    to_channel: str,
    viewer: Viewer,
    at: datetime,
    policy: AccessPolicy | None = None,
    settings: HandoffSettings | None = None,
    redactor: Redactor | None = None,
    detector: SensitivityDetector | None = None,
    channels: ChannelRegistry | None = None,
) -> HandoffPacket:
    """A packet from records already read (:func:`prepare_handoff` reads them).

    ``timeline`` is the case's; ``customer_recent`` the customer's latest
    records across cases (for a poor survey in another case). Nothing is
    written: the access record is :func:`prepare_handoff`'s business.
    """
    _check_time(at, "at")
    if not isinstance(viewer, Viewer):
        raise InvalidInput("handoff", [FieldError("viewer", viewer, "must be a Viewer(id, role)")])
    registry = channels if channels is not None else current_channels()
    profile = registry[to_channel]
    policy = policy if policy is not None else AccessPolicy.default()
    settings = settings if settings is not None else HandoffSettings()
    detector = detector if detector is not None else default_detector()
    role: Role = policy.role(viewer.role)
    # The packet is as of ``at``: later records (a replay, a demo) are not shown.
    case = _as_of(case, timeline, at)
    timeline = timeline.between(None, at + _TICK)
    if customer_recent is not None:
        customer_recent = customer_recent.between(None, at + _TICK)
    show = set(role.fields)
    if "customer" not in show:
        show.discard("identities")  # identities are shown as part of the customer
    redact = profile.is_public or not role.personal_data
    mask = _Masker((redactor if redactor is not None else default_redactor()) if redact else None)

    journey = timeline.journey()
    from_channel = journey[-1].channel if journey else None
    vip = bool(settings.vip_tags & (set(customer.tags) | set(case.tags)))

    parts: dict[str, Any] = {}
    if "customer" in show:
        identities: tuple[IdentityView, ...] | None = None
        if "identities" in show:
            identities = tuple(_identity_view(i, at, redact) for i in customer.identities)
            mask.count += len(customer.identities) if redact else 0
        parts["customer"] = CustomerView(
            id=customer.id,
            name=mask(customer.display_name) if customer.display_name is not None else None,
            language=customer.language,
            time_zone=customer.time_zone,
            vip=vip,
            identities=identities,
        )
    if "case" in show:
        parts["case"] = CaseView(
            id=case.id,
            subject=mask(case.subject),
            status=case.status.value,
            priority=case.priority.value,
            intent=mask(case.intent) if case.intent is not None else None,
            tags=tuple(mask(tag) for tag in case.tags),
        )
    if "journey" in show:
        parts["journey"] = journey
        switches = detect_switches(
            timeline.interactions, rules=SwitchRules(detector=detector), channels=registry
        )
        kept = switches[-settings.switches :]
        parts["switches"] = tuple(attrs.evolve(s, evidence=mask(s.evidence)) for s in kept)
        parts["switches_omitted"] = len(switches) - len(kept)
    if "history" in show:
        entries: list[HistoryEntry] = []
        first_customer: int | None = None
        for item in timeline:
            described = _describe(item)
            if described is None:
                continue
            if first_customer is None and isinstance(item, Message) and item.actor == "customer":
                first_customer = len(entries)
            entries.append(_entry(item, described[0], described[1]))
        # Trim first, then mask what is kept: a long case costs no more than its budget.
        kept_entries, parts["history_omitted"] = _trim(entries, first_customer, settings)
        parts["history"] = tuple(attrs.evolve(e, text=mask(e.text)) for e in kept_entries)
    if "notes" in show:
        notes = [i for i in timeline if isinstance(i, Note)]
        parts["notes"] = tuple(_entry(i, "note", mask(i.body)) for i in notes[-settings.notes :])
        parts["notes_omitted"] = max(0, len(notes) - settings.notes)
    if "checkpoints" in show:
        parts["checkpoints_done"] = tuple(
            _masked_checkpoint(c, mask) if redact else c for c in case.checkpoints
        )
        parts["checkpoints_pending"] = case.pending_checkpoints(settings.required_for(case))
    if "open_question" in show:
        parts["open_question"] = _open_question(timeline, settings, mask)
    if "flags" in show:
        parts["flags"] = _flags(case, timeline, customer_recent, vip, settings, detector)
    if "clocks" in show:
        parts["clocks"] = _clocks(case, timeline, at, settings)
    if "checklist" in show:
        parts["checklist"], parts["takeover_id"] = _checklist(case, to_channel, settings)

    shown = tuple(f for f in PACKET_FIELDS if f in show)
    withheld = tuple(f for f in PACKET_FIELDS if f not in show)
    return HandoffPacket(
        case_id=case.id,
        customer_id=customer.id,
        built_at=at,
        viewer=viewer,
        from_channel=from_channel,
        to_channel=to_channel,
        redacted=redact,
        redactions=mask.count,
        shown=shown,
        withheld=withheld,
        **parts,
    )


def _check_time(value: object, field: str) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(
            "handoff",
            [FieldError(field, value, "a timezone-aware time is required (never guessed)")],
        )


def _identity_view(identity: Identity, at: datetime, redact: bool) -> IdentityView:
    # Verified later than the packet's time: not verified yet then.
    known = identity.verified_at is None or identity.verified_at <= at
    return IdentityView(
        kind=identity.kind.value,
        scope=identity.platform or identity.system,
        value=f"[{identity.kind.value}]" if redact else identity.value,
        verified=identity.verified and known,
        method=identity.verification_method if known else None,
        verified_at=identity.verified_at if known else None,
    )


def _open_question(
    timeline: Timeline, settings: HandoffSettings, mask: _Masker
) -> HistoryEntry | None:
    """The last customer message no agent answered (a bot's auto-reply is not
    an answer), within the history budget."""
    for item in reversed(timeline.interactions):
        if _answered_by_agent(item) and item.actor != "bot":
            return None
        if isinstance(item, Message) and item.actor == "customer":
            cut = _shorten(item.body, settings.history_chars, keep_one=True)
            assert cut is not None
            entry = _entry(item, "message", mask(cut[0]))
            return attrs.evolve(entry, truncated=cut[1])
    return None


def _flags(
    case: Case,
    timeline: Timeline,
    customer_recent: Timeline | None,
    vip: bool,
    settings: HandoffSettings,
    detector: SensitivityDetector,
) -> Flags:
    """The flags; sensitive topics come from the case's latest ``lookback``
    customer messages."""
    messages = [i for i in timeline if isinstance(i, Message) and i.actor == "customer"]
    topics: dict[str, None] = {}
    for message in messages[-settings.lookback :]:
        for hit in detector.detect(message.body):
            topics.setdefault(hit.topic.value, None)
    poor: str | None = None
    recent = customer_recent if customer_recent is not None else timeline
    for item in reversed(recent.interactions):
        poor = _poor(item, settings)
        if poor is not None:
            break
    return Flags(
        sensitive=tuple(topics),
        escalated=_escalation(case, timeline, settings),
        vip=vip,
        poor_satisfaction=poor,
    )


def _clocks(case: Case, timeline: Timeline, at: datetime, settings: HandoffSettings) -> Clocks:
    facing = [i for i in timeline if isinstance(i, (Message, Call, Survey))]
    first = next(
        (i for i in facing if isinstance(i, (Message, Call)) and i.direction == "inbound"),
        facing[0] if facing else None,
    )
    first_at = first.occurred_at if first is not None else case.created_at
    due: datetime | None = None
    if settings.sla is not None and first is not None and first_at is not None:
        target = settings.sla.target_for(first.channel, case.priority.value)
        if target is not None and target.first_response is not None:
            due = first_at + target.first_response
    return Clocks(
        first_contact_at=first_at,
        since_first_contact=(at - first_at) if first_at is not None else None,
        first_response_at=_first_response(timeline, first),
        first_response_due=due,
    )


def _masked_checkpoint(checkpoint: Checkpoint, mask: _Masker) -> Checkpoint:
    """``checkpoint`` with the values of its facts redacted."""
    if not checkpoint.detail:
        return checkpoint
    detail = {k: mask(v) for k, v in checkpoint.detail.items()}
    return checkpoint.model_copy(update={"detail": detail})


def _now(at: datetime | None) -> datetime:
    """``at``, checked aware, or now."""
    if at is None:
        return datetime.now(UTC)
    _check_time(at, "at")
    return at


def prepare_handoff(
    store: Store,
    case_id: str,
    *,
    to_channel: str,
    viewer: Viewer,
    at: datetime | None = None,
    policy: AccessPolicy | None = None,
    settings: HandoffSettings | None = None,
    redactor: Redactor | None = None,
    detector: SensitivityDetector | None = None,
    channels: ChannelRegistry | None = None,
) -> HandoffPacket:
    """Build the packet for the agent taking case ``case_id`` over on ``to_channel``,
    and record the access in ``store.access_log``.

    Reads the case, its customer, the case's timeline and the customer's latest
    ``settings.lookback`` records. ``at`` (aware; default now) is the packet's
    time. Raises :class:`~omnicontext.errors.NotFound` for an unknown case or
    a case whose customer is not stored, and ``InvalidInput`` for an unknown
    channel or role; nothing is recorded then.
    """
    at = _now(at)
    settings = settings if settings is not None else HandoffSettings()
    case = store.cases.get(case_id)
    customer = IdentityResolver(store).current(case.customer_id)
    timeline = case_timeline(store, case_id)
    recent = customer_timeline(store, customer.id, limit=settings.lookback)
    packet = build_packet(
        case=case,
        customer=customer,
        timeline=timeline,
        customer_recent=recent,
        to_channel=to_channel,
        viewer=viewer,
        at=at,
        policy=policy,
        settings=settings,
        redactor=redactor,
        detector=detector,
        channels=channels,
    )
    record = AccessRecord(
        id=f"acc_{uuid.uuid4().hex}",
        occurred_at=at,
        viewer_id=viewer.id,
        viewer_role=viewer.role,
        customer_id=customer.id,
        case_id=case.id,
        purpose="handoff",
        channel=to_channel,
        fields_shown=packet.shown,
        fields_withheld=packet.withheld,
        redactions=packet.redactions,
    )
    store.access_log.record(record)
    return attrs.evolve(packet, access_id=record.id)


def record_handoff(
    store: Store,
    packet: HandoffPacket,
    *,
    reason: str,
    at: datetime | None = None,
    actor: Literal["agent", "bot", "system"] = "agent",
    agent_id: str | None = None,
    handoff_id: str | None = None,
    from_channel: str | None = None,
) -> Handoff:
    """Append the ``handoff`` interaction for ``packet`` and open its takeover checklist.

    The interaction is written on the channel left (``from_channel``, default
    the packet's) and the case gains a :class:`~omnicontext.model.Takeover`
    for it, in one transaction. Recording the same ``handoff_id`` twice with
    the same content is a no-op.
    """
    at = _now(at)
    source = from_channel if from_channel is not None else packet.from_channel
    if source is None:
        raise InvalidInput(
            "handoff",
            [FieldError("from_channel", None, "the case has no channel yet; pass from_channel")],
        )
    record = Handoff(
        id=handoff_id if handoff_id is not None else f"handoff_{uuid.uuid4().hex}",
        occurred_at=at,
        channel=source,
        case_id=packet.case_id,
        customer_id=packet.customer_id,
        actor=actor,
        agent_id=agent_id,
        from_channel=source,
        to_channel=packet.to_channel,
        reason=reason,
    )
    with store.transaction():
        store.interactions.append(record)
        case = store.cases.get(packet.case_id)
        if case.takeover(record.id) is None:
            takeover = Takeover(handoff_id=record.id, to_channel=packet.to_channel, started_at=at)
            store.cases.save(case.with_takeover(takeover))
    return record


def tick(
    store: Store,
    case_id: str,
    item: str,
    *,
    at: datetime | None = None,
    agent_id: str | None = None,
    handoff_id: str | None = None,
    settings: HandoffSettings | None = None,
    attempts: int = 5,
) -> Takeover:
    """Tick checklist ``item`` on the case's latest takeover (or ``handoff_id``'s).

    Ticking an item already ticked keeps its first time. ``feedback_asked``
    needs the case solved or closed (``InvalidTransition`` otherwise). A
    concurrent save of the case is retried up to ``attempts`` times.
    """
    settings = settings if settings is not None else HandoffSettings()
    names = [name for name, _ in settings.checklist]
    if item not in names:
        raise InvalidInput(
            "checklist", [FieldError("item", item, f"unknown item; expected one of {names}")]
        )
    at = _now(at)
    for _ in range(max(1, attempts)):
        case = store.cases.get(case_id)
        takeover = case.takeover(handoff_id)
        if takeover is None:
            if handoff_id is not None:
                raise NotFound("takeover", handoff_id)
            raise InvalidInput(
                "checklist",
                [FieldError("case_id", case_id, "no handoff recorded on this case yet")],
            )
        if item in _AFTER_RESOLUTION and case.status.value not in ("solved", "closed"):
            raise InvalidTransition(
                "checklist",
                [
                    FieldError(
                        "item",
                        item,
                        f"ask for feedback after resolution; case is {case.status.value}",
                    )
                ],
            )
        if item in takeover.ticked:
            return takeover
        # Built, not copied, so a bad agent id is refused before anything is saved.
        updated = Takeover(
            handoff_id=takeover.handoff_id,
            agent_id=takeover.agent_id or agent_id,
            to_channel=takeover.to_channel,
            started_at=takeover.started_at,
            ticked={**takeover.ticked, item: at},
        )
        try:
            store.cases.save(case.with_takeover(updated))
        except ConflictError:
            continue
        return updated
    raise ConflictError(
        f"case id={case_id!r} kept changing; checklist item {item!r} not ticked",
        kind="case",
        id=case_id,
    )
