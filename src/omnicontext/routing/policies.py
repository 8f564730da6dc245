"""Routing policies as small composable objects.

A :class:`Policy` is four lists of small objects:

* **filters** decide who may take the work. Each returns why an agent is not
  eligible, or ``None``. Defaults: presence, channel, skills, capacity, and
  not someone who already declined the item.
* **prefer** names agents to try before everyone else (:class:`Sticky`: the
  agent who last handled this customer). A preference may also hold the item
  for its agent a while.
* **rankers** order the eligible agents, lexicographically: the first ranker
  decides, the next breaks its ties, and the dispatcher breaks the last ties
  by who was offered work least recently, so ties rotate.
* **order** decides which waiting item is served first (:class:`Fifo`,
  :class:`PriorityAgeing`).

Writing your own takes a few lines: any object with a ``name`` and a
``reject(agent, ask, now)`` method is a filter; any object with a ``name`` and
a ``key(agent, ask, now)`` method is a ranker (smaller keys rank first).

>>> import attrs
>>> @attrs.frozen
... class SpeaksLanguage:
...     name: str = "language"
...     def reject(self, agent, ask, now):
...         wanted = ask.item.attributes.get("language")
...         if wanted is None or agent.agent.skill_level(f"lang:{wanted}"):
...             return None
...         return f"does not speak {wanted}"
>>> policy = Policy(filters=(*DEFAULT_FILTERS, SpeaksLanguage()), rankers=(LeastOccupied(),))
>>> [f.name for f in policy.filters]
['presence', 'channel', 'skills', 'capacity', 'declined', 'language']

A ranker that only reads the agent's own state can say so with ``agent_key``;
the dispatcher then keeps agents pre-sorted by it and decides without looking
at every agent (see :attr:`Ranker.agent_key`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

import attrs

from omnicontext.errors import FieldError, InvalidInput
from omnicontext.model.case import Priority
from omnicontext.routing.presence import Presence
from omnicontext.routing.state import AgentState, Ask
from omnicontext.routing.work import WorkItem

__all__ = [
    "DEFAULT_FILTERS",
    "BestSkillMatch",
    "CapacityFilter",
    "ChannelFilter",
    "DeclinedFilter",
    "Fifo",
    "Filter",
    "LeastOccupied",
    "LongestIdle",
    "Policy",
    "Preference",
    "PresenceFilter",
    "PriorityAgeing",
    "QueueOrder",
    "Ranker",
    "RoundRobin",
    "SkillFilter",
    "Sticky",
    "filter_by",
    "rank_by",
]


@runtime_checkable
class Filter(Protocol):
    """Decides whether an agent may take the work."""

    @property
    def name(self) -> str:
        """A short name, shown in decision reasons."""
        ...

    def reject(self, agent: AgentState, ask: Ask, now: datetime) -> str | None:
        """Why ``agent`` may not take ``ask``, or ``None`` when they may."""
        ...


@runtime_checkable
class Ranker(Protocol):
    """Orders eligible agents: smaller keys rank first.

    A ranker whose key depends only on the agent's own state may also define
    ``agent_key(agent) -> key`` returning the same value as ``key``; the
    dispatcher then keeps agents pre-sorted (decisions cost the same with 200
    or 20,000 agents). Without it, the dispatcher ranks every eligible agent.
    """

    @property
    def name(self) -> str:
        """A short name, shown in decision reasons."""
        ...

    def key(self, agent: AgentState, ask: Ask, now: datetime) -> Any:
        """The rank of ``agent`` for ``ask`` at ``now``; smaller is better."""
        ...


@runtime_checkable
class Preference(Protocol):
    """Names an agent to try before the ranked rest, and may hold work for them."""

    @property
    def name(self) -> str:
        """A short name, shown in decision reasons."""
        ...

    def prefer(self, ask: Ask, handler: tuple[str, datetime] | None, now: datetime) -> str | None:
        """The agent to try first, given the last ``(agent_id, when)`` that handled
        this customer or case (``None`` if unknown), or ``None`` for nobody."""
        ...

    def hold_until(self, ask: Ask) -> datetime | None:
        """Until when the item waits for its preferred agent when they cannot take
        it now; ``None`` to fall back to the other agents at once."""
        ...


@runtime_checkable
class QueueOrder(Protocol):
    """Which waiting item is served first: smaller keys first.

    The key must not change while the item waits (it is computed once, when
    the item is queued); an order that ages items expresses the age through
    the creation time, as :class:`PriorityAgeing` does.
    """

    @property
    def name(self) -> str:
        """A short name, shown in policy descriptions."""
        ...

    def key(self, item: WorkItem) -> Any:
        """The item's place in the queue."""
        ...


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# -- filters -----------------------------------------------------------------


@attrs.frozen
class PresenceFilter:
    """Only agents whose presence is ``available``."""

    name: str = "presence"

    def reject(self, agent: AgentState, ask: Ask, now: datetime) -> str | None:
        """See :meth:`Filter.reject`."""
        if agent.presence is Presence.AVAILABLE:
            return None
        return f"is {agent.presence.value}"


@attrs.frozen
class ChannelFilter:
    """Only agents who serve the item's channel and have capacity defined for it."""

    name: str = "channel"

    def reject(self, agent: AgentState, ask: Ask, now: datetime) -> str | None:
        """See :meth:`Filter.reject`."""
        if not agent.agent.serves(ask.channel):
            return f"does not serve {ask.channel}"
        if not agent.profile.serves(ask.channel):
            return f"capacity profile has no {ask.channel}"
        return None


@attrs.frozen
class SkillFilter:
    """Only agents with every required skill at or above its minimum level."""

    name: str = "skills"

    def reject(self, agent: AgentState, ask: Ask, now: datetime) -> str | None:
        """See :meth:`Filter.reject`."""
        skills = agent.agent.skills
        for skill, level in ask.skills.items():
            have = skills.get(skill, 0)
            if have < level:
                return f"{skill} {have} < {level}"
        return None


@attrs.frozen
class CapacityFilter:
    """Only agents with room for one more item of the channel (limits,
    exclusivity of live calls and wrap-up included)."""

    name: str = "capacity"

    def reject(self, agent: AgentState, ask: Ask, now: datetime) -> str | None:
        """See :meth:`Filter.reject`."""
        return agent.refusal(ask.channel, now)


@attrs.frozen
class DeclinedFilter:
    """Not an agent who already declined this item or let its offer time out."""

    name: str = "declined"

    def reject(self, agent: AgentState, ask: Ask, now: datetime) -> str | None:
        """See :meth:`Filter.reject`."""
        return "declined this item before" if agent.id in ask.declined else None


DEFAULT_FILTERS: tuple[Filter, ...] = (
    PresenceFilter(),
    ChannelFilter(),
    SkillFilter(),
    CapacityFilter(),
    DeclinedFilter(),
)
"""The filters every policy starts from. The dispatcher indexes agents by the
first four, so they cost nothing per decision; keep them when you add yours."""


@attrs.frozen
class _FunctionFilter:
    name: str
    function: Callable[[AgentState, Ask, datetime], str | None]

    def reject(self, agent: AgentState, ask: Ask, now: datetime) -> str | None:
        return self.function(agent, ask, now)


def filter_by(name: str, function: Callable[[AgentState, Ask, datetime], str | None]) -> Filter:
    """A filter from a function returning why an agent is not eligible, or ``None``.

    >>> seniors = filter_by("tier2", lambda a, ask, now:
    ...     None if "tier2" in a.agent.roles or ask.item.priority != "urgent" else "not tier2")
    >>> seniors.name
    'tier2'
    """
    return _FunctionFilter(name, function)


# -- rankers -----------------------------------------------------------------


@attrs.frozen
class RoundRobin:
    """The agent offered work least recently first (Rocket.Chat's load rotation)."""

    name: str = "round robin"

    def key(self, agent: AgentState, ask: Ask, now: datetime) -> Any:
        """See :meth:`Ranker.key`."""
        return agent.last_offered

    def agent_key(self, agent: AgentState) -> Any:
        """Depends on the agent only: see :class:`Ranker`."""
        return agent.last_offered


@attrs.frozen
class LeastOccupied:
    """The agent using the smallest share of their capacity first (open work
    only: what they hold now, never what they handled before)."""

    name: str = "least occupied"

    def key(self, agent: AgentState, ask: Ask, now: datetime) -> Any:
        """See :meth:`Ranker.key`."""
        return agent.load(now)

    def agent_key(self, agent: AgentState) -> Any:
        """Depends on the agent only: see :class:`Ranker`.

        Lapsed wrap-ups are released by the dispatcher when they end, so the
        load of the held work is the load now."""
        return agent.held_load()


@attrs.frozen
class LongestIdle:
    """The agent free and available for longest first; agents holding work come
    after, the one assigned least recently first. A returning agent counts as
    idle from their return, so they are not flooded."""

    name: str = "longest idle"

    def key(self, agent: AgentState, ask: Ask, now: datetime) -> Any:
        """See :meth:`Ranker.key`."""
        return self.agent_key(agent)

    def agent_key(self, agent: AgentState) -> Any:
        """Depends on the agent only: see :class:`Ranker`."""
        # The labels order the two groups too: "idle since" < "working, ...".
        if agent.idle_since is not None:
            return ("idle since", agent.idle_since)
        last = agent.last_assigned_at
        return ("working, last assigned", last if last is not None else _EPOCH)


@attrs.frozen
class BestSkillMatch:
    """The agent with the highest levels in the item's required skills first
    (sum of levels). Ranks every eligible agent (the key depends on the item)."""

    name: str = "best skill match"

    def key(self, agent: AgentState, ask: Ask, now: datetime) -> Any:
        """See :meth:`Ranker.key`."""
        skills = agent.agent.skills
        return -sum(skills.get(s, 0) for s in ask.skills)


@attrs.frozen
class _FunctionRanker:
    name: str
    function: Callable[[AgentState, Ask, datetime], Any]

    def key(self, agent: AgentState, ask: Ask, now: datetime) -> Any:
        return self.function(agent, ask, now)


def rank_by(name: str, function: Callable[[AgentState, Ask, datetime], Any]) -> Ranker:
    """A ranker from a key function (smaller first).

    >>> senior_first = rank_by("seniority", lambda a, ask, now: -len(a.agent.roles))
    >>> senior_first.name
    'seniority'
    """
    return _FunctionRanker(name, function)


# -- preferences -------------------------------------------------------------


def _positive_delta(
    instance: object, attribute: attrs.Attribute[timedelta], value: object
) -> None:
    if not isinstance(value, timedelta) or value < timedelta(0):
        raise InvalidInput(
            "routing policy", [FieldError(attribute.name, value, "must be a timedelta >= 0")]
        )


@attrs.frozen
class Sticky:
    """Prefer the agent who last handled this customer's work (or the item's
    ``preferred_agent``), if they handled it within ``window``.

    When that agent cannot take the item now, it waits for them until it is
    ``wait`` old, then falls back to everyone else. ``wait=timedelta(0)``
    falls back at once.

    >>> Sticky(window=timedelta(hours=8), wait=timedelta(seconds=30)).name
    'sticky'
    """

    window: timedelta = attrs.field(default=timedelta(hours=24), validator=_positive_delta)
    wait: timedelta = attrs.field(default=timedelta(seconds=30), validator=_positive_delta)
    name: str = "sticky"

    def prefer(self, ask: Ask, handler: tuple[str, datetime] | None, now: datetime) -> str | None:
        """See :meth:`Preference.prefer`."""
        if ask.item.preferred_agent is not None:
            return ask.item.preferred_agent
        if handler is not None and now - handler[1] <= self.window:
            return handler[0]
        return None

    def hold_until(self, ask: Ask) -> datetime | None:
        """See :meth:`Preference.hold_until`."""
        return ask.item.created_at + self.wait if self.wait else None


# -- queue orders ------------------------------------------------------------


@attrs.frozen
class Fifo:
    """Oldest first."""

    name: str = "fifo"

    def key(self, item: WorkItem) -> Any:
        """See :meth:`QueueOrder.key`."""
        return item.created_at.timestamp()


_DEFAULT_WEIGHTS: Mapping[str, float] = {
    Priority.LOW: 0.0,
    Priority.NORMAL: 1.0,
    Priority.HIGH: 2.0,
    Priority.URGENT: 3.0,
}


def _weights(value: Mapping[str, float]) -> Mapping[str, float]:
    table = {**_DEFAULT_WEIGHTS, **dict(value)}
    for name, weight in table.items():
        if name not in _DEFAULT_WEIGHTS:
            raise InvalidInput(
                "routing policy", [FieldError(f"weights.{name}", weight, "unknown priority")]
            )
    return table


@attrs.frozen
class PriorityAgeing:
    """Highest *effective* priority first, where a waiting item's effective
    priority rises with its wait: ``weight[priority] + age / per_level``.

    With the default weights (low 0, normal 1, high 2, urgent 3) and
    ``per_level`` of 5 minutes, a low item that has waited 15 minutes outranks
    an urgent one that just arrived: nothing starves. Ties go to the oldest.

    >>> from datetime import datetime, timezone
    >>> t = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    >>> order = PriorityAgeing(per_level=timedelta(minutes=5))
    >>> old_low = WorkItem(id="a", channel="email", priority="low", created_at=t)
    >>> new_urgent = WorkItem(id="b", channel="email", priority="urgent",
    ...                       created_at=t + timedelta(minutes=16))
    >>> order.key(old_low) < order.key(new_urgent)
    True
    """

    per_level: timedelta = attrs.field(default=timedelta(minutes=5))
    weights: Mapping[str, float] = attrs.field(factory=dict, converter=_weights)
    name: str = "priority with ageing"

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.per_level, timedelta) or self.per_level <= timedelta(0):
            raise InvalidInput(
                "routing policy",
                [FieldError("per_level", self.per_level, "must be a timedelta > 0")],
            )

    def key(self, item: WorkItem) -> Any:
        """See :meth:`QueueOrder.key`.

        Effective priority at time t is ``w + (t - created) / per_level``; since
        t is the same for every item compared, ordering by
        ``created / per_level - w`` is the same order at every t."""
        created = item.created_at.timestamp()
        level = self.per_level.total_seconds()
        return (created / level - self.weights[item.priority], created)


# -- the policy --------------------------------------------------------------


def _tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    return value if isinstance(value, tuple) else tuple(value)


def _check_parts(policy: Policy) -> None:
    problems: list[FieldError] = []
    for i, f in enumerate(policy.filters):
        if not isinstance(f, Filter):
            problems.append(FieldError(f"filters[{i}]", f, "needs a name and reject()"))
    for i, p in enumerate(policy.prefer):
        if not isinstance(p, Preference):
            problems.append(FieldError(f"prefer[{i}]", p, "needs prefer() and hold_until()"))
    for i, r in enumerate(policy.rankers):
        if not isinstance(r, Ranker):
            problems.append(FieldError(f"rankers[{i}]", r, "needs a name and key()"))
    if not isinstance(policy.order, QueueOrder):
        problems.append(FieldError("order", policy.order, "needs a name and key(item)"))
    if problems:
        raise InvalidInput("routing policy", problems)


@attrs.frozen
class Policy:
    """Who may take work (filters), who is tried first (prefer), how the rest
    rank (rankers) and which waiting item goes first (order).

    >>> Policy().describe()
    'filters: presence, channel, skills, capacity, declined; rank: longest idle; order: fifo'
    """

    filters: tuple[Filter, ...] = attrs.field(default=DEFAULT_FILTERS, converter=_tuple)
    prefer: tuple[Preference, ...] = attrs.field(default=(), converter=_tuple)
    rankers: tuple[Ranker, ...] = attrs.field(default=(LongestIdle(),), converter=_tuple)
    order: QueueOrder = attrs.field(factory=Fifo)

    def __attrs_post_init__(self) -> None:
        _check_parts(self)

    @property
    def indexable(self) -> bool:
        """Whether every ranker defines ``agent_key`` (decisions then skip
        agents ranked below the winner)."""
        return all(callable(getattr(r, "agent_key", None)) for r in self.rankers)

    def agent_key(self, agent: AgentState) -> tuple[Hashable, ...]:
        """The composite rank of ``agent`` when :attr:`indexable`, ties rotated."""
        return (
            *(r.agent_key(agent) for r in self.rankers),  # type: ignore[attr-defined]
            agent.last_offered,
            agent.index,
        )

    def key(self, agent: AgentState, ask: Ask, now: datetime) -> tuple[Any, ...]:
        """The composite rank of ``agent`` for ``ask``, ties rotated."""
        return (*(r.key(agent, ask, now) for r in self.rankers), agent.last_offered, agent.index)

    def describe(self) -> str:
        """One line naming the parts."""
        parts = [
            "filters: " + ", ".join(f.name for f in self.filters),
            *(["prefer: " + ", ".join(p.name for p in self.prefer)] if self.prefer else []),
            "rank: " + (", ".join(r.name for r in self.rankers) or "rotation"),
            "order: " + self.order.name,
        ]
        return "; ".join(parts)
