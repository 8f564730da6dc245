"""The dispatcher: queues, offers, timeouts, overflow, and why each decision.

The :class:`Dispatcher` keeps agents' presence and held work, queues waiting
items, and offers each item to the best eligible agent under its queue's
:class:`~omnicontext.routing.Policy`. Capacity is reserved in the
:class:`~omnicontext.routing.CapacityLedger` at the moment of the offer, in one
step, so several dispatchers sharing a ledger never overfill an agent.

Every change takes the time it happens (``now``); the dispatcher never reads
a clock on its own unless you give it one. Given the same inputs at the same
times it makes the same decisions, so a day can be replayed.

>>> from datetime import datetime, timedelta, timezone
>>> from omnicontext.model import Agent
>>> t = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
>>> d = Dispatcher(offer_timeout=timedelta(seconds=20))
>>> ana = Agent(id="ana", channels=["chat"], skills={"billing": 6})
>>> d.add_agent(ana, presence="available", now=t)
[]
>>> [x.agent_id for x in d.submit(WorkItem(id="c1", channel="chat", skills={"billing": 5},
...                                        created_at=t), now=t)]
['ana']
>>> d.accept("c1", now=t + timedelta(seconds=5))
[]
>>> d.status("ana", now=t + timedelta(seconds=5)).active
{'chat': 1}
"""

from __future__ import annotations

import bisect
import functools
import heapq
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any, Literal, TypeVar

import attrs

from omnicontext.errors import ConflictError, FieldError, InvalidInput, NotFound
from omnicontext.model.agent import Agent
from omnicontext.model.interaction import Actor, Call, InteractionBase
from omnicontext.routing.capacity import CapacityProfile, Holding
from omnicontext.routing.ledger import CapacityLedger, MemoryLedger, Refused
from omnicontext.routing.policies import Policy
from omnicontext.routing.presence import Presence
from omnicontext.routing.queues import Queue, Step
from omnicontext.routing.state import AgentState, Ask
from omnicontext.routing.work import WorkItem
from omnicontext.workload.activity import PresenceSpan, WorkSpan

__all__ = ["AgentStatus", "Decision", "Dispatcher", "ItemState", "Offer", "Reasons"]

ItemState = Literal["waiting", "offered", "assigned"]

_PoolKey = tuple[str, str, str | None]


def _show(value: Any) -> str:
    """A rank key as words: times as clock times, fractions as they are."""
    if isinstance(value, tuple):
        return " ".join(filter(None, (_show(v) for v in value)))
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


@attrs.frozen
class Reasons:
    """Why a decision came out as it did.

    ``eligible``: the agents examined who passed every filter, best first,
    with ``ranking`` giving each one's rank key. ``removed``: agent id ->
    ``"filter: why"`` for each agent examined and turned away. ``complete``
    is ``True`` when every agent of the queue was examined (a dispatcher built
    with ``explain=True``); otherwise the dispatcher stopped at the winner and
    agents ranked below them were not looked at. ``note`` says anything else
    (a sticky preference taken, an item held for its agent, an overflow step).
    """

    eligible: tuple[str, ...] = ()
    removed: Mapping[str, str] = attrs.field(factory=dict)
    ranking: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    complete: bool = False
    note: str = ""

    def describe(self) -> str:
        """The reasons as a few readable lines."""
        lines = []
        if self.note:
            lines.append(self.note)
        if self.ranking:
            lines.append("eligible, best first:")
            for agent, key in self.ranking[:5]:
                lines.append(f"  {agent}: {_show(key[:-2]) or 'tied (rotation)'}")
            if len(self.ranking) > 5:
                lines.append(f"  ... and {len(self.ranking) - 5} more")
        elif not self.note:
            lines.append("no agent eligible")
        if self.removed:
            lines.append("not eligible:")
        for agent, why in sorted(self.removed.items()):
            lines.append(f"  {agent}: {why}")
        if not self.complete:
            lines.append("(agents ranked below the winner were not examined)")
        return "\n".join(lines)


@attrs.frozen
class Decision:
    """What the dispatcher did with one item at one moment.

    ``agent_id`` is who it was offered (or assigned) to, ``None`` when it
    waits. ``step`` names the overflow step in force; ``reasons`` says why.
    """

    item_id: str
    queue: str
    step: str
    at: datetime
    agent_id: str | None
    reasons: Reasons

    @property
    def offered(self) -> bool:
        """Whether the item went to an agent."""
        return self.agent_id is not None


@attrs.frozen
class Offer:
    """Work given to an agent and not yet finished."""

    item_id: str
    agent_id: str
    state: ItemState
    offered_at: datetime
    expires_at: datetime | None


@attrs.frozen
class AgentStatus:
    """A snapshot of one agent: presence, what they hold, and their load."""

    agent_id: str
    presence: Presence
    holdings: tuple[Holding, ...]
    active: Mapping[str, int]
    load: Fraction
    last_assigned_at: datetime | None
    idle_since: datetime | None


class _TakenElsewhere(Exception):
    """The ledger says another agent holds the item: another router placed it."""

    def __init__(self, holder: str) -> None:
        self.holder = holder


class _Entry:
    __slots__ = (
        "accepted_at",
        "agent_id",
        "declined",
        "expires_at",
        "fixed_need",
        "held_for",
        "hold_until",
        "item",
        "offered_at",
        "order_key",
        "queue",
        "seq",
        "state",
        "token",
    )

    def __init__(self, item: WorkItem, queue: Queue, seq: int) -> None:
        self.item = item
        self.queue = queue
        self.order_key: tuple[Any, ...] = (queue.policy.order.key(item), seq)
        self.seq = seq
        self.state: ItemState = "waiting"
        self.agent_id: str | None = None
        self.declined: set[str] = set()
        self.accepted_at: datetime | None = None
        self.offered_at: datetime | None = None
        self.expires_at: datetime | None = None
        self.hold_until: datetime | None = None
        self.held_for: str | None = None
        self.token = 0
        # What the item requires when its queue has one step (it never changes).
        self.fixed_need: Mapping[str, int] | None = (
            queue.steps[0].requirement(item) if len(queue.steps) == 1 else None
        )


_Method = TypeVar("_Method", bound=Callable[..., list["Decision"]])


def _settles(method: _Method) -> _Method:
    """After a public call, route again the items whose sticky hold no longer
    holds (their agent went away, or is no longer the customer's latest
    handler), whatever inside the call changed that."""

    @functools.wraps(method)
    def settled(self: Dispatcher, *args: Any, **kwargs: Any) -> list[Decision]:
        decisions = method(self, *args, **kwargs)
        if self._held and self._now is not None:
            decisions += self._settle(self._now)
        return decisions

    return settled  # type: ignore[return-value]


def _aware(now: object, field: str = "now") -> datetime:
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise InvalidInput(
            "dispatcher", [FieldError(field, now, "must be a timezone-aware datetime")]
        )
    return now


class Dispatcher:
    """Routes work items to agents. See the module documentation.

    ``queues``: the queues (default: one queue named ``default``).
    ``ledger``: where capacity is reserved (default: a :class:`MemoryLedger`).
    ``offer_timeout``: how long an agent has to accept (``None``: offers never
    time out). ``auto_accept``: offers are accepted at once (push routing).
    ``on_timeout``: the presence an agent is put in after letting an offer
    time out (``None``: unchanged). ``reclaim_on_offline``: work an agent
    accepted goes back to the queue when they go offline (live exclusive work,
    such as a call in progress, stays with them). ``explain``: examine every
    agent for every decision so :class:`Reasons` are complete (slower).
    ``on_activity``: called with each :class:`~omnicontext.workload.WorkSpan`
    and :class:`~omnicontext.workload.PresenceSpan` as it closes.
    ``clock``: what ``now`` is when a call does not say.
    """

    def __init__(
        self,
        queues: Iterable[Queue] = (),
        *,
        ledger: CapacityLedger | None = None,
        offer_timeout: timedelta | None = timedelta(seconds=30),
        auto_accept: bool = False,
        on_timeout: Presence | str | None = Presence.AWAY,
        reclaim_on_offline: bool = True,
        explain: bool = False,
        on_activity: Callable[[WorkSpan | PresenceSpan], None] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        table: dict[str, Queue] = {}
        for q in queues or (Queue("default"),):
            if not isinstance(q, Queue):
                raise InvalidInput("dispatcher", [FieldError("queues", q, "must be a Queue")])
            if q.name in table:
                raise InvalidInput(
                    "dispatcher", [FieldError("queues", q.name, "queue named twice")]
                )
            table[q.name] = q
        for q in table.values():
            for i, step in enumerate(q.steps):
                if step.queue is not None and step.queue not in table:
                    raise InvalidInput(
                        "dispatcher",
                        [FieldError(f"{q.name}.steps[{i}].queue", step.queue, "unknown queue")],
                    )
        if offer_timeout is not None and (
            not isinstance(offer_timeout, timedelta) or offer_timeout <= timedelta(0)
        ):
            raise InvalidInput(
                "dispatcher",
                [FieldError("offer_timeout", offer_timeout, "must be a timedelta > 0 or None")],
            )
        self._queues = table
        self._ledger: CapacityLedger = ledger if ledger is not None else MemoryLedger()
        self._offer_timeout = offer_timeout
        self._auto_accept = auto_accept
        self._on_timeout = None if on_timeout is None else Presence(on_timeout)
        self._reclaim = reclaim_on_offline
        self._explain = explain
        self._on_activity = on_activity
        self._clock = clock
        self._agents: dict[str, AgentState] = {}
        self._by_index: list[AgentState] = []
        self._presence_since: dict[str, datetime] = {}
        self._entries: dict[str, _Entry] = {}
        self._waiting: dict[str, list[tuple[tuple[Any, ...], str]]] = {n: [] for n in table}
        # Agents who can take one more item, per (queue, channel, skill or None),
        # each list sorted by the queue's rank key (by index when the policy's
        # rankers depend on the item). Kept exact: no stale entries.
        self._pools: dict[_PoolKey, list[tuple[Any, ...]]] = {}
        self._placed: dict[int, tuple[tuple[Any, ...], frozenset[_PoolKey], frozenset[str]]] = {}
        self._active: set[_PoolKey] = set()
        # (when, order, seq, kind, item, token, agent): at one instant, wrap-ups
        # end first, so work due then sees the capacity they free.
        self._timers: list[tuple[datetime, int, int, str, str, int, str]] = []
        self._handlers: dict[tuple[str, str], tuple[str, datetime]] = {}
        self._held: set[str] = set()  # items waiting for their preferred agent
        self._seq = itertools.count(1)
        self._offers = 0
        self._now: datetime | None = None

    # -- agents ----------------------------------------------------------------

    @_settles
    def add_agent(
        self,
        agent: Agent,
        *,
        profile: CapacityProfile | None = None,
        presence: Presence | str = Presence.OFFLINE,
        now: datetime | None = None,
    ) -> list[Decision]:
        """Register ``agent`` (capacity ``profile``, default
        :meth:`CapacityProfile.default`) in ``presence``. Work the ledger
        already holds for them counts from the start. Returns the decisions
        made because they arrived (waiting work offered to them)."""
        if not isinstance(agent, Agent):
            raise InvalidInput("dispatcher", [FieldError("agent", agent, "must be an Agent")])
        if agent.id in self._agents:
            raise ConflictError(
                f"agent {agent.id!r} is already registered", kind="agent", id=agent.id
            )
        if profile is not None and not isinstance(profile, CapacityProfile):
            raise InvalidInput(
                "dispatcher", [FieldError("profile", profile, "must be a CapacityProfile")]
            )
        presence = self._presence(presence)
        now = self._begin(now)
        decisions = self._run_timers(now)
        queues = frozenset(q.name for q in self._queues.values() if q.admits(agent.id))
        state = AgentState(
            agent,
            profile if profile is not None else CapacityProfile.default(),
            presence,
            index=len(self._by_index),
            queues=queues,
            now=now,
        )
        self._agents[agent.id] = state
        self._by_index.append(state)
        self._presence_since[agent.id] = now
        state.replace_all(self._ledger.holdings(agent.id, now=now))
        if state.holdings:
            state.idle_since = None
        self._reindex(state, now)
        decisions += self._serve_agent(state, now)
        return decisions

    @_settles
    def set_presence(
        self, agent_id: str, presence: Presence | str, *, now: datetime | None = None
    ) -> list[Decision]:
        """Change an agent's presence.

        Leaving ``available`` hands back every offer not yet accepted; going
        ``offline`` also hands back accepted work unless it is live and
        exclusive (``reclaim_on_offline``). Coming back ``available`` counts
        as idle from now, and waiting work is offered to them. Returns the
        decisions made."""
        now = self._begin(now)
        decisions = self._run_timers(now)
        state = self._agent(agent_id)
        presence = self._presence(presence)
        if presence is state.presence:
            return decisions
        freed = self._change_presence(state, presence, now)
        for entry in freed:
            decisions.append(self._place(entry, now, requeue=True))
        decisions += self._serve_agent(state, now)
        return decisions

    def _change_presence(
        self, state: AgentState, presence: Presence, now: datetime
    ) -> list[_Entry]:
        """Set the presence; hand back what the agent may no longer hold."""
        self._close_presence(state, now)
        state.presence = presence
        freed: list[_Entry] = []
        if presence is not Presence.AVAILABLE:
            state.idle_since = None
            for item_id in list(state.holdings):
                entry = self._entries.get(item_id)
                if entry is None or entry.agent_id != state.id:
                    continue
                if entry.state == "offered" or (
                    presence is Presence.OFFLINE
                    and self._reclaim
                    and not state.holdings[item_id].exclusive
                ):
                    if entry.state == "assigned":
                        self._report_work_handed_back(entry, state, now)
                    self._take_back(entry, state, now)
                    freed.append(entry)
        elif not state.holdings:
            state.idle_since = now
        self._reindex(state, now)
        return freed

    def _report_work_handed_back(self, entry: _Entry, state: AgentState, now: datetime) -> None:
        """Work reclaimed from an agent going offline was still worked until now."""
        start = entry.accepted_at or now
        if self._on_activity is None or now <= start:
            return
        held = state.holdings[entry.item.id]
        self._on_activity(
            WorkSpan(
                agent_id=state.id,
                item_id=entry.item.id,
                channel=entry.item.channel,
                start=start,
                end=now,
                units=held.units / state.profile.capacity,
                exclusive=held.exclusive,
            )
        )

    @_settles
    def remove_agent(self, agent_id: str, *, now: datetime | None = None) -> list[Decision]:
        """Take the agent offline (see :meth:`set_presence`) and forget them.
        Refused while they still hold work."""
        decisions = self.set_presence(agent_id, Presence.OFFLINE, now=now)
        state = self._agents[agent_id]
        assert self._now is not None
        if state.live(self._now):
            raise ConflictError(
                f"agent {agent_id!r} still holds {sorted(state.holdings)}; finish it first",
                kind="agent",
                id=agent_id,
            )
        self._close_presence(state, self._now)
        self._unindex(state)
        del self._agents[agent_id]
        return decisions

    def status(self, agent_id: str, *, now: datetime | None = None) -> AgentStatus:
        """A snapshot of ``agent_id`` at ``now`` (default: the latest time seen)."""
        state = self._agent(agent_id)
        at = _aware(now) if now is not None else (self._now or self._read_clock())
        live = state.live(at)
        return AgentStatus(
            agent_id=agent_id,
            presence=state.presence,
            holdings=tuple(live),
            active=dict(state.active(at)),
            load=state.load(at),
            last_assigned_at=state.last_assigned_at,
            idle_since=state.idle_since,
        )

    def agents(self) -> tuple[str, ...]:
        """Registered agent ids, in registration order."""
        return tuple(a.id for a in self._by_index if a.id in self._agents)

    def remember(
        self,
        agent_id: str,
        *,
        at: datetime,
        customer_id: str | None = None,
        case_id: str | None = None,
    ) -> None:
        """Record that ``agent_id`` handled this customer's or case's work at
        ``at`` (from your history), for :class:`~omnicontext.routing.Sticky`."""
        at = _aware(at, "at")
        if customer_id is None and case_id is None:
            raise InvalidInput(
                "dispatcher", [FieldError("customer_id", None, "give a customer_id or case_id")]
            )
        for kind, value in (("customer", customer_id), ("case", case_id)):
            if value is not None:
                known = self._handlers.get((kind, value))
                if known is None or known[1] <= at:
                    self._handlers[(kind, value)] = (agent_id, at)

    def learn(self, interactions: Iterable[InteractionBase]) -> int:
        """Remember, from history, which agent last handled each customer and
        case: every interaction an agent wrote or answered counts (messages,
        notes, calls, status changes and handoffs by an agent). Returns how many
        interactions taught something. Feeds :class:`~omnicontext.routing.Sticky`."""
        taught = 0
        for interaction in interactions:
            agent_id = interaction.agent_id
            if agent_id is None or (
                interaction.actor is not Actor.AGENT and not isinstance(interaction, Call)
            ):
                continue
            if interaction.customer_id is None and interaction.case_id is None:
                continue
            self.remember(
                agent_id,
                at=interaction.occurred_at,
                customer_id=interaction.customer_id,
                case_id=interaction.case_id,
            )
            taught += 1
        return taught

    @_settles
    def flush_activity(self, *, now: datetime | None = None) -> list[Decision]:
        """Report every agent's presence so far as a
        :class:`~omnicontext.workload.PresenceSpan` ending at ``now`` (each
        presence goes on from there), so a window's workload can be measured
        while the day runs. Returns the decisions that fell due before ``now``."""
        now = self._begin(now)
        decisions = self._run_timers(now)
        for state in self._by_index:
            if state.id in self._agents:
                self._close_presence(state, now)
        return decisions

    # -- work ------------------------------------------------------------------

    @_settles
    def submit(self, item: WorkItem, *, now: datetime | None = None) -> list[Decision]:
        """Queue ``item`` and route it at once if an agent can take it. Its age
        counts from ``item.created_at``, which may be earlier than ``now``.
        Returns the decisions made (the last one is this item's)."""
        if not isinstance(item, WorkItem):
            raise InvalidInput("dispatcher", [FieldError("item", item, "must be a WorkItem")])
        now = self._begin(now)
        decisions = self._run_timers(now)
        if item.id in self._entries:
            raise ConflictError(f"item {item.id!r} is already routed", kind="item", id=item.id)
        queue = self._queues.get(item.queue)
        if queue is None:
            raise InvalidInput(
                "work item",
                [FieldError("queue", item.queue, f"unknown queue; known: {sorted(self._queues)}")],
            )
        if item.created_at > now:
            raise InvalidInput(
                "work item",
                [FieldError("created_at", item.created_at.isoformat(), "is after now")],
            )
        entry = _Entry(item, queue, next(self._seq))
        self._entries[item.id] = entry
        decisions.append(self._place(entry, now, requeue=True))
        return decisions

    @_settles
    def accept(self, item_id: str, *, now: datetime | None = None) -> list[Decision]:
        """The agent accepted the offer of ``item_id``: the work is now theirs.
        Returns the decisions that fell due before ``now`` (timeouts, overflow)."""
        now = self._begin(now)
        decisions = self._run_timers(now)
        entry = self._entry(item_id)
        if entry.state != "offered":
            raise InvalidInput(
                "dispatcher", [FieldError("item_id", item_id, f"is {entry.state}, not offered")]
            )
        self._assign(entry, now)
        return decisions

    @_settles
    def reject(self, item_id: str, *, now: datetime | None = None) -> list[Decision]:
        """The agent declined ``item_id``: it goes back to the queue keeping its
        original age, and is not offered to that agent again."""
        now = self._begin(now)
        decisions = self._run_timers(now)
        entry = self._entry(item_id)
        if entry.state != "offered":
            raise InvalidInput(
                "dispatcher", [FieldError("item_id", item_id, f"is {entry.state}, not offered")]
            )
        return decisions + self._decline(entry, now)

    @_settles
    def complete(
        self, item_id: str, *, now: datetime | None = None, wrap_up: timedelta | None = None
    ) -> list[Decision]:
        """The work on ``item_id`` ended. The agent stays busy through
        ``wrap_up`` (default: the channel's wrap-up in their profile). Returns
        the decisions made with the capacity freed."""
        now = self._begin(now)
        decisions = self._run_timers(now)
        entry = self._entry(item_id)
        if entry.state != "assigned":
            raise InvalidInput(
                "dispatcher", [FieldError("item_id", item_id, f"is {entry.state}, not assigned")]
            )
        state = self._agents[entry.agent_id]  # type: ignore[index]
        if wrap_up is None:
            wrap_up = state.profile.spec(entry.item.channel).wrap_up
        elif not isinstance(wrap_up, timedelta) or wrap_up < timedelta(0):
            raise InvalidInput(
                "dispatcher", [FieldError("wrap_up", wrap_up, "must be a timedelta >= 0")]
            )
        del self._entries[item_id]
        held = state.holdings[item_id]
        end = now + wrap_up
        if wrap_up > timedelta(0):
            state.hold(self._ledger.finish(item_id, until=end))
            self._timer(end, "wrapup", item_id, 0, agent=state.id)
        else:
            self._ledger.release(item_id)
            state.release(item_id)
        if self._on_activity is not None:
            self._on_activity(
                WorkSpan(
                    agent_id=state.id,
                    item_id=item_id,
                    channel=entry.item.channel,
                    start=entry.accepted_at or now,
                    end=now,
                    units=held.units / state.profile.capacity,
                    exclusive=held.exclusive,
                    wrap_up_end=end if wrap_up > timedelta(0) else None,
                )
            )
        self._became_free(state, now)
        self._reindex(state, now)
        decisions += self._serve_agent(state, now)
        return decisions

    @_settles
    def withdraw(self, item_id: str, *, now: datetime | None = None) -> list[Decision]:
        """The customer left before anyone took ``item_id``: they hung up in the
        queue, or closed the chat. A waiting item leaves its queue (its
        overflow steps and any sticky hold with it); an offered one is taken
        back from its agent, whose capacity is free again at once. Work
        already accepted ends with :meth:`complete` instead. Returns the
        decisions made with the capacity freed."""
        now = self._begin(now)
        decisions = self._run_timers(now)
        entry = self._entry(item_id)
        if entry.state == "assigned":
            raise InvalidInput(
                "dispatcher",
                [FieldError("item_id", item_id, "is assigned: end it with complete()")],
            )
        # Its timers find no entry now, and do nothing when they fall due.
        del self._entries[item_id]
        if entry.state == "waiting":
            self._dequeue(entry)
            return decisions
        state = self._agents[entry.agent_id]  # type: ignore[index]
        self._take_back(entry, state, now)
        self._reindex(state, now)
        return decisions + self._serve_agent(state, now)

    @_settles
    def assign(
        self, item: WorkItem, agent_id: str, *, now: datetime | None = None
    ) -> list[Decision]:
        """Give ``item`` to ``agent_id`` by hand, accepted at once. Capacity
        still applies: the ledger refuses an agent without room (raises
        :class:`~omnicontext.errors.ConflictError` naming why). Returns the
        decisions that fell due, then this one."""
        if not isinstance(item, WorkItem):
            raise InvalidInput("dispatcher", [FieldError("item", item, "must be a WorkItem")])
        now = self._begin(now)
        decisions = self._run_timers(now)
        state = self._agent(agent_id)
        if item.id in self._entries:
            raise ConflictError(f"item {item.id!r} is already routed", kind="item", id=item.id)
        queue = self._queues.get(item.queue) or next(iter(self._queues.values()))
        result = self._ledger.reserve(agent_id, item.id, item.channel, state.profile, now=now)
        if isinstance(result, Refused):
            raise ConflictError(
                f"cannot assign {item.id!r} to {agent_id!r}: {result.reason}",
                kind="agent",
                id=agent_id,
            )
        entry = _Entry(item, queue, next(self._seq))
        self._entries[item.id] = entry
        self._hand_over(entry, state, result, now)
        self._assign(entry, now)
        manual = Reasons(eligible=(agent_id,), complete=True, note="assigned by hand")
        decisions.append(Decision(item.id, queue.name, "manual", now, agent_id, manual))
        return decisions

    @_settles
    def advance(self, now: datetime | None = None) -> list[Decision]:
        """Let time pass to ``now``: offers time out, wrap-ups end, items
        reach their next overflow step. Returns the decisions made."""
        now = self._begin(now)
        return self._run_timers(now)

    def next_due(self) -> datetime | None:
        """When the dispatcher next has something to do on its own: an offer
        timing out, a wrap-up ending, an item reaching its next overflow step.
        An event loop calls :meth:`advance` then. ``None`` when nothing is
        pending. (A moment whose work was cancelled in between may still be
        given; advancing to it then does nothing.)"""
        return self._timers[0][0] if self._timers else None

    def offers(self) -> Iterator[Offer]:
        """Work given to agents and not finished, oldest first."""
        for entry in sorted(self._entries.values(), key=lambda e: e.seq):
            if entry.state != "waiting" and entry.agent_id is not None:
                yield Offer(
                    entry.item.id,
                    entry.agent_id,
                    entry.state,
                    entry.offered_at or entry.item.created_at,
                    entry.expires_at,
                )

    def waiting(self, queue: str | None = None) -> tuple[WorkItem, ...]:
        """Items waiting, in the order they will be served, per queue in turn."""
        names = [queue] if queue is not None else list(self._queues)
        out: list[WorkItem] = []
        for name in names:
            if name not in self._waiting:
                raise NotFound("queue", name)
            out.extend(self._entries[i].item for _, i in self._waiting[name])
        return tuple(out)

    def state_of(self, item_id: str) -> ItemState:
        """``waiting``, ``offered`` or ``assigned``; raises NotFound once finished."""
        return self._entry(item_id).state

    # -- internals: time -------------------------------------------------------

    def _read_clock(self) -> datetime:
        if self._clock is None:
            raise InvalidInput(
                "dispatcher", [FieldError("now", None, "required (the dispatcher has no clock)")]
            )
        return _aware(self._clock(), "clock()")

    def _begin(self, now: datetime | None) -> datetime:
        now = self._read_clock() if now is None else _aware(now)
        if self._now is not None and now < self._now:
            raise InvalidInput(
                "dispatcher",
                [FieldError("now", now.isoformat(), f"is before {self._now.isoformat()}")],
            )
        self._now = now
        return now

    def _timer(
        self, at: datetime, kind: str, item_id: str, token: int, *, agent: str = ""
    ) -> None:
        order = 0 if kind == "wrapup" else 1
        heapq.heappush(self._timers, (at, order, next(self._seq), kind, item_id, token, agent))

    def _run_timers(self, now: datetime) -> list[Decision]:
        decisions: list[Decision] = []
        timers = self._timers
        while timers and timers[0][0] <= now:
            at, _, _, kind, key, token, agent = heapq.heappop(timers)
            if kind == "wrapup":
                self._wrap_up_over(agent, key, at, decisions)
                continue
            entry = self._entries.get(key)
            if entry is None or entry.token != token:
                continue
            if kind == "offer" and entry.state == "offered":
                decisions += self._time_out(entry, at)
            elif kind == "wait" and entry.state == "waiting":
                decisions.append(self._place(entry, at, requeue=False))
        return decisions

    def _wrap_up_over(
        self, agent_id: str, item_id: str, at: datetime, decisions: list[Decision]
    ) -> None:
        state = self._agents.get(agent_id)
        held = None if state is None else state.holdings.get(item_id)
        if state is None or held is None or held.until is None or held.until > at:
            return
        state.release(item_id)
        self._became_free(state, at)
        self._reindex(state, at)
        decisions += self._serve_agent(state, at)

    # -- internals: indexes ----------------------------------------------------

    def _reindex(self, state: AgentState, now: datetime) -> None:
        """Put the agent in the pools they can take work from now, at their rank.

        Only pools some item has asked for are kept (see :meth:`_pool`), so an
        agent's skills nobody routes on cost nothing."""
        state.version += 1
        old = self._placed.pop(state.index, None)
        old_rank, old_pools = (old[0], old[1]) if old is not None else ((), frozenset())
        if state.presence is not Presence.AVAILABLE or state.id not in self._agents:
            self._remove(old_rank, old_pools)
            return
        channels = frozenset(c for c in state.agent.channels if state.fits(c, now))
        ranks: dict[str, tuple[Any, ...]] = {}
        pools: list[_PoolKey] = []
        active = self._active
        skills: list[str | None] = [None, *state.agent.skills]
        for qname in state.queues:
            policy = self._queues[qname].policy
            ranks[qname] = policy.agent_key(state) if policy.indexable else (state.index,)
            for channel in channels:
                for skill in skills:
                    key = (qname, channel, skill)
                    if key in active:
                        pools.append(key)
        rank = tuple(sorted(ranks.items()))
        placed = frozenset(pools)
        if rank == old_rank:
            self._remove(old_rank, old_pools - placed)
            self._insert(rank, placed - old_pools)
        else:
            self._remove(old_rank, old_pools)
            self._insert(rank, placed)
        self._placed[state.index] = (rank, placed, channels)

    def _remove(self, rank: tuple[Any, ...], pools: Iterable[_PoolKey]) -> None:
        keys = dict(rank)
        for pool in pools:
            entries = self._pools[pool]
            key = keys[pool[0]]
            at = bisect.bisect_left(entries, key)
            del entries[at]

    def _insert(self, rank: tuple[Any, ...], pools: Iterable[_PoolKey]) -> None:
        keys = dict(rank)
        for pool in pools:
            bisect.insort(self._pools[pool], keys[pool[0]])

    def _unindex(self, state: AgentState) -> None:
        old = self._placed.pop(state.index, None)
        if old is not None:
            self._remove(old[0], old[1])

    def _activate(self, key: _PoolKey) -> list[tuple[Any, ...]]:
        """Start keeping the pool ``key``: every available agent of the queue who
        serves the channel, has the skill and has room, at their rank."""
        qname, channel, skill = key
        entries: list[tuple[Any, ...]] = []
        for index, (rank, pools, channels) in list(self._placed.items()):
            if channel not in channels:
                continue
            state = self._by_index[index]
            if skill is not None and skill not in state.agent.skills:
                continue
            ranks = dict(rank)
            if qname not in ranks:
                continue
            entries.append(ranks[qname])
            self._placed[index] = (rank, pools | {key}, channels)
        entries.sort()
        self._pools[key] = entries
        self._active.add(key)
        return entries

    # -- internals: routing ----------------------------------------------------

    def _ask(self, entry: _Entry, now: datetime) -> tuple[Ask, Queue, int]:
        age = now - entry.item.created_at
        index = entry.queue.step_index(age)
        step = entry.queue.steps[index]
        queue = self._queues[step.queue] if step.queue is not None else entry.queue
        ask = Ask(
            item=entry.item,
            queue=queue.name,
            step=step.name,
            skills=step.requirement(entry.item),
            age=age,
            declined=frozenset(entry.declined),
        )
        return ask, queue, index

    def _first_refusal(
        self, policy: Policy, state: AgentState, ask: Ask, now: datetime
    ) -> str | None:
        for f in policy.filters:
            why = f.reject(state, ask, now)
            if why is not None:
                return f"{f.name}: {why}"
        return None

    def _place(self, entry: _Entry, now: datetime, *, requeue: bool) -> Decision:
        """Offer ``entry`` to the best agent, or leave it waiting (and say why)."""
        if requeue:
            self._enqueue(entry)
        removed: dict[str, str] = {}
        try:
            return self._route(entry, now, removed)
        except _TakenElsewhere as taken:
            # Another router sharing the ledger placed this item: it is not ours.
            self._dequeue(entry)
            self._entries.pop(entry.item.id, None)
            entry.token += 1
            note = f"held by agent {taken.holder!r} through another router sharing the ledger"
            return Decision(
                entry.item.id, entry.queue.name, "", now, None, Reasons(removed=removed, note=note)
            )

    def _route(self, entry: _Entry, now: datetime, removed: dict[str, str]) -> Decision:
        ask, queue, index = self._ask(entry, now)
        policy = queue.policy
        notes: list[str] = []
        if index:
            notes.append(f"overflow step {index + 1} of {len(entry.queue.steps)}: {ask.step}")
        for preference in policy.prefer:
            handler = self._handler_for(entry.item)
            wanted = preference.prefer(ask, handler, now)
            if wanted is None:
                continue
            state = self._agents.get(wanted)
            if state is not None and queue.admits(wanted):
                why = self._first_refusal(policy, state, ask, now)
                if why is None:
                    held = self._reserve(state, entry, now, removed)
                    if held is not None:
                        why_them = (
                            f", who last handled this case or customer at "
                            f"{handler[1].isoformat(timespec='seconds')}"
                            if handler is not None and handler[0] == wanted
                            else ""
                        )
                        notes.append(f"{preference.name}: offered to {wanted}{why_them}")
                        eligible = None
                        if self._explain:
                            others = self._scan(queue, ask, now, removed, every_agent=True)
                            mine = [(state, policy.key(state, ask, now))]
                            eligible = mine + [p for p in others if p[0] is not state]
                        return self._offer(
                            entry, state, held, ask, now, policy, notes, removed, eligible=eligible
                        )
                else:
                    removed[wanted] = why
            else:
                removed[wanted] = "not an agent of this queue"
            hold = preference.hold_until(ask)
            if hold is not None and now < hold and self._could_take_later(queue, state, ask):
                entry.hold_until = hold
                entry.held_for = wanted
                self._held.add(entry.item.id)
                entry.token += 1
                # Wake at the hold's end, or sooner if the next overflow step
                # begins first (it may change who can take the item).
                step = entry.queue.steps[index]
                boundary = None if step.until is None else entry.item.created_at + step.until
                wake = hold if boundary is None else min(hold, boundary)
                self._timer(wake, "wait", entry.item.id, entry.token)
                notes.append(f"{preference.name}: waiting for {wanted} until {hold.isoformat()}")
                return self._wait(entry, ask, now, notes, removed, complete=False)
            notes.append(f"{preference.name}: {wanted} cannot take it; falling back")
        entry.hold_until = None
        entry.held_for = None
        self._held.discard(entry.item.id)
        if self._explain:
            ranked = self._scan(queue, ask, now, removed, every_agent=True)
        elif policy.indexable:
            found = self._pop_best(queue, ask, entry, now, removed)
            if found is not None:
                state, held = found
                return self._offer(entry, state, held, ask, now, policy, notes, removed)
            ranked = []
            notes.append(self._nobody(ask))
        else:
            ranked = self._scan(queue, ask, now, removed, every_agent=False)
        for n, (state, _key) in enumerate(ranked):
            held = self._reserve(state, entry, now, removed)
            if held is not None:
                eligible = ranked[n:]
                return self._offer(
                    entry, state, held, ask, now, policy, notes, removed, eligible=eligible
                )
        if not self._explain and not policy.indexable and not ranked:
            notes.append(self._nobody(ask))
        self._schedule_step(entry, now)
        return self._wait(entry, ask, now, notes, removed, complete=self._explain)

    def _nobody(self, ask: Ask) -> str:
        needs = ", ".join(f"{s} >= {n}" for s, n in sorted(ask.skills.items()))
        return f"no available agent of queue {ask.queue!r} with room for {ask.channel}" + (
            f" and {needs}" if needs else ""
        )

    def _could_take_later(self, queue: Queue, state: AgentState | None, ask: Ask) -> bool:
        """Whether holding work for ``state`` can end in an offer to them: only
        their presence (busy, away) or their load stands in the way."""
        if state is None or state.presence is Presence.OFFLINE:
            return False
        if not queue.admits(state.id) or state.id in ask.declined:
            return False
        if not (state.agent.serves(ask.channel) and state.profile.serves(ask.channel)):
            return False
        skills = state.agent.skills
        return all(skills.get(s, 0) >= level for s, level in ask.skills.items())

    def _settle(self, now: datetime) -> list[Decision]:
        decisions: list[Decision] = []
        while self._held:
            more = self._recheck_holds(now)
            decisions += more
            if not any(d.offered for d in more):
                break
        return decisions

    def _recheck_holds(self, now: datetime) -> list[Decision]:
        """Route again items held for an agent who is no longer the one to wait
        for (gone offline, or no longer the customer's latest handler)."""
        decisions: list[Decision] = []
        for item_id in sorted(self._held, key=lambda i: self._entries[i].seq):
            entry = self._entries[item_id]
            ask, queue, _ = self._ask(entry, now)
            wanted = self._wanted(queue, ask, entry)
            if wanted != entry.held_for or not self._could_take_later(
                queue, self._agents.get(wanted or ""), ask
            ):
                decisions.append(self._place(entry, now, requeue=False))
        return decisions

    def _pool(self, queue: Queue, ask: Ask) -> list[tuple[Any, ...]]:
        """The smallest pool holding every agent who could take ``ask``."""
        pools = self._pools
        best: list[tuple[Any, ...]] | None = None
        for skill in ask.skills or (None,):
            key = (queue.name, ask.channel, skill)
            pool = pools.get(key)
            if pool is None:
                pool = self._activate(key)
            if best is None or len(pool) < len(best):
                best = pool
        assert best is not None
        return best

    def _pop_best(
        self, queue: Queue, ask: Ask, entry: _Entry, now: datetime, removed: dict[str, str]
    ) -> tuple[AgentState, Holding] | None:
        """The best-ranked agent of the pool who passes every filter and whom the
        ledger lets reserve; agents ranked below them are not looked at."""
        pool = self._pool(queue, ask)
        policy = queue.policy
        by_index = self._by_index
        tried: set[int] = set()
        at = 0
        while at < len(pool):
            index = pool[at][-1]
            at += 1
            if index in tried:
                continue
            tried.add(index)
            state = by_index[index]
            why = self._first_refusal(policy, state, ask, now)
            if why is not None:
                removed[state.id] = why
                continue
            held = self._reserve(state, entry, now, removed)
            if held is not None:
                return state, held
            at = 0  # the ledger knew better and the pools changed: look again
        return None

    def _scan(
        self,
        queue: Queue,
        ask: Ask,
        now: datetime,
        removed: dict[str, str],
        *,
        every_agent: bool,
    ) -> list[tuple[AgentState, tuple[Any, ...]]]:
        if every_agent:
            candidates: Iterable[AgentState] = (
                s for s in self._by_index if s.id in self._agents and queue.name in s.queues
            )
        else:
            candidates = [self._by_index[e[-1]] for e in self._pool(queue, ask)]
        policy = queue.policy
        ranked: list[tuple[AgentState, tuple[Any, ...]]] = []
        for state in candidates:
            why = self._first_refusal(policy, state, ask, now)
            if why is not None:
                removed[state.id] = why
            else:
                ranked.append((state, policy.key(state, ask, now)))
        ranked.sort(key=lambda pair: pair[1])
        return ranked

    def _reserve(
        self, state: AgentState, entry: _Entry, now: datetime, removed: dict[str, str]
    ) -> Holding | None:
        item = entry.item
        result = self._ledger.reserve(state.id, item.id, item.channel, state.profile, now=now)
        if isinstance(result, Refused):
            removed[state.id] = f"ledger: {result.reason}"
            if result.holder is not None and result.holder != state.id:
                raise _TakenElsewhere(result.holder)
            self._sync(state, now)
            return None
        return result

    def _sync(self, state: AgentState, now: datetime) -> None:
        """Another router changed the agent's holdings: take the ledger's word."""
        state.replace_all(self._ledger.holdings(state.id, now=now))
        self._reindex(state, now)

    def _offer(
        self,
        entry: _Entry,
        state: AgentState,
        held: Holding,
        ask: Ask,
        now: datetime,
        policy: Policy,
        notes: list[str],
        removed: dict[str, str],
        *,
        eligible: list[tuple[AgentState, tuple[Any, ...]]] | None = None,
    ) -> Decision:
        if eligible is None:
            eligible = [(state, policy.key(state, ask, now))]
        self._dequeue(entry)
        self._hand_over(entry, state, held, now)
        if self._auto_accept:
            self._assign(entry, now)
        elif self._offer_timeout is not None:
            entry.expires_at = now + self._offer_timeout
            self._timer(entry.expires_at, "offer", entry.item.id, entry.token)
        reasons = Reasons(
            eligible=tuple(s.id for s, _ in eligible),
            removed=removed,
            ranking=tuple((s.id, k) for s, k in eligible),
            complete=self._explain,
            note="; ".join(notes),
        )
        return Decision(entry.item.id, ask.queue, ask.step, now, state.id, reasons)

    def _hand_over(self, entry: _Entry, state: AgentState, held: Holding, now: datetime) -> None:
        entry.state = "offered"
        entry.agent_id = state.id
        entry.token += 1
        entry.offered_at = now
        state.hold(held)
        self._offers += 1
        state.last_offered = self._offers
        state.last_assigned_at = now
        state.idle_since = None
        self._reindex(state, now)

    def _assign(self, entry: _Entry, now: datetime) -> None:
        entry.state = "assigned"
        entry.accepted_at = now
        entry.expires_at = None
        entry.token += 1
        agent = entry.agent_id
        assert agent is not None
        item = entry.item
        for kind, value in (("customer", item.customer_id), ("case", item.case_id)):
            if value is not None:
                self._handlers[(kind, value)] = (agent, now)

    def _wait(
        self,
        entry: _Entry,
        ask: Ask,
        now: datetime,
        notes: list[str],
        removed: dict[str, str],
        *,
        complete: bool,
    ) -> Decision:
        reasons = Reasons(removed=removed, complete=complete, note="; ".join(notes))
        return Decision(entry.item.id, ask.queue, ask.step, now, None, reasons)

    def _schedule_step(self, entry: _Entry, now: datetime) -> None:
        age = now - entry.item.created_at
        step: Step = entry.queue.step_at(age)
        if step.until is not None:
            entry.token += 1
            self._timer(entry.item.created_at + step.until, "wait", entry.item.id, entry.token)

    def _enqueue(self, entry: _Entry) -> None:
        bisect.insort(self._waiting[entry.queue.name], (entry.order_key, entry.item.id))
        entry.state = "waiting"
        entry.agent_id = None

    def _dequeue(self, entry: _Entry) -> None:
        self._held.discard(entry.item.id)
        queue = self._waiting[entry.queue.name]
        row = (entry.order_key, entry.item.id)
        at = bisect.bisect_left(queue, row)
        if at < len(queue) and queue[at] == row:
            del queue[at]

    def _take_back(self, entry: _Entry, state: AgentState, now: datetime) -> None:
        self._ledger.release(entry.item.id)
        state.release(entry.item.id)
        entry.token += 1
        entry.expires_at = None
        if state.presence is Presence.AVAILABLE:
            self._became_free(state, now)

    def _decline(self, entry: _Entry, now: datetime) -> list[Decision]:
        state = self._agents[entry.agent_id]  # type: ignore[index]
        entry.declined.add(state.id)
        self._take_back(entry, state, now)
        self._reindex(state, now)
        decisions = [self._place(entry, now, requeue=True)]
        return decisions + self._serve_agent(state, now)

    def _time_out(self, entry: _Entry, now: datetime) -> list[Decision]:
        state = self._agents[entry.agent_id]  # type: ignore[index]
        if self._on_timeout is None or state.presence is self._on_timeout:
            return self._decline(entry, now)
        entry.declined.add(state.id)
        self._take_back(entry, state, now)
        returned = [entry, *self._change_presence(state, self._on_timeout, now)]
        return [self._place(e, now, requeue=True) for e in returned]

    def _became_free(self, state: AgentState, now: datetime) -> None:
        if state.presence is Presence.AVAILABLE and not state.live(now):
            state.idle_since = now

    def _serve_agent(self, state: AgentState, now: datetime) -> list[Decision]:
        """Offer waiting work to an agent who has room, oldest (by queue order) first."""
        decisions: list[Decision] = []
        if not any(self._waiting.values()):
            return decisions
        while state.presence is Presence.AVAILABLE and state.id in self._agents:
            decision = self._next_for(state, now)
            if decision is None:
                break
            decisions.append(decision)
        return decisions

    def _next_for(self, state: AgentState, now: datetime) -> Decision | None:
        fits = {c for c in state.agent.channels if state.fits(c, now)}
        if not fits:
            return None
        skills = state.agent.skills
        for name in self._queues:
            for _, item_id in self._waiting[name]:
                entry = self._entries[item_id]
                item = entry.item
                # Cheap checks first: a long queue is mostly work this agent cannot take.
                if item.channel not in fits or state.id in entry.declined:
                    continue
                need = entry.fixed_need
                if need is not None and any(skills.get(k, 0) < v for k, v in need.items()):
                    continue
                ask, queue, _ = self._ask(entry, now)
                if not queue.admits(state.id):
                    continue
                if entry.hold_until is not None and now < entry.hold_until:
                    wanted = self._wanted(queue, ask, entry)
                    if wanted != state.id:
                        continue
                if self._first_refusal(queue.policy, state, ask, now) is not None:
                    continue
                removed: dict[str, str] = {}
                held = self._reserve(state, entry, now, removed)
                if held is None:
                    return None
                notes = ["capacity freed: oldest waiting work first"]
                return self._offer(entry, state, held, ask, now, queue.policy, notes, removed)
        return None

    def _wanted(self, queue: Queue, ask: Ask, entry: _Entry) -> str | None:
        assert self._now is not None
        for preference in queue.policy.prefer:
            wanted = preference.prefer(ask, self._handler_for(entry.item), self._now)
            if wanted is not None:
                return wanted
        return None

    def _handler_for(self, item: WorkItem) -> tuple[str, datetime] | None:
        found: tuple[str, datetime] | None = None
        for kind, value in (("case", item.case_id), ("customer", item.customer_id)):
            if value is not None:
                known = self._handlers.get((kind, value))
                if known is not None and (found is None or known[1] > found[1]):
                    found = known
        return found

    # -- internals: lookups ----------------------------------------------------

    def _agent(self, agent_id: str) -> AgentState:
        state = self._agents.get(agent_id)
        if state is None:
            raise NotFound("agent", agent_id)
        return state

    def _entry(self, item_id: str) -> _Entry:
        entry = self._entries.get(item_id)
        if entry is None:
            raise NotFound("item", item_id)
        return entry

    def _presence(self, value: Presence | str) -> Presence:
        try:
            return Presence(value)
        except ValueError:
            raise InvalidInput(
                "dispatcher",
                [FieldError("presence", value, f"one of {', '.join(p.value for p in Presence)}")],
            ) from None

    def _close_presence(self, state: AgentState, now: datetime) -> None:
        since = self._presence_since.get(state.id, now)
        self._presence_since[state.id] = now
        if self._on_activity is not None and now > since:
            self._on_activity(
                PresenceSpan(agent_id=state.id, presence=state.presence, start=since, end=now)
            )
