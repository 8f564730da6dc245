"""Where a conversation moved channel, and why, as far as the data tells.

Two kinds of move are found from interactions alone:

* **within a case** (``kind="case"``): the case's journey changes channel,
  say from a public post to a private message (see
  :meth:`~omnicontext.handoff.timeline.Timeline.journey`);
* **a return** (``kind="return"``): the customer comes back on another
  channel, in another case, within ``window`` of their last contact, about the
  same matter (by default: both cases carry the same ``intent``, or the same
  subject; pass ``same_matter`` to decide otherwise).

Each move gets a :class:`SwitchReason`, decided by the first rule that finds
evidence, in this order:

1. a ``handoff`` record for the move (made while on the channel left): when
   the move leaves a public channel for a private one, a reason that names a
   sensitive topic (account, payment, health, personal data, "private",
   "security") gives ``sensitivity``; otherwise a reason that names a complex
   issue, a specialist, a supervisor or a call-back gives ``escalation``, and
   one that names the customer's preference or convenience gives
   ``convenience``. Sensitive words alone never give ``sensitivity`` for a
   move between private channels: that move did not leave a public one;
2. a move from a public to a private channel after the customer wrote
   something sensitive, or after an agent asked them to move to a private
   message ("DM us"), in the segment left, is ``sensitivity``;
3. a move from an asynchronous to a live channel is ``escalation`` after a
   long back-and-forth (``long_exchange`` messages or more in the segment
   left), or after the latest of: a poor survey (CSAT 2 or less, NPS 6 or
   less) or a reopening, anywhere earlier in the case, or an agent offering a
   call or an escalation in the segment left (an offer made on an earlier
   channel was already acted on);
4. a move the customer made themselves (they wrote or called first on the new
   channel) with no such evidence is ``convenience``; anything else is
   ``unknown``.

Escalation words after a negation a few words before, in the same clause
("no manager needed", "it is not urgent", "we don't need to escalate"), do not
count. Evidence quotes a handoff's reason as written, its whitespace runs
collapsed to single spaces, so a redactor still finds the data in it.

The rule and its evidence are on every :class:`ChannelSwitch`, so a reader can
check the call.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Literal

import attrs

from omnicontext.errors import FieldError, InvalidInput
from omnicontext.handoff.sensitivity import (
    SensitivityDetector,
    asks_to_go_private,
    default_detector,
)
from omnicontext.handoff.timeline import Timeline, is_customer_facing
from omnicontext.model import (
    Call,
    Case,
    ChannelRegistry,
    Handoff,
    Interaction,
    Message,
    StatusChange,
    Survey,
    current_channels,
)

__all__ = [
    "ChannelSwitch",
    "SwitchReason",
    "SwitchRules",
    "detect_switches",
    "same_matter",
]


class SwitchReason(enum.StrEnum):
    """Why a conversation moved channel."""

    ESCALATION = "escalation"
    """The issue grew: a long exchange, a poor survey, a reopening, a specialist."""
    SENSITIVITY = "sensitivity"
    """The conversation turned sensitive and left a public channel."""
    CONVENIENCE = "convenience"
    """The customer moved on their own, or said another channel suited them."""
    UNKNOWN = "unknown"
    """The data does not say."""


_ESCALATION_WORDS = re.compile(
    r"\b(escalat\w*|complex|complicated|specialist|supervisor|manager|team lead|"
    r"senior|investigat\w*|call(?:ing)? you|call back|callback|give (?:us|you) a call|"
    r"phone (?:call|us)|technical|engineer|fraud\w*|dispute\w*|urgent\w*|"
    r"team will (?:call|ring|contact|verify|take over))\b",
    re.IGNORECASE,
)
# A negation up to three words before a word, in the same clause (words are
# separated by spaces only, so punctuation ends the reach).
_NEGATED = re.compile(
    r"(?:\b(?:no|not|never|without|cannot)\b|n['\u2019]t\b|\bnon-)(?:\s+[\w'\u2019-]+){0,3}\s*$",
    re.IGNORECASE,
)
_SENSITIVE_WORDS = re.compile(
    r"\b(private(?:ly)?|security|secure|verify|verification|confidential|"
    r"personal (?:data|details|information)|account (?:check|details|number))\b",
    re.IGNORECASE,
)
_CONVENIENCE_WORDS = re.compile(
    r"\b(prefer\w*|convenien\w*|easier|on the go|on my (?:phone|mobile)|"
    r"can'?t (?:talk|chat) now|at work|driving|later)\b",
    re.IGNORECASE,
)


@attrs.frozen
class SwitchRules:
    """The thresholds switch detection uses; see the module for the rules."""

    window: timedelta = timedelta(days=7)
    """How long after their last contact a customer's return still counts as a
    move about the same matter."""
    long_exchange: int = 6
    """Messages in the segment left that make a move to a live channel an escalation."""
    poor_csat: int = 2
    """A CSAT at or below this is a poor survey."""
    poor_nps: int = 6
    """An NPS at or below this is a poor survey."""
    detector: SensitivityDetector = attrs.field(factory=default_detector)
    """What counts as sensitive in a customer's words."""

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        if not isinstance(self.window, timedelta) or self.window <= timedelta(0):
            errors.append(FieldError("window", self.window, "must be a positive timedelta"))
        for name in ("long_exchange", "poor_csat", "poor_nps"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                errors.append(FieldError(name, value, "must be a non-negative integer"))
        if errors:
            raise InvalidInput("switch rules", errors)


@attrs.frozen
class ChannelSwitch:
    """One move of a conversation from a channel to another."""

    kind: Literal["case", "return"]
    """``case``: within one case; ``return``: the customer came back in another case."""
    from_channel: str
    to_channel: str
    left_at: datetime
    """The last customer-facing record on the channel left."""
    at: datetime
    """The first customer-facing record on the new channel."""
    from_interaction_id: str
    to_interaction_id: str
    case_id: str | None
    """The case moved (for a return: the case the customer came back in)."""
    customer_id: str | None
    initiated_by: Literal["customer", "business"]
    """Who opened the new channel: the customer's own message or call, or ours."""
    reason: SwitchReason
    evidence: str
    """The rule that decided :attr:`reason`, in words, naming its records."""
    handoff_id: str | None = None
    """The ``handoff`` record of the move, when one was made."""
    earlier_case_id: str | None = None
    """For a return: the case of the earlier contact."""

    @property
    def gap(self) -> timedelta:
        """Time between leaving the old channel and the first record on the new one."""
        return self.at - self.left_at

    def to_dict(self) -> dict[str, object]:
        """The switch as JSON-ready data."""
        return {
            "kind": self.kind,
            "from_channel": self.from_channel,
            "to_channel": self.to_channel,
            "left_at": self.left_at.isoformat(),
            "at": self.at.isoformat(),
            "from_interaction_id": self.from_interaction_id,
            "to_interaction_id": self.to_interaction_id,
            "case_id": self.case_id,
            "customer_id": self.customer_id,
            "initiated_by": self.initiated_by,
            "reason": self.reason.value,
            "evidence": self.evidence,
            "handoff_id": self.handoff_id,
            "earlier_case_id": self.earlier_case_id,
        }


def same_matter(earlier: Case, later: Case) -> bool:
    """The default test of a return: both cases have one ``intent``, or one subject.

    >>> same_matter(Case(id="a", customer_id="c", intent="refund"),
    ...             Case(id="b", customer_id="c", intent="refund"))
    True
    >>> same_matter(Case(id="a", customer_id="c"), Case(id="b", customer_id="c"))
    False
    """
    if earlier.intent is not None and earlier.intent == later.intent:
        return True
    a, b = earlier.subject.strip().casefold(), later.subject.strip().casefold()
    return bool(a) and a == b


def _inbound(item: Interaction) -> bool:
    return isinstance(item, (Message, Call)) and item.direction == "inbound"


def _customer_text(item: Interaction) -> str | None:
    if isinstance(item, Message) and item.actor == "customer":
        return item.body
    return None


def _agent_text(item: Interaction) -> str | None:
    if isinstance(item, Message) and item.actor in ("agent", "bot"):
        return item.body
    return None


def _poor(item: Interaction, rules: SwitchRules) -> str | None:
    if not isinstance(item, Survey):
        return None
    if item.csat is not None and item.csat <= rules.poor_csat:
        return f"CSAT {item.csat} ({item.id})"
    if item.nps is not None and item.nps <= rules.poor_nps:
        return f"NPS {item.nps} ({item.id})"
    return None


def _escalates(text: str) -> bool:
    """True when ``text`` has an escalation word that no negation just before cancels."""
    for match in _ESCALATION_WORDS.finditer(text):
        if _NEGATED.search(text, max(0, match.start() - 80), match.start()) is None:
            return True
    return False


def _quote(text: str) -> str:
    """``text`` in plain quotes, whitespace runs collapsed, nothing escaped."""
    return "'" + " ".join(text.split()) + "'"


def _from_handoff(
    record: Handoff, leaves_public: bool, rules: SwitchRules
) -> tuple[SwitchReason, str] | None:
    said = f"handoff {record.id} says {_quote(record.reason)}"
    if leaves_public and (
        _SENSITIVE_WORDS.search(record.reason) or rules.detector.detect(record.reason)
    ):
        return SwitchReason.SENSITIVITY, said
    if _escalates(record.reason):
        return SwitchReason.ESCALATION, said
    if _CONVENIENCE_WORDS.search(record.reason):
        return SwitchReason.CONVENIENCE, said
    return None


@attrs.define
class _Evidence:
    """The latest evidence seen so far in one case, by index in its records."""

    poor: tuple[int, str] | None = None
    """The last poor survey, described."""
    reopened: tuple[int, str] | None = None
    """The last status change that reopened a solved case: its id."""
    offer: int | None = None
    """The last agent message offering a call or an escalation."""
    status: str | None = None
    """The status the last status change set."""
    handoffs: dict[tuple[str, str], int] = attrs.field(factory=dict)
    """The last handoff record for each (from, to) pair of channels."""
    messages: int = 0
    """Messages seen so far."""

    def see(self, index: int, item: Interaction, rules: SwitchRules) -> None:
        if isinstance(item, Message):
            self.messages += 1
            text = _agent_text(item)
            if text is not None and _escalates(text):
                self.offer = index
        elif isinstance(item, Survey):
            poor = _poor(item, rules)
            if poor is not None:
                self.poor = (index, poor)
        elif isinstance(item, StatusChange):
            if item.status == "open" and self.status == "solved":
                self.reopened = (index, item.id)
            self.status = item.status
        elif isinstance(item, Handoff):
            self.handoffs[(item.from_channel, item.to_channel)] = index


def _classify(
    items: Sequence[Interaction],
    start: int,
    last: int,
    index: int,
    segment_messages: int,
    seen: _Evidence,
    rules: SwitchRules,
    registry: ChannelRegistry,
) -> tuple[SwitchReason, str, str | None]:
    """Reason, evidence and handoff id for the move to ``items[index]``.

    ``items[start:last + 1]`` is the run of records on the channel left
    (internal records within it included), ``items[last + 1:index]`` the
    records after it and before the move, ``segment_messages`` the messages in
    that run, and ``seen`` the evidence in ``items[:index]``.
    """
    first_new = items[index]
    from_channel, to_channel = items[last].channel, first_new.channel
    old, new = registry.get(from_channel), registry.get(to_channel)
    leaves_public = old is not None and new is not None and old.is_public and not new.is_public
    at = seen.handoffs.get((from_channel, to_channel))
    handoff = items[at] if at is not None and at >= start else None
    handoff_id = handoff.id if handoff is not None else None
    if isinstance(handoff, Handoff):
        found = _from_handoff(handoff, leaves_public, rules)
        if found is not None:
            return found[0], found[1], handoff_id
    if leaves_public:
        for position in range(last, start - 1, -1):
            item = items[position]
            text = _customer_text(item)
            hits = rules.detector.detect(text) if text is not None else ()
            if hits:
                topics = ", ".join(dict.fromkeys(h.topic.value for h in hits))
                return (
                    SwitchReason.SENSITIVITY,
                    f"customer message {item.id} touches {topics}",
                    handoff_id,
                )
            text = _agent_text(item)
            if text is not None and asks_to_go_private(text):
                return (
                    SwitchReason.SENSITIVITY,
                    f"agent message {item.id} asks the customer to move to a private message",
                    handoff_id,
                )
    if new is not None and new.is_live and (old is None or not old.is_live):
        if segment_messages >= rules.long_exchange > 0:
            return (
                SwitchReason.ESCALATION,
                f"{segment_messages} messages on {from_channel} before the move",
                handoff_id,
            )
        # The latest of: a poor survey or a reopening anywhere earlier in the
        # case, an agent's offer in the segment left.
        latest: list[tuple[int, str]] = []
        if seen.poor is not None:
            latest.append((seen.poor[0], f"a poor survey before the move: {seen.poor[1]}"))
        if seen.reopened is not None:
            latest.append((seen.reopened[0], f"the case was reopened ({seen.reopened[1]})"))
        if seen.offer is not None and seen.offer >= start:
            offer = items[seen.offer].id
            latest.append((seen.offer, f"agent message {offer} offers a call or an escalation"))
        if latest:
            return SwitchReason.ESCALATION, max(latest)[1], handoff_id
    if _inbound(first_new):
        text = _customer_text(first_new)
        if text is not None and _CONVENIENCE_WORDS.search(text):
            evidence = f"customer message {first_new.id} says the new channel suits them"
        else:
            evidence = f"the customer opened {to_channel} themselves ({first_new.id})"
        return SwitchReason.CONVENIENCE, evidence, handoff_id
    if isinstance(handoff, Handoff):
        # The handoff names no rule's evidence: its own words are the best there is.
        return (
            SwitchReason.UNKNOWN,
            f"handoff {handoff.id} says {_quote(handoff.reason)}",
            handoff_id,
        )
    return SwitchReason.UNKNOWN, "no record says why", handoff_id


def _case_switches(
    items: Sequence[Interaction], rules: SwitchRules, registry: ChannelRegistry
) -> list[ChannelSwitch]:
    """The moves within one case's records (sorted), in one forward pass."""
    found: list[ChannelSwitch] = []
    seen = _Evidence()
    start = 0  # index of the first record of the current channel run
    start_messages = 0  # messages before ``start``
    last_facing: int | None = None
    last_messages = 0  # messages up to and including ``last_facing``
    for index, item in enumerate(items):
        facing = is_customer_facing(item)
        if facing and last_facing is not None and items[last_facing].channel != item.channel:
            prev = items[last_facing]
            reason, evidence, handoff_id = _classify(
                items,
                start,
                last_facing,
                index,
                last_messages - start_messages,
                seen,
                rules,
                registry,
            )
            found.append(
                ChannelSwitch(
                    kind="case",
                    from_channel=prev.channel,
                    to_channel=item.channel,
                    left_at=prev.occurred_at,
                    at=item.occurred_at,
                    from_interaction_id=prev.id,
                    to_interaction_id=item.id,
                    case_id=item.case_id,
                    customer_id=item.customer_id or prev.customer_id,
                    initiated_by="customer" if _inbound(item) else "business",
                    reason=reason,
                    evidence=evidence,
                    handoff_id=handoff_id,
                )
            )
            start, start_messages = last_facing + 1, last_messages
        seen.see(index, item, rules)
        if facing:
            last_facing, last_messages = index, seen.messages
    return found


def _return_switches(
    items: Sequence[Interaction],
    cases: Mapping[str, Case],
    rules: SwitchRules,
    matter: Callable[[Case, Case], bool],
    registry: ChannelRegistry,
) -> list[ChannelSwitch]:
    found: list[ChannelSwitch] = []
    by_customer: dict[str, list[Interaction]] = {}
    for item in items:
        if item.customer_id is not None and is_customer_facing(item):
            by_customer.setdefault(item.customer_id, []).append(item)
    for customer_id, records in by_customer.items():
        last: Interaction | None = None
        for item in records:
            if (
                last is not None
                and _inbound(item)
                and item.case_id is not None
                and last.case_id is not None
                and item.case_id != last.case_id
                and item.channel != last.channel
                and item.occurred_at - last.occurred_at <= rules.window
            ):
                earlier, later = cases.get(last.case_id), cases.get(item.case_id)
                if earlier is not None and later is not None and matter(earlier, later):
                    text = _customer_text(item)
                    reason, evidence = (
                        SwitchReason.CONVENIENCE,
                        (
                            f"the customer came back on {item.channel} ({item.id}) "
                            f"{_human(item.occurred_at - last.occurred_at)} after {last.id}"
                        ),
                    )
                    new = registry.get(item.channel)
                    if text is not None and rules.detector.detect(text) and new is not None:
                        if not new.is_public:
                            reason = SwitchReason.SENSITIVITY
                            evidence = f"customer message {item.id} is sensitive"
                    elif new is not None and new.is_live and later.priority in ("high", "urgent"):
                        reason = SwitchReason.ESCALATION
                        evidence = f"case {later.id} has priority {later.priority.value}"
                    found.append(
                        ChannelSwitch(
                            kind="return",
                            from_channel=last.channel,
                            to_channel=item.channel,
                            left_at=last.occurred_at,
                            at=item.occurred_at,
                            from_interaction_id=last.id,
                            to_interaction_id=item.id,
                            case_id=item.case_id,
                            customer_id=customer_id,
                            initiated_by="customer",
                            reason=reason,
                            evidence=evidence,
                            earlier_case_id=last.case_id,
                        )
                    )
            last = item
    return found


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def detect_switches(
    interactions: Iterable[Interaction],
    *,
    cases: Mapping[str, Case] | None = None,
    rules: SwitchRules | None = None,
    same_matter: Callable[[Case, Case], bool] = same_matter,
    channels: ChannelRegistry | None = None,
) -> tuple[ChannelSwitch, ...]:
    """Every channel move in ``interactions``, by time (see the module for the rules).

    ``interactions`` may mix cases and customers, in any order. Moves within a
    case need nothing else; returns need ``cases`` (by id) to tell whether two
    cases are about the same matter, and are not looked for without them.

    >>> from datetime import datetime, timezone
    >>> from omnicontext.model import Message
    >>> t = lambda m: datetime(2026, 6, 12, 8, m, tzinfo=timezone.utc)
    >>> records = [
    ...     Message(id="m1", occurred_at=t(0), channel="social_public", case_id="c",
    ...             actor="customer", direction="inbound", body="My card was declined"),
    ...     Message(id="m2", occurred_at=t(5), channel="social_public", case_id="c",
    ...             actor="agent", agent_id="a1", direction="outbound",
    ...             body="Sorry! Please DM us and we'll sort it."),
    ...     Message(id="m3", occurred_at=t(9), channel="social_private", case_id="c",
    ...             actor="customer", direction="inbound", body="Hi, it's me"),
    ... ]
    >>> [(s.from_channel, s.to_channel, s.reason.value) for s in detect_switches(records)]
    [('social_public', 'social_private', 'sensitivity')]
    """
    rules = rules if rules is not None else SwitchRules()
    registry = channels if channels is not None else current_channels()
    timeline = Timeline.of(interactions)
    by_case: dict[str, list[Interaction]] = {}
    for item in timeline:
        if item.case_id is not None:
            by_case.setdefault(item.case_id, []).append(item)
    found: list[ChannelSwitch] = []
    for records in by_case.values():
        found.extend(_case_switches(records, rules, registry))
    if cases:
        found.extend(_return_switches(timeline.interactions, cases, rules, same_matter, registry))
    found.sort(key=lambda s: (s.at, s.to_interaction_id, s.kind))
    return tuple(found)
