"""Capacity: how much of an agent one piece of work takes, and what they hold.

An agent has a total capacity (``1`` by default). Each channel says how much of
it one item takes (a call all of it, a chat a third, an email a tenth), how
many items of that channel may run at once, whether it is *exclusive* (an agent
on a live call is offered nothing else) and how long the wrap-up after it lasts
(wrap-up counts as busy). Units are exact fractions, so ten emails of a tenth
fill an agent exactly, with no floating-point residue.

>>> from datetime import datetime, timezone
>>> now = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
>>> profile = CapacityProfile.default()
>>> chats = [Holding(item_id=f"c{i}", agent_id="ag_1", channel="chat", units=profile.units("chat"))
...          for i in range(2)]
>>> profile.refusal(chats, "chat", now=now) is None
True
>>> profile.refusal(chats, "phone", now=now)
"channel 'phone' needs the agent's whole attention; they hold 2 items"
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

import attrs

from omnicontext.errors import FieldError, InvalidInput

__all__ = ["CapacityProfile", "ChannelCapacity", "Holding", "Units", "to_units"]

Units = Fraction | int | str | float
"""What a capacity amount may be given as: ``1``, ``Fraction(1, 3)``, ``"1/3"``, ``0.1``.

Floats are read by their shortest decimal form (``0.1`` is exactly one tenth)."""


def to_units(value: object, *, field: str = "units") -> Fraction:
    """An exact, positive capacity amount from ``value``.

    >>> to_units("1/3"), to_units(0.1), to_units(2)
    (Fraction(1, 3), Fraction(1, 10), Fraction(2, 1))
    >>> to_units(0)
    Traceback (most recent call last):
    ...
    omnicontext.errors.InvalidInput: invalid capacity: units=0: must be greater than 0
    """
    if type(value) is Fraction and value.numerator > 0:
        return value
    try:
        if isinstance(value, bool):
            raise TypeError
        if isinstance(value, float):
            units = Fraction(repr(value))
        elif isinstance(value, Fraction | int | str):
            units = Fraction(value)
        else:
            raise TypeError
    except (TypeError, ValueError, ZeroDivisionError):
        raise InvalidInput(
            "capacity",
            [FieldError(field, value, "must be a number or a fraction such as '1/3'")],
        ) from None
    if units <= 0:
        raise InvalidInput("capacity", [FieldError(field, value, "must be greater than 0")])
    return units


def _fraction(value: object) -> Fraction:
    return to_units(value)


def _capacity(value: object) -> Fraction:
    return to_units(value, field="capacity")


@attrs.frozen
class Holding:
    """One item an agent holds: offered, in progress, or in wrap-up.

    ``units`` and ``exclusive`` are copied from the profile when the capacity
    is reserved, so changing a profile later never corrupts the accounting of
    work already held. ``until`` is ``None`` while the work runs; once it ends,
    the holding lasts through the wrap-up until ``until`` and then lapses.
    """

    item_id: str
    agent_id: str
    channel: str
    units: Fraction = attrs.field(converter=_fraction)
    exclusive: bool = False
    until: datetime | None = None

    def active(self, now: datetime) -> bool:
        """Whether the holding still counts at ``now`` (wrap-up not yet over)."""
        return self.until is None or self.until > now


@attrs.frozen
class ChannelCapacity:
    """What one item of a channel takes of an agent.

    ``units``: the share of the agent's capacity. ``limit``: how many items of
    this channel the agent may hold at once (``None``: only capacity limits
    it). ``exclusive``: nothing else is offered while the agent holds one (a
    live call). ``wrap_up``: how long the agent stays busy after the work ends.
    """

    units: Fraction = attrs.field(converter=_fraction)
    limit: int | None = None
    exclusive: bool = False
    wrap_up: timedelta = timedelta(0)

    def __attrs_post_init__(self) -> None:
        if self.limit is not None and (
            isinstance(self.limit, bool) or not isinstance(self.limit, int) or self.limit < 1
        ):
            raise InvalidInput(
                "capacity", [FieldError("limit", self.limit, "must be a whole number >= 1")]
            )
        if not isinstance(self.wrap_up, timedelta) or self.wrap_up < timedelta(0):
            raise InvalidInput(
                "capacity", [FieldError("wrap_up", self.wrap_up, "must be a timedelta >= 0")]
            )


def _channels(value: Mapping[str, Any]) -> Mapping[str, ChannelCapacity]:
    table: dict[str, ChannelCapacity] = {}
    for name, spec in dict(value).items():
        if isinstance(spec, ChannelCapacity):
            table[name] = spec
        else:
            table[name] = ChannelCapacity(units=to_units(spec, field=f"channels.{name}.units"))
    return table


@attrs.frozen
class CapacityProfile:
    """An agent's capacity and what each channel takes of it.

    Build one with per-channel :class:`ChannelCapacity` entries, or start from
    :meth:`default` and adjust with :meth:`with_channel`. A channel missing
    from the profile is never offered to the agent.

    >>> p = CapacityProfile(channels={"chat": ChannelCapacity(units="1/3", limit=3)})
    >>> p.units("chat"), p.serves("email")
    (Fraction(1, 3), False)
    """

    channels: Mapping[str, ChannelCapacity] = attrs.field(converter=_channels, hash=False)
    capacity: Fraction = attrs.field(default=Fraction(1), converter=_capacity)
    # Whole-number form of every amount (times a common denominator), so the
    # checks made on every routing decision are integer comparisons.
    _scale: int = attrs.field(init=False, eq=False, repr=False, default=1)
    _scaled: Mapping[str, int] = attrs.field(init=False, eq=False, repr=False, factory=dict)

    def __attrs_post_init__(self) -> None:
        scale = self.capacity.denominator
        for spec in self.channels.values():
            scale = math.lcm(scale, spec.units.denominator)
        object.__setattr__(self, "_scale", scale)
        object.__setattr__(
            self,
            "_scaled",
            {name: int(spec.units * scale) for name, spec in self.channels.items()},
        )
        for name, spec in self.channels.items():
            if spec.units > self.capacity:
                raise InvalidInput(
                    "capacity",
                    [
                        FieldError(
                            f"channels.{name}.units",
                            str(spec.units),
                            f"exceeds the agent's whole capacity {self.capacity}",
                        )
                    ],
                )

    @classmethod
    def default(cls) -> CapacityProfile:
        """The built-in channels: live voice and video take the whole agent
        (60 s wrap-up), a chat a third (at most 3), a social or messaging
        conversation a fifth, an email, SMS or web form a tenth."""
        whole = ChannelCapacity(units=1, limit=1, exclusive=True, wrap_up=timedelta(seconds=60))
        chat = ChannelCapacity(units="1/3", limit=3)
        convo = ChannelCapacity(units="1/5", limit=5)
        tenth = ChannelCapacity(units="1/10", limit=10)
        return cls(
            channels={
                "phone": whole,
                "video": whole,
                "in_person": whole,
                "chat": chat,
                "whatsapp": convo,
                "social_private": convo,
                "social_public": convo,
                "sms": tenth,
                "email": tenth,
                "web": tenth,
                "app": tenth,
            }
        )

    def with_channel(self, name: str, spec: ChannelCapacity) -> CapacityProfile:
        """A copy of this profile where ``name`` takes ``spec``."""
        return attrs.evolve(self, channels={**self.channels, name: spec})

    def serves(self, channel: str) -> bool:
        """Whether the profile gives the channel any capacity at all."""
        return channel in self.channels

    def units(self, channel: str) -> Fraction:
        """The share of capacity one item of ``channel`` takes."""
        return self._spec(channel).units

    def spec(self, channel: str) -> ChannelCapacity:
        """The :class:`ChannelCapacity` of ``channel``."""
        return self._spec(channel)

    def _spec(self, channel: str) -> ChannelCapacity:
        try:
            return self.channels[channel]
        except KeyError:
            raise InvalidInput(
                "capacity",
                [FieldError("channel", channel, "not in this capacity profile")],
            ) from None

    def holding(self, *, agent_id: str, item_id: str, channel: str) -> Holding:
        """The holding an item of ``channel`` would be, with this profile's units."""
        spec = self._spec(channel)
        return Holding(
            item_id=item_id,
            agent_id=agent_id,
            channel=channel,
            units=spec.units,
            exclusive=spec.exclusive,
        )

    def refusal(self, holdings: Iterable[Holding], channel: str, *, now: datetime) -> str | None:
        """Why one more item of ``channel`` does not fit, or ``None`` when it does.

        Holdings whose wrap-up ended before ``now`` no longer count.
        """
        spec = self.channels.get(channel)
        if spec is None:
            return f"channel {channel!r} is not in the agent's capacity profile"
        scale = self._scale
        scaled = 0
        fine: list[Fraction] = []
        same = 0
        count = 0
        for h in holdings:
            if h.until is not None and h.until <= now:
                continue
            if h.exclusive:
                what = "wrap-up" if h.until is not None else "live work"
                return f"busy with {h.channel} {what} ({h.item_id})"
            whole, rest = divmod(h.units.numerator * scale, h.units.denominator)
            if rest:
                fine.append(h.units)
            else:
                scaled += whole
            count += 1
            same += h.channel == channel
        used = Fraction(scaled, scale) + sum(fine, Fraction(0)) if fine else None
        if spec.exclusive and count:
            return (
                f"channel {channel!r} needs the agent's whole attention; they hold {count} items"
            )
        if spec.limit is not None and same >= spec.limit:
            return f"at the {channel} limit ({same} of {spec.limit})"
        too_much = (
            used + spec.units > self.capacity
            if used is not None
            else scaled + self._scaled[channel] > self.scaled_capacity()
        )
        if too_much:
            shown = used if used is not None else Fraction(scaled, scale)
            return f"capacity {shown} of {self.capacity} used; {channel} needs {spec.units}"
        return None

    def scaled(self, units: Fraction) -> int | None:
        """``units`` as a whole number of this profile's smallest unit, or
        ``None`` when it is finer than that (a holding made under another profile)."""
        whole, rest = divmod(units.numerator * self._scale, units.denominator)
        return None if rest else whole

    def scaled_capacity(self) -> int:
        """The capacity in this profile's smallest unit (see :meth:`scaled`)."""
        return int(self.capacity * self._scale)

    def scaled_units(self, channel: str) -> int | None:
        """One ``channel`` item in this profile's smallest unit, ``None`` if not served."""
        return self._scaled.get(channel)

    def load(self, holdings: Iterable[Holding], *, now: datetime) -> Fraction:
        """The share of capacity the live holdings use, from 0 to 1.

        An exclusive holding (a live call or its wrap-up) counts as full.
        """
        used = Fraction(0)
        for h in holdings:
            if h.until is not None and h.until <= now:
                continue
            if h.exclusive:
                return Fraction(1)
            used += h.units
        return min(Fraction(1), used / self.capacity)
