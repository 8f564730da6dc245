"""Telling the customer: notices when a conversation moves, updates while they are away.

:func:`compose_move_notice` writes the notice a customer gets when their
conversation moves channel (chat to a phone call, a public post to a private
message): what happened, the next steps, the reference to quote and the
expected wait, rendered for the channel it goes out on. :func:`compose_update`
writes a progress update. :func:`plan_delivery` decides on which channel, to
which address and from when a notice may go, honouring consent and
:class:`QuietHours` in the customer's own time zone.

>>> notice = compose_move_notice(
...     on_channel="sms", from_channel="chat", to_channel="phone", brand="Acme",
...     reference="CASE-1042", next_steps=["Keep your phone nearby."])
>>> notice.body
"Acme: We're moving this conversation from chat to a phone call. Ref CASE-1042: quote it ..."
>>> notice.sms.encoding, notice.sms.segments
('GSM-7', 1)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from omnicontext.errors import FieldError, InvalidInput, UnknownChannel
from omnicontext.handoff.sms import SmsSegments, _shorten, gsm7_safe, sms_segments
from omnicontext.model.channels import ChannelProfile, ChannelRegistry, current_channels
from omnicontext.model.customer import Customer, Identity, IdentityKind

__all__ = [
    "CHANNEL_LABELS",
    "INTERRUPTIVE_CHANNELS",
    "DeliveryPlan",
    "Notice",
    "QuietHours",
    "compose_move_notice",
    "compose_update",
    "plan_delivery",
]

CHANNEL_LABELS: Mapping[str, str] = {
    "email": "email",
    "chat": "chat",
    "phone": "a phone call",
    "sms": "text message",
    "whatsapp": "WhatsApp",
    "social_public": "a public post",
    "social_private": "a private message",
    "web": "our web form",
    "app": "our app",
    "in_person": "a visit in person",
    "video": "a video call",
}
"""How the built-in channels are named in a notice ("from chat to a phone call").

A channel not listed here is named after itself, underscores read as spaces;
pass ``channel_labels`` to the compose functions to name your own."""

INTERRUPTIVE_CHANNELS: frozenset[str] = frozenset({"sms", "phone", "whatsapp", "app"})
"""The channels :class:`QuietHours` applies to by default: those that buzz a phone."""

_PUBLIC_LIMIT = 280
_SUBJECT = "notice"

Kind = Literal["move", "update"]


# --------------------------------------------------------------------------- notices


@attrs.frozen
class Notice:
    """A notice for the customer, rendered for the channel it goes out on.

    ``subject`` is set for email only; ``sms`` (the encoding and segments of
    ``body``) for SMS only. ``truncated`` is true when the body was shortened
    to fit the channel (the reference and what happened are always kept when
    they fit at all). ``reference`` is the case reference the notice quotes.

    >>> n = compose_update(on_channel="chat", brand="Acme", reference="R-1",
    ...                    text="Your refund was approved.")
    >>> n.kind, n.subject, n.truncated
    ('update', None, False)
    """

    channel: str
    kind: Kind
    subject: str | None
    body: str
    sms: SmsSegments | None
    truncated: bool = False
    reference: str = ""


def _invalid(field: str, value: object, reason: str, subject: str = _SUBJECT) -> InvalidInput:
    return InvalidInput(subject, [FieldError(field, value, reason)])


def _text(field: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _invalid(field, value, "must be a non-empty string")
    return " ".join(value.split())


def _optional_text(field: str, value: object) -> str | None:
    """A name, or ``None`` when absent or blank (a profile without a display name)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise _invalid(field, value, "must be a string or None")
    return " ".join(value.split())


def _steps(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise _invalid("next_steps", value, "must be a list of steps, not one string")
    if not value:
        raise _invalid("next_steps", value, "at least one next step is required")
    steps = []
    for i, step in enumerate(value):
        text = _text(f"next_steps[{i}]", step)
        steps.append(text if text[-1] in ".!?" else text + ".")
    return tuple(steps)


def _max_segments(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _invalid("max_sms_segments", value, "must be an integer of at least 1")
    return value


def _wait_phrase(wait: object) -> str:
    """``"about 10 minutes"``, ``"about 1 hour 30 minutes"``, ``"less than a minute"``."""
    if not isinstance(wait, timedelta) or wait < timedelta(0):
        raise _invalid("expected_wait", wait, "must be a timedelta of zero or more")
    seconds = wait.total_seconds()
    if seconds < 60:
        return "less than a minute"

    def unit(n: int, word: str) -> str:
        return f"{n} {word}" if n == 1 else f"{n} {word}s"

    minutes = round(seconds / 60)
    if minutes < 60:
        return f"about {unit(minutes, 'minute')}"
    if minutes < 24 * 60:
        hours, rest = divmod(minutes, 60)
        return f"about {unit(hours, 'hour')}" + (f" {unit(rest, 'minute')}" if rest else "")
    days, hours = divmod(round(seconds / 3600), 24)
    return f"about {unit(days, 'day')}" + (f" {unit(hours, 'hour')}" if hours else "")


def _label(name: str, labels: Mapping[str, str] | None) -> str:
    if labels is not None and name in labels:
        return labels[name]
    return CHANNEL_LABELS.get(name, name.replace("_", " "))


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fit(head: str, tail: str, fits: Callable[[str], bool], *, channel: str) -> tuple[str, bool]:
    """``head + " " + tail`` fitted by ``fits``: the tail is shortened first."""
    full = f"{head} {tail}" if tail else head
    if fits(full):
        return full, False
    if tail:
        short_tail = _shorten(tail, lambda t: fits(f"{head} {t}"))
        if short_tail is not None:
            return f"{head} {short_tail}", True
    short = _shorten(full, fits)
    if short is None:
        raise _invalid("on_channel", channel, "the channel's max_message_length is too small")
    return short, True


def _limit_fits(limit: int | None) -> Callable[[str], bool]:
    return lambda text: limit is None or len(text) <= limit


def _profile(
    registry: ChannelRegistry, field: str, name: object, subject: str = _SUBJECT
) -> ChannelProfile:
    if not isinstance(name, str):
        raise _invalid(field, name, "must be a channel name", subject)
    profile = registry.get(name)
    if profile is None:
        raise UnknownChannel(
            subject, [FieldError(field, name, "unknown channel")], registry.names()
        )
    return profile


def _reference_sentence(reference: str, *, short: bool = False) -> str:
    if short:
        return f"Ref {reference}: quote it whenever you contact us."
    return (
        f"Your reference is {reference}: quote it when you contact us, "
        "so you never repeat yourself."
    )


def _numbered(steps: Sequence[str], *, inline: bool) -> str:
    if inline:
        return "Next steps: " + " ".join(f"{i}) {s}" for i, s in enumerate(steps, 1))
    return "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1))


def _sms_notice(
    channel: str, kind: Kind, head: str, tail: str, max_segments: int, reference: str
) -> Notice:
    head, tail = gsm7_safe(head), gsm7_safe(tail)
    body, truncated = _fit(
        head, tail, lambda t: sms_segments(t).segments <= max_segments, channel=channel
    )
    return Notice(channel, kind, None, body, sms_segments(body), truncated, reference)


def compose_move_notice(
    *,
    on_channel: str,
    from_channel: str,
    to_channel: str,
    brand: str,
    reference: str,
    next_steps: Sequence[str],
    customer_name: str | None = None,
    agent_name: str | None = None,
    expected_wait: timedelta | None = None,
    max_sms_segments: int = 3,
    channels: ChannelRegistry | None = None,
    channel_labels: Mapping[str, str] | None = None,
) -> Notice:
    """The notice telling the customer their conversation moves from one channel to another.

    It says what happened ("We're moving this conversation from chat to a
    phone call"), who takes over (``agent_name``), the expected wait, the
    reference to quote, and the next steps, rendered for ``on_channel``:

    - ``sms``: plain text made GSM-7 safe (:func:`~omnicontext.handoff.sms.gsm7_safe`)
      in at most ``max_sms_segments`` parts, prefixed with the brand; ``sms`` holds
      the segment count.
    - ``email``: a subject line, and a body with a greeting, numbered next steps
      and a sign-off.
    - a public channel (``social_public``): only the move and the reference,
      never the customer's or the agent's name, the steps or the wait, within
      the channel's ``max_message_length`` (280 when it has none).
    - any other channel (chat, WhatsApp, a private message, your own): one
      message within the channel's ``max_message_length``.

    When the body must be shortened the steps go first, cut at a sentence end,
    and ``truncated`` is set. Every channel name is checked against
    ``channels`` (the registry in force by default): an unknown one raises
    :class:`~omnicontext.errors.UnknownChannel`. A blank ``brand`` or
    ``reference``, no ``next_steps``, a negative ``expected_wait`` or the same
    ``from_channel`` and ``to_channel`` raise
    :class:`~omnicontext.errors.InvalidInput` naming the field.

    >>> n = compose_move_notice(
    ...     on_channel="email", from_channel="chat", to_channel="phone", brand="Acme",
    ...     reference="CASE-1042", next_steps=["Keep your phone nearby."],
    ...     customer_name="Ada", expected_wait=timedelta(minutes=10))
    >>> n.subject
    'Your Acme conversation is moving to a phone call (ref CASE-1042)'
    >>> print(n.body)
    Hi Ada,
    <BLANKLINE>
    We're moving this conversation from chat to a phone call.
    <BLANKLINE>
    What happens next:
    1. Keep your phone nearby.
    <BLANKLINE>
    Expected wait: about 10 minutes.
    <BLANKLINE>
    Your reference is CASE-1042: quote it when you contact us, so you never repeat yourself.
    <BLANKLINE>
    Thank you,
    Acme
    """
    registry = current_channels() if channels is None else channels
    profile = _profile(registry, "on_channel", on_channel)
    _profile(registry, "from_channel", from_channel)
    to_profile = _profile(registry, "to_channel", to_channel)
    if from_channel == to_channel:
        raise _invalid("to_channel", to_channel, "must differ from from_channel")
    brand = _text("brand", brand)
    reference = _text("reference", reference)
    steps = _steps(next_steps)
    name = _optional_text("customer_name", customer_name)
    agent = _optional_text("agent_name", agent_name)
    wait = None if expected_wait is None else _wait_phrase(expected_wait)
    max_segments = _max_segments(max_sms_segments)
    move = (
        f"we're moving this conversation from {_label(from_channel, channel_labels)} "
        f"to {_label(to_channel, channel_labels)}."
    )

    if profile.is_public:
        private = "" if to_profile.is_public else " to keep your details private"
        text = (
            f"We're moving this conversation to {_label(to_channel, channel_labels)}"
            f"{private}. Your reference is {reference}."
        )
        limit = profile.max_message_length or _PUBLIC_LIMIT
        body, truncated = _fit(text, "", _limit_fits(limit), channel=on_channel)
        return Notice(on_channel, "move", None, body, None, truncated, reference)

    takeover = f"{agent} will take it from here." if agent else ""
    wait_line = f"Expected wait: {wait}." if wait else ""

    if on_channel == "email":
        greeting = f"Hi {name}," if name else "Hello,"
        paragraphs = [
            greeting,
            " ".join(p for p in (_capitalise(move), takeover) if p),
            "What happens next:\n" + _numbered(steps, inline=False),
            wait_line,
            _reference_sentence(reference),
            f"Thank you,\n{brand}",
        ]
        body = "\n\n".join(p for p in paragraphs if p)
        subject = (
            f"Your {brand} conversation is moving to {_label(to_channel, channel_labels)} "
            f"(ref {reference})"
        )
        short = _shorten(body, _limit_fits(profile.max_message_length))
        if short is None:
            raise _invalid(
                "on_channel", on_channel, "the channel's max_message_length is too small"
            )
        return Notice(on_channel, "move", subject, short, None, short != body, reference)

    opening = f"Hi {name}, {move}" if name else _capitalise(move)
    if on_channel == "sms":
        head = " ".join(
            p
            for p in (opening, takeover, wait_line, _reference_sentence(reference, short=True))
            if p
        )
        return _sms_notice(
            on_channel,
            "move",
            f"{brand}: {head}",
            _numbered(steps, inline=True),
            max_segments,
            reference,
        )
    head = " ".join(p for p in (opening, takeover, wait_line, _reference_sentence(reference)) if p)
    tail = f"{_numbered(steps, inline=True)} - {brand}"
    body, truncated = _fit(head, tail, _limit_fits(profile.max_message_length), channel=on_channel)
    return Notice(on_channel, "move", None, body, None, truncated, reference)


def compose_update(
    *,
    on_channel: str,
    brand: str,
    reference: str,
    text: str,
    customer_name: str | None = None,
    subject: str | None = None,
    max_sms_segments: int = 3,
    channels: ChannelRegistry | None = None,
) -> Notice:
    """A progress update for a customer away from the conversation.

    ``text`` is the update itself ("Your refund was approved."); the notice
    adds the brand and the reference. Rendered for ``on_channel``: SMS as
    ``"Acme update on CASE-1042: ..."`` (GSM-7 safe, at most
    ``max_sms_segments`` parts, no greeting); email with ``subject`` (a default
    naming the brand and the reference) and a greeting and sign-off; any other
    private channel as one message within its ``max_message_length``. When the
    text is too long it is cut at a sentence end and ``truncated`` is set; the
    reference is kept.

    An update never goes on a public channel: ``on_channel="social_public"``
    raises :class:`~omnicontext.errors.InvalidInput`, an unknown channel
    :class:`~omnicontext.errors.UnknownChannel`.

    >>> n = compose_update(on_channel="sms", brand="Acme", reference="CASE-1042",
    ...                    text="Your replacement ships today.")
    >>> n.body, n.sms.segments
    ('Acme update on CASE-1042: Your replacement ships today.', 1)
    """
    registry = current_channels() if channels is None else channels
    profile = _profile(registry, "on_channel", on_channel)
    if profile.is_public:
        raise _invalid("on_channel", on_channel, "an update never goes on a public channel")
    brand = _text("brand", brand)
    reference = _text("reference", reference)
    if not isinstance(text, str) or not text.strip():
        raise _invalid("text", text, "must be a non-empty string")
    text = text.strip()
    name = _optional_text("customer_name", customer_name)
    subject = _optional_text("subject", subject)
    max_segments = _max_segments(max_sms_segments)

    if on_channel == "sms":
        return _sms_notice(
            on_channel,
            "update",
            f"{brand} update on {reference}:",
            " ".join(text.split()),
            max_segments,
            reference,
        )
    if on_channel == "email":
        paragraphs = [
            f"Hi {name}," if name else "Hello,",
            text,
            _reference_sentence(reference),
            f"Thank you,\n{brand}",
        ]
        body = "\n\n".join(paragraphs)
        short = _shorten(body, _limit_fits(profile.max_message_length))
        if short is None:
            raise _invalid(
                "on_channel", on_channel, "the channel's max_message_length is too small"
            )
        title = subject or f"Update on your {brand} conversation (ref {reference})"
        return Notice(on_channel, "update", title, short, None, short != body, reference)
    lead = f"Hi {name}, here's" if name else "Here's"
    head = f"{lead} an update on your conversation with {brand} (reference {reference}):"
    body, truncated = _fit(
        head, " ".join(text.split()), _limit_fits(profile.max_message_length), channel=on_channel
    )
    return Notice(on_channel, "update", None, body, None, truncated, reference)


# --------------------------------------------------------------------------- quiet hours


def _aware(field: str, value: object, subject: str) -> datetime:
    if not isinstance(value, datetime):
        raise _invalid(field, value, "must be a datetime", subject)
    if value.tzinfo is None or value.utcoffset() is None:
        raise _invalid(
            field,
            value,
            "a timezone-aware time is required (naive times are never guessed)",
            subject,
        )
    return value


def _zone(value: object, field: str = "zone") -> ZoneInfo:
    if isinstance(value, ZoneInfo):
        return value
    if isinstance(value, str):
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise _invalid(
        field, value, "unknown IANA time zone (for example 'Europe/London')", "quiet hours"
    )


def _wall_time(_: Any, attribute: attrs.Attribute[time], value: object) -> None:
    if not isinstance(value, time):
        raise _invalid(attribute.name, value, "must be a datetime.time", "quiet hours")
    if value.tzinfo is not None:
        raise _invalid(
            attribute.name,
            value,
            "a local wall-clock time without tzinfo (the customer's zone applies)",
            "quiet hours",
        )


def _channel_set(value: object) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, (set, frozenset, list, tuple)):
        raise _invalid("channels", value, "must be a set of channel names", "quiet hours")
    names = frozenset(value)
    for name in names:
        if not isinstance(name, str) or not name:
            raise _invalid("channels", name, "must be a channel name", "quiet hours")
    return names


def _gap_end(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first instant after a wall-clock time that a clock change skipped."""
    a = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    b = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    low, high = min(a, b), max(a, b)  # local time at low is before ``wall``, at high after
    step = timedelta(microseconds=1)
    while high - low > step:
        mid = low + (high - low) // 2
        if mid.astimezone(zone).replace(tzinfo=None) >= wall:
            high = mid
        else:
            low = mid
    return high


def _instant(wall: datetime, zone: ZoneInfo, after: datetime) -> datetime:
    """The first instant later than ``after`` whose local time in ``zone`` is ``wall`` (or,
    when a clock change skipped ``wall``, the first instant past it)."""
    found = []
    for fold in (0, 1):
        utc = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        if utc.astimezone(zone).replace(tzinfo=None) == wall:
            found.append(utc)
    if not found:
        return _gap_end(wall, zone)
    later = [t for t in found if t > after]
    return min(later) if later else max(found)


def _clock_change(start: datetime, stop: datetime, zone: ZoneInfo) -> datetime | None:
    """The first instant after ``start`` and up to ``stop`` where ``zone`` changes offset."""
    offset = start.astimezone(zone).utcoffset()
    if stop.astimezone(zone).utcoffset() == offset:
        return None
    low, high = start, stop  # offset unchanged at low, changed at high
    step = timedelta(microseconds=1)
    while high - low > step:
        mid = low + (high - low) // 2
        if mid.astimezone(zone).utcoffset() == offset:
            low = mid
        else:
            high = mid
    return high


@attrs.frozen
class QuietHours:
    """Hours of the night when interruptive channels stay silent.

    ``start`` and ``end`` are local wall-clock times in the customer's time
    zone; the period may wrap midnight (21:00 to 08:00). It covers ``start``
    and stops just before ``end``. ``channels`` are those it applies to (by
    default :data:`INTERRUPTIVE_CHANNELS`: sms, phone, whatsapp, app); email
    and others are not held back.

    >>> from datetime import timezone
    >>> q = QuietHours(start=time(21), end=time(8))
    >>> q.applies_to("sms"), q.applies_to("email")
    (True, False)
    >>> q.next_allowed(datetime(2026, 1, 5, 22, 30, tzinfo=timezone.utc), "Europe/London")
    datetime.datetime(2026, 1, 6, 8, 0, tzinfo=datetime.timezone.utc)
    >>> QuietHours(start=time(8), end=time(8))
    Traceback (most recent call last):
    ...
    omnicontext.errors.InvalidInput: invalid quiet hours: end=datetime.time(8, 0): must differ ...
    """

    start: time = attrs.field(validator=_wall_time)
    end: time = attrs.field(validator=_wall_time)
    channels: frozenset[str] = attrs.field(default=INTERRUPTIVE_CHANNELS, converter=_channel_set)

    def __attrs_post_init__(self) -> None:
        if self._plain(self.start) == self._plain(self.end):
            raise _invalid(
                "end",
                self.end,
                "must differ from start (an empty or endless period)",
                "quiet hours",
            )

    @staticmethod
    def _plain(value: time) -> time:
        return value.replace(fold=0)

    def applies_to(self, channel: str) -> bool:
        """Whether these quiet hours hold back ``channel``."""
        return channel in self.channels

    def contains(self, wall: time) -> bool:
        """Whether the local wall-clock time ``wall`` is inside the quiet period.

        >>> q = QuietHours(start=time(21), end=time(8))
        >>> q.contains(time(23, 59)), q.contains(time(8)), q.contains(time(7, 59))
        (True, False, True)
        """
        t, start, end = self._plain(wall.replace(tzinfo=None)), self.start, self.end
        if start < end:
            return start <= t < end
        return t >= start or t < end

    def next_allowed(self, at: datetime, zone: ZoneInfo | str) -> datetime:
        """The earliest instant from ``at`` on that is outside quiet hours in ``zone``.

        ``at`` itself when it is outside them; else the end of the quiet
        period, as an aware datetime in UTC. Quiet hours follow the wall clock,
        so clock changes are honoured: when the end falls in a spring-forward
        gap the period ends at the jump (the first instant whose local time is
        past the end); in a fall-back fold the first occurrence after ``at`` is
        taken; and a clock falling back to before the start ends the period at
        the change. A naive ``at`` or an
        unknown zone raises :class:`~omnicontext.errors.InvalidInput`.
        """
        _aware("at", at, "quiet hours")
        tz = _zone(zone)
        current = at
        # A clock change can move the wall clock out of the period before its
        # end (falling back to before the start) or past the next start (a gap
        # swallowing the end): stop at a clock change and look again there.
        for _ in range(16):
            wall = current.astimezone(tz).replace(tzinfo=None)
            if not self.contains(wall.time()):
                return at if current is at else current.astimezone(UTC)
            day: date = wall.date()
            if self.start > self.end and self._plain(wall.time()) >= self.start:
                day += timedelta(days=1)
            end = _instant(datetime.combine(day, self.end), tz, current)
            change = _clock_change(current, end, tz)
            current = change if change is not None and change < end else end
        raise AssertionError("quiet hours never end")  # pragma: no cover


# --------------------------------------------------------------------------- delivery plan


@attrs.frozen
class DeliveryPlan:
    """Where and when a notice goes.

    ``channel`` is ``None`` when the notice is held (nowhere to send it).
    ``to`` is the address on that channel: the phone number for sms, phone and
    whatsapp, the email address for email, the social handle for social
    channels (``platform`` names the platform), ``None`` for in-conversation
    channels (chat, app, your own). ``not_before`` is set when quiet hours
    defer the notice. ``reasons`` say why this channel and why not each one
    skipped, one ``"channel: reason"`` each.
    """

    channel: str | None
    to: str | None
    not_before: datetime | None
    reasons: tuple[str, ...]
    platform: str | None = None

    @property
    def held(self) -> bool:
        """True when no channel can carry the notice."""
        return self.channel is None


_ADDRESS_KIND: Mapping[str, IdentityKind] = {
    "sms": IdentityKind.PHONE,
    "whatsapp": IdentityKind.PHONE,
    "phone": IdentityKind.PHONE,
    "email": IdentityKind.EMAIL,
    "social_private": IdentityKind.SOCIAL,
    "social_public": IdentityKind.SOCIAL,
}
_IN_CONVERSATION = frozenset({"chat", "app"})


def _identity(customer: Customer, kind: IdentityKind) -> Identity | None:
    found = [i for i in customer.identities if i.kind is kind]
    verified = [i for i in found if i.verified]
    if verified:
        return verified[0]
    return found[0] if found else None


def plan_delivery(
    customer: Customer,
    *,
    at: datetime,
    conversation_channel: str | None,
    customer_present: bool,
    quiet_hours: QuietHours | None = None,
    channels: ChannelRegistry | None = None,
    kind: Kind = "update",
) -> DeliveryPlan:
    """Decide on which channel, to which address and from when a notice reaches ``customer``.

    The rules, in order:

    1. While the customer is present in the conversation, the notice goes on
       the conversation channel, now (a ``move`` notice even on a public
       channel, since it announces the move; an ``update`` never goes public
       and follows rule 2).
    2. While they are away, the candidates are ``customer.preferred_channels``
       in order, then the conversation channel, then email and sms. The first
       usable one is chosen. A channel is usable when it is not public, is not
       ``phone`` (calls are not notices), is not live (chat, video, in person
       cannot reach someone who left) and is not a web form; when consent is
       granted, or was never asked and it is the channel the customer used
       for this conversation (refused consent is final); and when it has an
       address (a phone identity for sms and whatsapp, an email identity for
       email, a social identity for a private message; chat and app need none;
       your own channels only as the conversation channel).
    3. Quiet hours apply to the channels they name, judged in the customer's
       time zone: the chosen channel is deferred to the end of the quiet
       period (``not_before``). A customer without a time zone is never
       guessed: an interruptive channel is skipped as "time zone unknown" and
       the next candidate tried.
    4. If nothing is usable, the plan is held (``channel`` is ``None``).

    A naive ``at`` raises :class:`~omnicontext.errors.InvalidInput`; a channel
    the registry (``channels``, default the one in force) does not know raises
    :class:`~omnicontext.errors.UnknownChannel`.

    >>> from datetime import timezone
    >>> from omnicontext.model import ContactConsent, Customer, Identity
    >>> ada = Customer(id="c1", time_zone="Europe/London", preferred_channels=["sms"],
    ...     identities=[Identity(kind="phone", value="+447700900123")],
    ...     consent={"sms": ContactConsent(granted=True)})
    >>> plan = plan_delivery(ada, at=datetime(2026, 1, 5, 23, 0, tzinfo=timezone.utc),
    ...     conversation_channel="chat", customer_present=False,
    ...     quiet_hours=QuietHours(start=time(21), end=time(8)))
    >>> plan.channel, plan.to, plan.not_before.isoformat()
    ('sms', '+447700900123', '2026-01-06T08:00:00+00:00')
    >>> plan.reasons
    ('sms: preferred channel #1, consent granted', 'sms: quiet hours until 08:00 Europe/London')
    """
    subject = "delivery plan"
    _aware("at", at, subject)
    if kind not in ("move", "update"):
        raise _invalid("kind", kind, "must be 'move' or 'update'", subject)
    if not isinstance(customer, Customer):
        raise _invalid("customer", customer, "must be a Customer", subject)
    registry = current_channels() if channels is None else channels
    if conversation_channel is not None:
        _profile(registry, "conversation_channel", conversation_channel, subject)
    if customer_present and conversation_channel is None:
        raise _invalid(
            "conversation_channel", None, "a present customer is in a conversation", subject
        )
    reasons: list[str] = []

    def address(channel: str) -> tuple[bool, str | None, str | None, str]:
        """(reachable, to, platform, why not)."""
        wanted = _ADDRESS_KIND.get(channel)
        if wanted is None:
            return True, None, None, ""
        ident = _identity(customer, wanted)
        if ident is None:
            return False, None, None, f"{channel}: no address (no {wanted.value} identity)"
        return True, ident.value, ident.platform, ""

    if customer_present:
        assert conversation_channel is not None
        profile = registry[conversation_channel]
        if kind == "move" or not profile.is_public:
            _, to, platform, _why = address(conversation_channel)
            reasons.append(f"{conversation_channel}: the customer is present in this conversation")
            return DeliveryPlan(conversation_channel, to, None, tuple(reasons), platform)
        reasons.append(f"{conversation_channel}: public channel, never used for an update")

    candidates: list[tuple[str, str]] = []
    for i, name in enumerate(customer.preferred_channels, 1):
        candidates.append((name, f"preferred channel #{i}"))
    if conversation_channel is not None:
        candidates.append((conversation_channel, "the conversation channel"))
    candidates += [("email", "email address on file"), ("sms", "phone number on file")]
    seen: set[str] = set()
    zone_name = customer.time_zone
    for name, why in candidates:
        if name in seen:
            continue
        seen.add(name)
        profile = _profile(registry, "preferred_channels", name, subject)
        if profile.is_public:
            if not (customer_present and name == conversation_channel):
                reasons.append(f"{name}: public channel, never used for an update")
            continue
        if name == "phone":
            reasons.append(f"{name}: calls are not used for notices")
            continue
        if profile.is_live:
            reasons.append(f"{name}: live channel, cannot reach an absent customer")
            continue
        if name == "web":
            reasons.append(f"{name}: a web form cannot carry a notice")
            continue
        consent = customer.may_contact(name)
        if consent is False:
            reasons.append(f"{name}: no consent (refused)")
            continue
        if consent is None and name != conversation_channel:
            reasons.append(f"{name}: no consent (never asked)")
            continue
        basis = "consent granted" if consent else "used by the customer for this conversation"
        reachable, to, platform, why_not = address(name)
        if not reachable:
            reasons.append(why_not)
            continue
        if (
            name not in _ADDRESS_KIND
            and name not in _IN_CONVERSATION
            and name != conversation_channel
        ):
            reasons.append(f"{name}: no address known outside the conversation")
            continue
        not_before: datetime | None = None
        deferral: str | None = None
        if quiet_hours is not None and quiet_hours.applies_to(name):
            if zone_name is None:
                reasons.append(f"{name}: time zone unknown")
                continue
            allowed = quiet_hours.next_allowed(at, zone_name)
            if allowed != at:
                not_before = allowed
                local = allowed.astimezone(ZoneInfo(zone_name))
                deferral = f"{name}: quiet hours until {local:%H:%M} {zone_name}"
        reasons.append(f"{name}: {why}, {basis}")
        if deferral:
            reasons.append(deferral)
        return DeliveryPlan(name, to, not_before, tuple(reasons), platform)
    reasons.append("held: no usable channel")
    return DeliveryPlan(None, None, None, tuple(reasons))
