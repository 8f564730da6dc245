"""Channel advice: when a conversation should move, where to, and why.

:func:`advise` looks at a conversation and the channel it is on now and returns
at most two pieces of :class:`Advice`:

* ``go_private`` when the channel is public (a social post) and a customer
  message in the conversation holds sensitive content (a card number, an
  account detail, health, the customer's own contact data; see
  :mod:`omnicontext.handoff.sensitivity`). Only the customer's messages are
  read: never agents' replies, never internal notes.
* ``go_live`` when the channel is asynchronous (email, social, SMS...) and the
  case escalates: a long exchange without resolution, a poor survey, a high or
  urgent priority, or repeated contact (several cases of the customer within a
  window, or a reopening: ``solved`` -> ``open``).

Each piece of advice lists the candidate channels in order, only those the
customer may be contacted on: one whose consent is refused is never proposed,
and granted consent ranks before consent never asked. When the customer
refused every candidate, the advice still says so, with no channel and
``consent="refused"``, rather than propose one. Every reason is a sentence that
names its evidence, and ``interaction_ids`` lists the records behind it.

>>> from datetime import datetime, timezone
>>> from omnicontext.model import Message
>>> post = Message(id="m1", occurred_at=datetime(2026, 1, 5, 9, tzinfo=timezone.utc),
...                channel="social_public", customer_id="c1", actor="customer",
...                direction="inbound", body="Charged twice! Card 4111 1111 1111 1111")
>>> [advice] = advise([post], channel="social_public")
>>> advice.kind, advice.to_channels[0], advice.consent
(<AdviceKind.GO_PRIVATE: 'go_private'>, 'social_private', 'unknown')
>>> advice.reasons[0]
'message m1 contains a card number (**** 1111) and mentions payment details ("Charged twice")'

:func:`advise_case` does the same for a case in a store, reading its timeline,
its customer and the customer's other cases.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

import attrs

from omnicontext.errors import FieldError, InvalidInput, NotFound, UnknownChannel
from omnicontext.handoff.sensitivity import (
    SensitiveHit,
    SensitiveTopic,
    SensitivityDetector,
    default_detector,
)
from omnicontext.model import (
    Actor,
    Call,
    Case,
    CaseStatus,
    ChannelProfile,
    ChannelRegistry,
    Customer,
    Interaction,
    InteractionBase,
    Message,
    Priority,
    StatusChange,
    Survey,
    current_channels,
)
from omnicontext.storage import Store

__all__ = [
    "Advice",
    "AdviceKind",
    "AdviceRules",
    "Consent",
    "advise",
    "advise_case",
]

Consent = Literal["granted", "unknown", "refused"]
"""Whether the customer agreed to be contacted on a channel; ``unknown`` if never asked."""

_PAGE = 500
_RESOLVED = (CaseStatus.SOLVED, CaseStatus.CLOSED)
_ESCALATED = (Priority.HIGH, Priority.URGENT)

_DATA_LABELS = {
    "card": "a card number",
    "iban": "an IBAN",
    "email": "an email address",
    "phone": "a phone number",
    "postcode": "a postcode",
    "address": "a street address",
}
_TOPIC_LABELS = {
    SensitiveTopic.ACCOUNT: "account security details",
    SensitiveTopic.HEALTH: "health",
    SensitiveTopic.PAYMENT: "payment details",
    SensitiveTopic.PERSONAL_DATA: "personal data",
}


class AdviceKind(enum.StrEnum):
    """What the advice is: leave a public channel, or move to a live one."""

    GO_PRIVATE = "go_private"
    """From a public channel to a private one: sensitive content appeared."""
    GO_LIVE = "go_live"
    """From an asynchronous channel to a live one (chat, phone, video): the case escalates."""


@attrs.frozen
class Advice:
    """One recommendation to move the conversation, and why.

    ``to_channels`` are the candidates, best first, only channels the customer
    may be contacted on; ``consent`` is that of the best candidate, or
    ``refused`` (with no candidate) when the customer refused them all.
    ``reasons`` are sentences naming their evidence; ``interaction_ids`` are
    the records behind them.
    """

    kind: AdviceKind
    from_channel: str
    to_channels: tuple[str, ...]
    reasons: tuple[str, ...]
    consent: Consent
    interaction_ids: tuple[str, ...]

    @property
    def channel(self) -> str | None:
        """The best candidate, or ``None`` when there is none."""
        return self.to_channels[0] if self.to_channels else None

    def to_dict(self) -> dict[str, Any]:
        """The advice as JSON-ready data."""
        return {
            "kind": self.kind.value,
            "from_channel": self.from_channel,
            "to_channels": list(self.to_channels),
            "reasons": list(self.reasons),
            "consent": self.consent,
            "interaction_ids": list(self.interaction_ids),
        }


def _channel_names(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        return value  # type: ignore[return-value]  # rejected by the rules check
    return tuple(value)


def _bad_int(value: Any, low: int, high: int | None = None) -> bool:
    if isinstance(value, bool) or not isinstance(value, int):
        return True
    return value < low or (high is not None and value > high)


@attrs.frozen
class AdviceRules:
    """The thresholds and channel lists :func:`advise` uses.

    >>> AdviceRules(long_exchange=4).repeat_window
    datetime.timedelta(days=7)
    >>> AdviceRules(repeat_contacts=1)
    Traceback (most recent call last):
    ...
    omnicontext.errors.InvalidInput: invalid advice rules: repeat_contacts=1: must be ...
    """

    long_exchange: int = 6
    """Customer and agent messages on asynchronous channels since the case was
    last solved (or since it began) that make it a long exchange."""
    poor_csat: int = 2
    """A latest CSAT at or below this is a poor survey (1-5; 0 never)."""
    poor_nps: int = 6
    """A latest NPS at or below this is a poor survey (0-10)."""
    repeat_contacts: int = 3
    """Contacts by the customer within ``repeat_window`` that make repeated contact
    (this conversation counts as one)."""
    repeat_window: timedelta = timedelta(days=7)
    """How far back contacts and reopenings count, from the latest record."""
    private_channels: tuple[str, ...] = attrs.field(
        default=("social_private", "email", "chat", "phone"), converter=_channel_names
    )
    """Candidates for ``go_private``, in order of preference; all private channels."""
    live_channels: tuple[str, ...] = attrs.field(
        default=("chat", "phone", "video"), converter=_channel_names
    )
    """Candidates for ``go_live``, in order of preference; all live channels."""
    detector: SensitivityDetector = attrs.field(factory=default_detector)
    """What counts as sensitive in a customer's words."""

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        checks = (
            ("long_exchange", 1, None, "an integer >= 1"),
            ("poor_csat", 0, 5, "an integer from 0 to 5"),
            ("poor_nps", 0, 10, "an integer from 0 to 10"),
            ("repeat_contacts", 2, None, "an integer >= 2"),
        )
        for name, low, high, what in checks:
            value = getattr(self, name)
            if _bad_int(value, low, high):
                errors.append(FieldError(name, value, f"must be {what}"))
        window = self.repeat_window
        if not isinstance(window, timedelta) or window <= timedelta(0):
            errors.append(FieldError("repeat_window", window, "must be a positive timedelta"))
        for name in ("private_channels", "live_channels"):
            value = getattr(self, name)
            if not isinstance(value, tuple) or not value:
                errors.append(FieldError(name, value, "must be a non-empty list of channels"))
                continue
            for i, item in enumerate(value):
                if not isinstance(item, str) or not item:
                    errors.append(FieldError(f"{name}[{i}]", item, "must be a channel name"))
                elif item in value[:i]:
                    errors.append(FieldError(f"{name}[{i}]", item, "is listed twice"))
        if not isinstance(self.detector, SensitivityDetector):
            errors.append(FieldError("detector", self.detector, "must be a SensitivityDetector"))
        if errors:
            raise InvalidInput("advice rules", errors)


# -- candidates and consent -------------------------------------------------------------


def _profile(registry: ChannelRegistry, name: str, field: str, subject: str) -> ChannelProfile:
    profile = registry.get(name)
    if profile is None:
        raise UnknownChannel(
            subject, [FieldError(field, name, "unknown channel")], registry.names()
        )
    return profile


def _checked(
    registry: ChannelRegistry, rules: AdviceRules
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The rules' channel lists, checked against the registry in force."""
    errors: list[FieldError] = []
    for i, name in enumerate(rules.private_channels):
        field = f"private_channels[{i}]"
        if _profile(registry, name, field, "advice rules").is_public:
            errors.append(FieldError(field, name, "is a public channel"))
    for i, name in enumerate(rules.live_channels):
        field = f"live_channels[{i}]"
        if not _profile(registry, name, field, "advice rules").is_live:
            errors.append(FieldError(field, name, "is not a live channel"))
    if errors:
        raise InvalidInput("advice rules", errors)
    return rules.private_channels, rules.live_channels


def _consent(customer: Customer | None, channel: str) -> Consent:
    allowed = None if customer is None else customer.may_contact(channel)
    if allowed is None:
        return "unknown"
    return "granted" if allowed else "refused"


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _advice(
    kind: AdviceKind,
    current: str,
    names: Sequence[str],
    customer: Customer | None,
    reasons: list[str],
    ids: list[str],
) -> Advice:
    """The advice with its candidates ranked by consent (granted, then unknown)."""
    consents = {n: _consent(customer, n) for n in names if n != current}
    granted = [n for n, c in consents.items() if c == "granted"]
    unknown = [n for n, c in consents.items() if c == "unknown"]
    refused = [n for n, c in consents.items() if c == "refused"]
    ranked = (*granted, *unknown)
    if refused and ranked:
        reasons.append(f"left out {_join(refused)}: the customer refused contact there")
    elif refused:
        reasons.append(
            f"the customer refused contact on {_join(refused)}, so no channel is proposed"
        )
    return Advice(
        kind=kind,
        from_channel=current,
        to_channels=ranked,
        reasons=tuple(reasons),
        consent=consents[ranked[0]] if ranked else "refused",
        interaction_ids=tuple(dict.fromkeys(ids)),
    )


# -- the triggers -----------------------------------------------------------------------


def _describe(message_id: str, hits: Sequence[SensitiveHit]) -> str:
    """``message m7 contains a card number (**** 1111) and mentions payment details ("CVV")``."""
    parts: list[str] = []
    seen: set[str] = set()
    words: dict[SensitiveTopic, list[str]] = {}
    for hit in hits:
        if hit.kind == "term":
            said = words.setdefault(hit.topic, [])
            if hit.evidence.lower() not in (w.lower() for w in said):
                said.append(hit.evidence)
            continue
        label = _DATA_LABELS.get(hit.kind, f"{hit.kind} data")
        part = f"contains {label} ({hit.evidence})"
        if part not in seen:
            seen.add(part)
            parts.append(part)
    for topic, said in words.items():
        quoted = ", ".join(f'"{w}"' for w in said)
        parts.append(f"mentions {_TOPIC_LABELS[topic]} ({quoted})")
    return f"message {message_id} {_join(parts)}"


def _go_private(records: Sequence[Interaction], rules: AdviceRules) -> tuple[list[str], list[str]]:
    reasons: list[str] = []
    ids: list[str] = []
    for record in records:
        if not isinstance(record, Message) or record.actor is not Actor.CUSTOMER:
            continue
        hits = rules.detector.detect(record.body)
        if hits:
            reasons.append(_describe(record.id, hits))
            ids.append(record.id)
    return reasons, ids


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _span(window: timedelta) -> str:
    seconds = int(window.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            return _plural(seconds // size, unit)
    return _plural(seconds, "second")


def _long_exchange(
    records: Sequence[Interaction], registry: ChannelRegistry, rules: AdviceRules
) -> tuple[str, list[str]] | None:
    start = 0
    for i, record in enumerate(records):
        if isinstance(record, StatusChange) and record.status in _RESOLVED:
            start = i + 1
    counted: list[Message] = []
    for i, record in enumerate(records[start:], start=start):
        if not isinstance(record, Message) or record.actor not in (Actor.CUSTOMER, Actor.AGENT):
            continue
        profile = _profile(registry, record.channel, f"interactions[{i}].channel", "advice")
        if not profile.is_live:
            counted.append(record)
    from_customer = sum(1 for m in counted if m.actor is Actor.CUSTOMER)
    if len(counted) < rules.long_exchange or from_customer == 0:
        return None
    where = _join(list(dict.fromkeys(m.channel for m in counted)))
    reason = (
        f"{len(counted)} messages on {where} without resolution "
        f"({from_customer} from the customer, {len(counted) - from_customer} from agents)"
    )
    return reason, [m.id for m in counted]


def _poor_surveys(records: Sequence[Interaction], rules: AdviceRules) -> list[tuple[str, str]]:
    latest: dict[str, Survey] = {}
    for record in records:
        if isinstance(record, Survey):
            latest["csat" if record.csat is not None else "nps"] = record
    found: list[tuple[str, str]] = []
    for scale in ("csat", "nps"):
        survey = latest.get(scale)
        if survey is None:
            continue
        score = survey.csat if scale == "csat" else survey.nps
        limit = rules.poor_csat if scale == "csat" else rules.poor_nps
        if score is not None and score <= limit:
            day = survey.occurred_at.date().isoformat()
            found.append((f"{scale.upper()} {score} on {day} (survey {survey.id})", survey.id))
    return found


def _reopenings(
    records: Sequence[Interaction], since: datetime | None, until: datetime | None
) -> list[StatusChange]:
    found: list[StatusChange] = []
    previous: CaseStatus | None = None
    for record in records:
        if not isinstance(record, StatusChange):
            continue
        if (
            previous is CaseStatus.SOLVED
            and record.status is CaseStatus.OPEN
            and (since is None or record.occurred_at >= since)
            and (until is None or record.occurred_at <= until)
        ):
            found.append(record)
        previous = record.status
    return found


def _go_live(
    records: Sequence[Interaction],
    case: Case | None,
    earlier_cases: Sequence[Case],
    now: datetime | None,
    registry: ChannelRegistry,
    rules: AdviceRules,
) -> tuple[list[str], list[str]]:
    reasons: list[str] = []
    ids: list[str] = []
    exchange = _long_exchange(records, registry, rules)
    if exchange is not None:
        reasons.append(exchange[0])
        ids.extend(exchange[1])
    for reason, survey_id in _poor_surveys(records, rules):
        reasons.append(reason)
        ids.append(survey_id)
    if case is not None and case.priority in _ESCALATED:
        reasons.append(f"case {case.id} has priority {case.priority.value}")
    since = None if now is None else now - rules.repeat_window
    reopened = _reopenings(records, since, now)
    for status in reopened:
        day = status.occurred_at.date().isoformat()
        reasons.append(f"case reopened on {day} (status {status.id}: solved -> open)")
        ids.append(status.id)
    if since is not None and now is not None:
        current = None if case is None else case.id
        others: dict[str, Case] = {}
        for other in earlier_cases:
            created = other.created_at
            if other.id != current and created is not None and since <= created <= now:
                others.setdefault(other.id, other)
        contacts = 1 + len(others) + len(reopened)
        if contacts >= rules.repeat_contacts:
            what = [f"case {c}" for c in sorted(others)]
            what += [f"reopening {s.id}" for s in reopened]
            what.append("this conversation")
            reasons.append(
                f"{_ordinal(contacts)} contact in {_span(rules.repeat_window)} ({_join(what)})"
            )
    return reasons, ids


# -- entry points -----------------------------------------------------------------------


def _records(interactions: Iterable[Interaction]) -> list[Interaction]:
    if isinstance(interactions, str | bytes) or not isinstance(interactions, Iterable):
        raise InvalidInput(
            "advice",
            [FieldError("interactions", interactions, "must be a sequence of interactions")],
        )
    seen: dict[str, Interaction] = {}
    for i, item in enumerate(interactions):
        if not isinstance(item, InteractionBase):
            raise InvalidInput(
                "advice", [FieldError(f"interactions[{i}]", item, "must be an interaction")]
            )
        seen.setdefault(item.id, item)
    return sorted(seen.values(), key=lambda r: (r.occurred_at, r.id))


def _now(
    now: datetime | None, records: Sequence[Interaction], case: Case | None
) -> datetime | None:
    if now is not None:
        if not isinstance(now, datetime) or now.utcoffset() is None:
            raise InvalidInput(
                "advice",
                [
                    FieldError(
                        "now",
                        now,
                        "a timezone-aware time is required (naive times are never guessed)",
                    )
                ],
            )
        return now
    if records:
        return records[-1].occurred_at
    return None if case is None else case.created_at


def advise(
    interactions: Iterable[Interaction],
    *,
    channel: str,
    case: Case | None = None,
    customer: Customer | None = None,
    rules: AdviceRules | None = None,
    channels: ChannelRegistry | None = None,
    earlier_cases: Sequence[Case] = (),
    now: datetime | None = None,
) -> tuple[Advice, ...]:
    """Advice for a conversation now on ``channel``: ``go_private`` first, then ``go_live``.

    ``interactions`` are the conversation's records, in any order (a case's
    timeline, usually). ``case`` gives the priority, ``customer`` the consent
    per channel (without it every candidate's consent is ``unknown``).
    ``earlier_cases`` are the customer's other cases: those created within
    ``rules.repeat_window`` before ``now`` count as contacts (undated ones
    cannot be placed and do not count). ``now`` is when the advice is given,
    the latest record's time by default; the clock is never read.

    Returns an empty tuple when nothing calls for a move. Raises
    :class:`~omnicontext.errors.UnknownChannel` for a channel (current, in the
    rules or in a record) the registry in force does not know, and
    :class:`~omnicontext.errors.InvalidInput` for a naive ``now``, a rules
    list that names a public channel as private or an asynchronous one as
    live, or records that are not interactions.

    >>> from omnicontext.testing import factories as f
    >>> records = [f.message(f"m{i}", f.minutes(i), channel="email",
    ...                      **({"direction": "outbound"} if i % 2 else {}))
    ...            for i in range(6)]
    >>> [advice] = advise(records, channel="email",
    ...                   customer=f.customer(consent={"phone": {"granted": True}}))
    >>> advice.kind.value, advice.to_channels, advice.consent
    ('go_live', ('phone', 'chat', 'video'), 'granted')
    >>> advice.reasons
    ('6 messages on email without resolution (3 from the customer, 3 from agents)',)
    """
    rules = AdviceRules() if rules is None else rules
    if not isinstance(rules, AdviceRules):
        raise InvalidInput("advice", [FieldError("rules", rules, "must be AdviceRules")])
    registry = current_channels() if channels is None else channels
    profile = _profile(registry, channel, "channel", "advice")
    private, live = _checked(registry, rules)
    records = _records(interactions)
    for i, record in enumerate(records):
        _profile(registry, record.channel, f"interactions[{i}].channel", "advice")
    at = _now(now, records, case)
    found: list[Advice] = []
    if profile.is_public:
        reasons, ids = _go_private(records, rules)
        if reasons:
            found.append(_advice(AdviceKind.GO_PRIVATE, channel, private, customer, reasons, ids))
    if not profile.is_live:
        reasons, ids = _go_live(records, case, earlier_cases, at, registry, rules)
        if reasons:
            found.append(_advice(AdviceKind.GO_LIVE, channel, live, customer, reasons, ids))
    return tuple(found)


def _read_case(store: Store, case_id: str) -> list[Interaction]:
    items: list[Interaction] = []
    cursor: str | None = None
    while True:
        page = store.interactions.case_timeline(case_id, limit=_PAGE, cursor=cursor)
        items.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return items


def _customer(store: Store, customer_id: str) -> Customer | None:
    """The customer, following merges to the surviving profile; ``None`` if not stored."""
    seen: set[str] = set()
    current = customer_id
    while current not in seen:
        seen.add(current)
        try:
            customer = store.customers.get(current)
        except NotFound:
            return None
        if customer.merged_into is None:
            return customer
        current = customer.merged_into
    return None


def _dated(store: Store, case: Case) -> Case:
    """``case`` with ``created_at`` taken from its first record when it has none."""
    if case.created_at is not None:
        return case
    first = store.interactions.case_timeline(case.id, limit=1)
    if not first.items:
        return case
    return case.model_copy(update={"created_at": first.items[0].occurred_at})


def advise_case(
    store: Store,
    case_id: str,
    *,
    rules: AdviceRules | None = None,
    channels: ChannelRegistry | None = None,
    channel: str | None = None,
    now: datetime | None = None,
) -> tuple[Advice, ...]:
    """:func:`advise` for a stored case.

    Reads the case, its whole timeline (page by page), its customer (following
    a merge to the surviving profile; a customer not stored gives ``unknown``
    consent) and the customer's other cases (an undated one is dated by its
    first record). ``channel`` defaults to the channel of the case's latest
    message or call. Raises :class:`~omnicontext.errors.NotFound` for an
    unknown case, and :class:`~omnicontext.errors.InvalidInput` when no
    ``channel`` is given and the case has no message or call to take it from.

    >>> from omnicontext.storage import MemoryStore
    >>> from omnicontext.testing import factories as f
    >>> store = MemoryStore()
    >>> _ = store.cases.save(f.case("k1", priority="urgent"))
    >>> _ = store.interactions.append(f.message("m1", case_id="k1", channel="email"))
    >>> [a.reasons for a in advise_case(store, "k1")]
    [('case k1 has priority urgent',)]
    """
    case = store.cases.get(case_id)
    records = _read_case(store, case_id)
    if channel is None:
        talk = [r for r in records if isinstance(r, Message | Call)]
        if not talk:
            raise InvalidInput(
                "advice",
                [
                    FieldError(
                        "channel",
                        None,
                        f"case {case_id!r} has no message or call to take the current "
                        "channel from; pass channel=",
                    )
                ],
            )
        channel = max(talk, key=lambda r: (r.occurred_at, r.id)).channel
    customer = _customer(store, case.customer_id)
    owners = dict.fromkeys([case.customer_id, *([customer.id] if customer else [])])
    earlier: dict[str, Case] = {}
    for owner in owners:
        for other in store.cases.for_customer(owner):
            if other.id != case_id and other.id not in earlier:
                earlier[other.id] = _dated(store, other)
    return advise(
        records,
        channel=channel,
        case=case,
        customer=customer,
        rules=rules,
        channels=channels,
        earlier_cases=tuple(earlier.values()),
        now=now,
    )
