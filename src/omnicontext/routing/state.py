"""What policies see: an agent's live state, and the request being routed.

The dispatcher owns :class:`AgentState` objects and updates them as work is
offered, accepted and finished; policies read them and must not change them.
An :class:`Ask` is one routing question: this item, at this overflow step,
needing these skills, in this queue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from fractions import Fraction

import attrs

from omnicontext.model.agent import Agent
from omnicontext.routing.capacity import CapacityProfile, Holding
from omnicontext.routing.presence import Presence
from omnicontext.routing.work import WorkItem

__all__ = ["AgentState", "Ask"]


class AgentState:
    """One agent as the dispatcher sees them now. Read it; never change it.

    ``holdings`` is the work they hold (offered, in progress or in wrap-up),
    by item id. ``last_offered`` is a counter (``0``: never offered), used to
    rotate ties. ``idle_since`` is when they last became free and available,
    ``None`` while they hold work or are not available.
    """

    __slots__ = (
        "_capacity",
        "_counts",
        "_exclusive",
        "_fine",
        "_holdings",
        "_scaled",
        "_used",
        "_wrapping",
        "agent",
        "idle_since",
        "index",
        "last_assigned_at",
        "last_offered",
        "presence",
        "profile",
        "queues",
        "version",
    )

    def __init__(
        self,
        agent: Agent,
        profile: CapacityProfile,
        presence: Presence,
        *,
        index: int,
        queues: frozenset[str],
        now: datetime,
    ) -> None:
        self.agent = agent
        self.profile = profile
        self.presence = presence
        self.index = index
        self.queues = queues
        self._holdings: dict[str, Holding] = {}
        self._used = Fraction(0)
        self._scaled = 0  # _used in the profile's smallest unit, while _fine is 0
        self._fine = 0  # holdings whose units the profile's unit cannot express
        self._capacity = profile.scaled_capacity()
        self._counts: dict[str, int] = {}
        self._exclusive = 0
        self._wrapping = 0  # holdings in wrap-up, which lapse with time
        self.last_offered = 0
        self.last_assigned_at: datetime | None = None
        self.idle_since: datetime | None = now if presence is Presence.AVAILABLE else None
        self.version = 0

    @property
    def id(self) -> str:
        """The agent's id."""
        return self.agent.id

    @property
    def holdings(self) -> Mapping[str, Holding]:
        """What the agent holds, by item id (wrap-ups included until they end)."""
        return self._holdings

    def hold(self, holding: Holding) -> None:
        """Record ``holding`` (replacing any holding of the same item). For the
        dispatcher only."""
        self.release(holding.item_id)
        self._holdings[holding.item_id] = holding
        self._used += holding.units
        scaled = self.profile.scaled(holding.units)
        if scaled is None:
            self._fine += 1
        else:
            self._scaled += scaled
        self._counts[holding.channel] = self._counts.get(holding.channel, 0) + 1
        self._exclusive += holding.exclusive
        self._wrapping += holding.until is not None

    def release(self, item_id: str) -> Holding | None:
        """Forget the holding of ``item_id``. For the dispatcher only."""
        held = self._holdings.pop(item_id, None)
        if held is not None:
            self._used -= held.units
            scaled = self.profile.scaled(held.units)
            if scaled is None:
                self._fine -= 1
            else:
                self._scaled -= scaled
            self._counts[held.channel] -= 1
            self._exclusive -= held.exclusive
            self._wrapping -= held.until is not None
        return held

    def replace_all(self, holdings: Iterable[Holding]) -> None:
        """Take ``holdings`` as the whole truth (from the ledger). For the dispatcher only."""
        for item_id in list(self._holdings):
            self.release(item_id)
        for h in holdings:
            self.hold(h)

    def live(self, now: datetime) -> list[Holding]:
        """Holdings that still count at ``now`` (lapsed wrap-ups left out)."""
        return [h for h in self.holdings.values() if h.until is None or h.until > now]

    def load(self, now: datetime) -> Fraction:
        """Share of capacity in use at ``now``, 0 to 1 (a live call counts as full)."""
        return self.profile.load(self.holdings.values(), now=now)

    def active(self, now: datetime) -> Mapping[str, int]:
        """How many items the agent holds per channel at ``now``."""
        counts: dict[str, int] = {}
        for h in self.live(now):
            counts[h.channel] = counts.get(h.channel, 0) + 1
        return counts

    def _totals_admit(self, channel: str) -> bool:
        profile = self.profile
        spec = profile.channels.get(channel)
        return not (
            spec is None
            or self._exclusive
            or (spec.exclusive and self._holdings)
            or (spec.limit is not None and self._counts.get(channel, 0) >= spec.limit)
            or (
                self._scaled + profile.scaled_units(channel) > self._capacity  # type: ignore[operator]
                if not self._fine
                else self._used + spec.units > profile.capacity
            )
        )

    def refusal(self, channel: str, now: datetime) -> str | None:
        """Why one more ``channel`` item does not fit, or ``None``.

        Counts are kept as holdings come and go, so the usual answer costs a
        few comparisons; the profile's full check runs only to word a refusal
        (or when a wrap-up has lapsed but not yet been released)."""
        if self._totals_admit(channel):
            return None
        return self.profile.refusal(self._holdings.values(), channel, now=now)

    def fits(self, channel: str, now: datetime) -> bool:
        """Whether one more ``channel`` item fits: :meth:`refusal` without the words."""
        if self._totals_admit(channel):
            return True
        # Only a wrap-up that has lapsed since can make the totals pessimistic.
        return bool(self._wrapping) and (
            self.profile.refusal(self._holdings.values(), channel, now=now) is None
        )

    def held_load(self) -> Fraction:
        """Share of capacity the held work uses, wrap-ups included, 0 to 1."""
        if self._exclusive:
            return Fraction(1)
        return min(Fraction(1), self._used / self.profile.capacity)

    def __repr__(self) -> str:
        return f"AgentState({self.id!r}, {self.presence.value}, holds={sorted(self.holdings)})"


@attrs.frozen
class Ask:
    """One routing question: ``item`` at overflow step ``step`` in ``queue``.

    ``skills`` is what the step requires (minimum levels); ``declined`` the
    agents who already turned this item down or let the offer time out.
    """

    item: WorkItem
    queue: str
    step: str
    skills: Mapping[str, int]
    age: timedelta
    declined: frozenset[str] = frozenset()

    @property
    def channel(self) -> str:
        """The item's channel."""
        return self.item.channel
