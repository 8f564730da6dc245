"""What policies see: an agent's live state, and the request being routed.

The dispatcher owns :class:`AgentState` objects and updates them as work is
offered, accepted and finished; policies read them and must not change them.
An :class:`Ask` is one routing question: this item, at this overflow step,
needing these skills, in this queue.
"""

from __future__ import annotations

from collections.abc import Mapping
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
        "agent",
        "holdings",
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
        self.holdings: dict[str, Holding] = {}
        self.last_offered = 0
        self.last_assigned_at: datetime | None = None
        self.idle_since: datetime | None = now if presence is Presence.AVAILABLE else None
        self.version = 0

    @property
    def id(self) -> str:
        """The agent's id."""
        return self.agent.id

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

    def refusal(self, channel: str, now: datetime) -> str | None:
        """Why one more ``channel`` item does not fit, or ``None``."""
        return self.profile.refusal(self.holdings.values(), channel, now=now)

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
