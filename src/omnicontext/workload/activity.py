"""What agents did and when: spans of work and spans of presence.

A :class:`WorkSpan` is one item an agent worked, from when the work began to
when it ended, plus the wrap-up after it (wrap-up counts as busy). ``units``
is the share of the agent it took (a call all of them, a chat a third), as in
:mod:`omnicontext.routing.capacity`. A :class:`PresenceSpan` says what the
agent's presence was from one time to another. The routing dispatcher emits
both; :func:`spans_from_interactions` derives work spans from recorded
interactions. Times must carry a UTC offset: a naive time is rejected, never
guessed.

>>> from datetime import datetime, timedelta, timezone
>>> at = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
>>> span = WorkSpan(agent_id="ag_1", item_id="call_1", channel="phone", start=at,
...                 end=at + timedelta(minutes=5), units=1, exclusive=True,
...                 wrap_up_end=at + timedelta(minutes=6))
>>> span.busy_until - span.start, span.load
(datetime.timedelta(seconds=360), Fraction(1, 1))
>>> WorkSpan(agent_id="ag_1", item_id="chat_1", channel="chat", start=at.replace(tzinfo=None),
...          end=at, units="1/3")
Traceback (most recent call last):
...
omnicontext.errors.InvalidInput: invalid work span: start=...: a timezone-aware time is required...
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from fractions import Fraction
from typing import TYPE_CHECKING, NamedTuple

import attrs

from omnicontext.errors import FieldError, InvalidInput
from omnicontext.model import (
    Actor,
    Assignment,
    Call,
    CaseStatus,
    Handoff,
    InteractionBase,
    Message,
    StatusChange,
)

if TYPE_CHECKING:
    from omnicontext.routing.capacity import CapacityProfile
    from omnicontext.routing.presence import Presence

# The routing dispatcher emits these spans, so ``omnicontext.routing`` imports this
# module while it initialises. Importing routing here at module level would make
# the import order matter; the few routing names used at run time are imported
# where they are needed instead.

__all__ = ["PresenceSpan", "WorkSpan", "spans_from_interactions"]

_WHOLE = Fraction(1)
_AWARE = "a timezone-aware time is required (naive times are never guessed)"


def _is_aware(value: object) -> bool:
    return isinstance(value, datetime) and value.utcoffset() is not None


def _check_times(
    subject: str, start: object, end: object, *, later: tuple[str, object] | None = None
) -> None:
    errors: list[FieldError] = []
    for name, value in (("start", start), ("end", end), *([later] if later else [])):
        if value is not None and not _is_aware(value):
            errors.append(FieldError(name, value, _AWARE))
    if not errors:
        assert isinstance(start, datetime)
        assert isinstance(end, datetime)
        if end < start:
            errors.append(FieldError("end", end, f"is before start {start.isoformat()}"))
        if later is not None and isinstance(later[1], datetime) and later[1] < end:
            errors.append(FieldError(later[0], later[1], f"is before end {end.isoformat()}"))
    if errors:
        raise InvalidInput(subject, errors)


def _span_units(value: object) -> Fraction:
    from omnicontext.routing.capacity import to_units

    try:
        return to_units(value)
    except InvalidInput as exc:
        raise InvalidInput("work span", exc.errors) from None


def _presence(value: object) -> Presence:
    from omnicontext.routing.presence import Presence

    try:
        return Presence(str(value))
    except ValueError:
        known = ", ".join(p.value for p in Presence)
        raise InvalidInput(
            "presence span", [FieldError("presence", value, f"not one of {known}")]
        ) from None


def _text(subject: str) -> Callable[[object, attrs.Attribute[str], str], None]:
    def check(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
        if not isinstance(value, str) or not value:
            raise InvalidInput(
                subject, [FieldError(attribute.name, value, "must be a non-empty string")]
            )

    return check


@attrs.frozen
class WorkSpan:
    """One item an agent worked, from ``start`` to ``end``, then wrap-up.

    ``start``: the work began (offer accepted, call answered). ``end``: the
    work ended, wrap-up not included. ``units``: the share of the agent's
    capacity it took, ``1`` being the whole agent (given as anything
    :func:`~omnicontext.routing.capacity.to_units` reads). ``exclusive``: it
    took the agent's whole attention (a live call). ``wrap_up_end``: the end
    of the wrap-up after ``end``, which counts as busy; ``None`` for none.
    """

    agent_id: str = attrs.field(validator=_text("work span"))
    item_id: str = attrs.field(validator=_text("work span"))
    channel: str = attrs.field(validator=_text("work span"))
    start: datetime
    end: datetime
    units: Fraction = attrs.field(converter=_span_units)
    exclusive: bool = False
    wrap_up_end: datetime | None = None

    def __attrs_post_init__(self) -> None:
        _check_times("work span", self.start, self.end, later=("wrap_up_end", self.wrap_up_end))

    @property
    def busy_until(self) -> datetime:
        """When the agent is free of this item: the end of wrap-up, else ``end``."""
        return self.end if self.wrap_up_end is None else self.wrap_up_end

    @property
    def load(self) -> Fraction:
        """The share of the agent this item takes while held: ``1`` when it is
        exclusive (nothing else fits beside it), else ``units``."""
        return _WHOLE if self.exclusive else self.units


@attrs.frozen
class PresenceSpan:
    """The agent's presence from ``start`` to ``end``.

    ``presence`` is a :class:`~omnicontext.routing.presence.Presence` or its
    name (``"available"``, ``"busy"``, ``"away"``, ``"offline"``).
    """

    agent_id: str = attrs.field(validator=_text("presence span"))
    presence: Presence = attrs.field(converter=_presence)
    start: datetime
    end: datetime

    def __attrs_post_init__(self) -> None:
        _check_times("presence span", self.start, self.end)

    @property
    def on_duty(self) -> bool:
        """Available or busy: at work and reachable (the occupancy denominator)."""
        return self.presence in ("available", "busy")

    @property
    def logged_in(self) -> bool:
        """Anything but offline: away (on a break) counts (the utilisation denominator)."""
        return self.presence != "offline"


# -- deriving work from interactions -------------------------------------------------------

_RELEASING = frozenset({CaseStatus.PENDING, CaseStatus.SOLVED, CaseStatus.CLOSED})


@attrs.define
class _Hold:
    """A conversation an agent holds in one case, not yet released."""

    agent_id: str
    channel: str
    start: datetime
    last: datetime
    messaged: bool


def spans_from_interactions(
    interactions: Iterable[InteractionBase], *, profile: CapacityProfile | None = None
) -> Iterator[WorkSpan]:
    """The work recorded in ``interactions``, one :class:`WorkSpan` per item.

    ``profile`` (default :meth:`CapacityProfile.default()
    <omnicontext.routing.capacity.CapacityProfile.default>`) gives each
    channel's units, divided by the profile's capacity so that ``1`` is the
    whole agent, and whether it is exclusive. A channel missing from the
    profile raises :class:`~omnicontext.errors.InvalidInput`.

    **Calls.** An answered, ended call with an ``agent_id`` is worked from
    ``answered_at`` to ``ended_at``, with wrap-up until ``wrap_up_seconds``
    later. Abandoned calls, calls still running and calls without an agent
    give nothing.

    **Conversations** (messages on every channel the profile does not mark
    exclusive). An agent *holds* a case on a channel:

    - from when the case is assigned to them (on the assignment's channel), or
      from their first message in the case, whichever comes first; when their
      first message after an assignment is on another channel, the hold is on
      that channel;
    - until the case is set ``pending``, ``solved`` or ``closed``, or assigned
      to another agent, or handed off to another channel. A handoff starts a
      new hold on the channel the case moves to, from the handoff on.

    A hold still open when the input ends lasts until the agent's last
    message in it. Holds that last no time at all are dropped. Notes, surveys
    and interactions without a ``case_id`` hold nothing; messages on exclusive
    channels hold nothing either (the calls are the work there).

    Interactions are read once, in time order (as a store's ``scan()`` and
    timelines give them); one earlier than the one before it raises
    :class:`~omnicontext.errors.InvalidInput`. Calls are given as they are
    read and holds as they are released, so memory holds only the open
    conversations.

    >>> from omnicontext.testing import factories as f
    >>> items = [f.assignment("a1", at=f.minutes(0), case_id="k1"),
    ...          f.message("m1", at=f.minutes(2), case_id="k1", direction="outbound"),
    ...          f.status("s1", at=f.minutes(30), case_id="k1")]
    >>> [(s.item_id, s.channel, str(s.units), s.end - s.start)
    ...  for s in spans_from_interactions(items)]
    [('k1', 'chat', '1/3', datetime.timedelta(seconds=1800))]
    """
    from omnicontext.routing.capacity import CapacityProfile

    profile = CapacityProfile.default() if profile is None else profile
    open_cases: dict[str, dict[tuple[str, str], _Hold]] = {}
    previous: datetime | None = None

    def span(case_id: str, hold: _Hold, end: datetime) -> WorkSpan | None:
        spec = profile.spec(hold.channel)
        if spec.exclusive or end <= hold.start:
            return None
        return WorkSpan(
            agent_id=hold.agent_id,
            item_id=case_id,
            channel=hold.channel,
            start=hold.start,
            end=end,
            units=spec.units / profile.capacity,
        )

    for item in interactions:
        at = item.occurred_at
        if previous is not None and at < previous:
            raise InvalidInput(
                "interactions",
                [
                    FieldError(
                        "occurred_at",
                        at.isoformat(),
                        f"interaction {item.id!r} is earlier than the one before it "
                        f"({previous.isoformat()}); pass interactions in time order",
                    )
                ],
            )
        previous = at
        if isinstance(item, Call):
            call = _call_span(item, profile)
            if call is not None:
                yield call
            continue
        case_id = item.case_id
        if case_id is None:
            continue
        holds = open_cases.get(case_id)
        if isinstance(item, Message):
            if item.actor is not Actor.AGENT or item.agent_id is None:
                continue
            if profile.spec(item.channel).exclusive:
                continue
            holds = open_cases.setdefault(case_id, {})
            key = (item.agent_id, item.channel)
            hold = holds.get(key)
            if hold is None:
                hold = _unmessaged(holds, item.agent_id)
                if hold is None:
                    hold = _Hold(item.agent_id, item.channel, at, at, True)
                else:
                    del holds[(hold.agent_id, hold.channel)]
                    hold.channel = item.channel
                holds[key] = hold
            hold.last = at
            hold.messaged = True
        elif isinstance(item, Assignment):
            assert item.agent_id is not None
            holds = open_cases.setdefault(case_id, {})
            for key, hold in list(holds.items()):
                if hold.agent_id != item.agent_id:
                    del holds[key]
                    released = span(case_id, hold, at)
                    if released is not None:
                        yield released
            if not holds:
                holds[(item.agent_id, item.channel)] = _Hold(
                    item.agent_id, item.channel, at, at, False
                )
        elif isinstance(item, StatusChange):
            if item.status in _RELEASING and holds is not None:
                del open_cases[case_id]
                for hold in holds.values():
                    released = span(case_id, hold, at)
                    if released is not None:
                        yield released
        elif isinstance(item, Handoff) and holds is not None:
            for key, hold in list(holds.items()):
                if hold.channel != item.from_channel:
                    continue
                del holds[key]
                released = span(case_id, hold, at)
                if released is not None:
                    yield released
                holds.setdefault(
                    (hold.agent_id, item.to_channel),
                    _Hold(hold.agent_id, item.to_channel, at, at, False),
                )
    for case_id, holds in open_cases.items():
        for hold in holds.values():
            released = span(case_id, hold, hold.last)
            if released is not None:
                yield released


def _unmessaged(holds: dict[tuple[str, str], _Hold], agent_id: str) -> _Hold | None:
    for hold in holds.values():
        if hold.agent_id == agent_id and not hold.messaged:
            return hold
    return None


def _call_span(call: Call, profile: CapacityProfile) -> WorkSpan | None:
    if call.agent_id is None or call.answered_at is None or call.ended_at is None:
        return None
    spec = profile.spec(call.channel)
    wrap_up = (
        call.ended_at + timedelta(seconds=call.wrap_up_seconds) if call.wrap_up_seconds else None
    )
    return WorkSpan(
        agent_id=call.agent_id,
        item_id=call.id,
        channel=call.channel,
        start=call.answered_at,
        end=call.ended_at,
        units=spec.units / profile.capacity,
        exclusive=spec.exclusive,
        wrap_up_end=wrap_up,
    )


# -- the sweep the measures share (private) -------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def _micros(at: datetime) -> int:
    """``at`` as whole microseconds since the epoch (exact)."""
    return (at - _EPOCH) // _US


def _datetime(micros: int, zone: tzinfo) -> datetime:
    """The inverse of :func:`_micros`, shown in ``zone``."""
    return (_EPOCH + timedelta(microseconds=micros)).astimezone(zone)


def _scale(spans: Iterable[WorkSpan]) -> int:
    """A whole number by which every span's load is an integer (the LCM of denominators)."""
    return math.lcm(*{span.units.denominator for span in spans if not span.exclusive})


def _weight(span: WorkSpan, scale: int) -> int:
    """``span.load`` times ``scale``, a whole number when ``scale`` comes from :func:`_scale`."""
    if span.exclusive:
        return scale
    return scale // span.units.denominator * span.units.numerator


class _Piece(NamedTuple):
    """A stretch of time over which nothing about one agent changes."""

    start: int
    end: int
    items: int
    """How many items the agent holds."""
    demand: int
    """The load they add up to, times the scale (an exclusive item is the whole scale)."""
    on_duty: bool
    """A presence span says available or busy."""
    logged_in: bool
    """A presence span says anything but offline."""


def _pieces(
    spans: Sequence[WorkSpan], presence: Sequence[PresenceSpan], scale: int
) -> Iterator[_Piece]:
    """One agent's timeline as consecutive pieces, from the first boundary to the last.

    A sweep over the sorted span boundaries: O(n log n). Overlapping presence
    spans combine: on duty when any covering span says so.
    """
    events: list[tuple[int, int, int, int, int]] = []
    for work in spans:
        a, b = _micros(work.start), _micros(work.busy_until)
        if b > a:
            weight = _weight(work, scale)
            events.append((a, 1, weight, 0, 0))
            events.append((b, -1, -weight, 0, 0))
    for state in presence:
        a, b = _micros(state.start), _micros(state.end)
        if b > a:
            duty, login = int(state.on_duty), int(state.logged_in)
            events.append((a, 0, 0, duty, login))
            events.append((b, 0, 0, -duty, -login))
    events.sort()
    items = demand = duty = login = 0
    previous: int | None = None
    for at, d_items, d_demand, d_duty, d_login in events:
        if previous is not None and at > previous:
            yield _Piece(previous, at, items, demand, duty > 0, login > 0)
        items += d_items
        demand += d_demand
        duty += d_duty
        login += d_login
        previous = at
