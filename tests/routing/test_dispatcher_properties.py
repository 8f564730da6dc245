"""Invariants of the dispatcher, checked on generated days of routing with hypothesis.

A state machine drives two dispatchers built alike, one deciding on its fast
path and one with ``explain=True``, through random sequences of agents
arriving and changing presence, work arriving, offers accepted, rejected and
timing out, work completed with wrap-ups, time passing (offer timeouts,
overflow steps, wrap-ups ending) and work assigned by hand. After every step
it checks that nobody is above capacity (and that the dispatcher and the
ledger agree), that no item is held twice or in two states, that nobody
unavailable holds an unaccepted offer, that offline agents keep only live
exclusive work, that no agent with room sits idle while work they could take
waits, that every change of hands is reported by a decision, that nobody is
offered work they declined, and that both dispatchers made the same
decisions; at the end it replays the whole day and expects the very same
decisions again.

Two more properties stand alone: priority ageing serves every item within a
stated bound under a stream of more urgent work, and work that was declined
or timed out keeps its place in the queue. Small examples of what the state
machine found close the module.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from omnicontext.errors import ConflictError
from omnicontext.model import Agent
from omnicontext.model.case import Priority
from omnicontext.routing import (
    Ask,
    BestSkillMatch,
    CapacityProfile,
    ChannelCapacity,
    Decision,
    Dispatcher,
    Fifo,
    Holding,
    LeastOccupied,
    LongestIdle,
    MemoryLedger,
    Policy,
    Presence,
    PriorityAgeing,
    Queue,
    QueueOrder,
    RoundRobin,
    Step,
    Sticky,
    WorkItem,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CHANNELS = ("email", "chat", "phone")
SKILLS = ("billing", "tech", "french")
AGENT_IDS = tuple(f"ag_{n}" for n in range(6))
CUSTOMERS = (None, "cus_0", "cus_1")
PRESENCES = tuple(Presence)


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


def signature(decision: Decision) -> tuple[Any, ...]:
    """What a decision did, without the reasons (which differ with ``explain``)."""
    return (decision.item_id, decision.queue, decision.step, decision.at, decision.agent_id)


# -- strategies ----------------------------------------------------------------


RANKERS = st.sampled_from(
    [
        (LongestIdle(),),
        (LeastOccupied(),),
        (RoundRobin(),),
        (BestSkillMatch(),),
        (LeastOccupied(), LongestIdle()),
        (BestSkillMatch(), RoundRobin()),
        (),
    ]
)
ORDERS: st.SearchStrategy[QueueOrder] = st.one_of(
    st.just(Fifo()),
    st.builds(PriorityAgeing, per_level=st.sampled_from([seconds(30), seconds(60), seconds(300)])),
)
PREFER = st.sampled_from(
    [
        (),
        (Sticky(wait=seconds(30)),),
        (Sticky(wait=seconds(120)),),
        (Sticky(wait=seconds(300)),),
        (Sticky(wait=seconds(0)),),
    ]
)
policies = st.builds(Policy, rankers=RANKERS, order=ORDERS, prefer=PREFER)


@st.composite
def queue_sets(draw: st.DrawFn) -> tuple[Queue, ...]:
    """A ``billing`` queue overflowing by age into ``general``, and ``general``."""
    first = draw(st.sampled_from([30, 60, 120]))
    second = first + draw(st.sampled_from([30, 60, 180]))
    members = draw(st.none() | st.frozensets(st.sampled_from(AGENT_IDS), min_size=1, max_size=5))
    billing = Queue(
        "billing",
        policy=draw(policies),
        members=members,
        steps=(
            Step("experts", until=seconds(first)),
            Step(
                "wider",
                until=seconds(second),
                drop_optional=True,
                lower_levels=draw(st.integers(0, 5)),
            ),
            Step("general help", queue="general", use_secondary=True, drop_optional=True),
        ),
    )
    general = Queue(
        "general",
        policy=draw(policies),
        steps=(
            Step("general", until=seconds(draw(st.sampled_from([60, 90, 300])))),
            Step("any level", lower_levels=9, drop_optional=True),
        ),
    )
    return billing, general


configs = st.fixed_dictionaries(
    {
        "queues": queue_sets(),
        "offer_timeout": st.sampled_from([seconds(30), seconds(60), seconds(120), None]),
        "on_timeout": st.sampled_from([Presence.AWAY, None, Presence.BUSY, Presence.OFFLINE]),
        "reclaim_on_offline": st.booleans(),
        "auto_accept": st.sampled_from([False, False, False, True]),
    }
)


@st.composite
def profiles(draw: st.DrawFn) -> CapacityProfile:
    """The default profile, or one with random units, limits, exclusivity and
    wrap-ups, sometimes leaving a channel out."""
    if draw(st.booleans()):
        return CapacityProfile.default()
    capacity = draw(st.sampled_from([Fraction(1), Fraction(2)]))
    wrap = st.sampled_from([seconds(0), seconds(0), seconds(30), seconds(60)])
    limit = st.none() | st.integers(1, 3)
    channels = {
        "chat": ChannelCapacity(
            units=draw(st.sampled_from(["1/3", "1/2", "1"])), limit=draw(limit), wrap_up=draw(wrap)
        ),
        "email": ChannelCapacity(
            units=draw(st.sampled_from(["1/10", "1/4", "1/2"])),
            limit=draw(limit),
            wrap_up=draw(wrap),
        ),
        "phone": ChannelCapacity(
            units=draw(st.sampled_from([Fraction(1), capacity])),
            limit=draw(st.sampled_from([1, None])),
            exclusive=draw(st.booleans()),
            wrap_up=draw(wrap),
        ),
    }
    left_out = draw(st.sampled_from([None, None, None, *CHANNELS]))
    channels.pop(left_out, None)  # type: ignore[arg-type]
    return CapacityProfile(channels=channels, capacity=capacity)


skill_sets = st.dictionaries(st.sampled_from(SKILLS), st.integers(3, 10), max_size=3)
needs = st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 7), max_size=2)
PRESENCE_CHOICES = st.sampled_from([*PRESENCES, Presence.AVAILABLE, Presence.AVAILABLE])


@st.composite
def agents(draw: st.DrawFn, agent_id: str) -> Agent:
    return Agent(
        id=agent_id,
        skills=draw(skill_sets),
        channels=draw(st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=3, unique=True)),
    )


@st.composite
def work_items(draw: st.DrawFn, item_id: str, now: datetime) -> WorkItem:
    skills = draw(needs)
    optional = draw(needs)
    return WorkItem(
        id=item_id,
        channel=draw(st.sampled_from(CHANNELS)),
        queue=draw(st.sampled_from(["billing", "general"])),
        priority=draw(st.sampled_from(list(Priority))),
        skills=skills,
        optional_skills={s: v for s, v in optional.items() if s not in skills},
        secondary_skills=draw(needs),
        customer_id=draw(st.sampled_from(CUSTOMERS)),
        created_at=now - seconds(draw(st.sampled_from([0, 0, 30, 60, 120]))),
    )


# -- driving two dispatchers -----------------------------------------------------


def build(config: dict[str, Any], *, explain: bool) -> tuple[Dispatcher, MemoryLedger]:
    ledger = MemoryLedger()
    dispatcher = Dispatcher(
        config["queues"],
        ledger=ledger,
        offer_timeout=config["offer_timeout"],
        on_timeout=config["on_timeout"],
        reclaim_on_offline=config["reclaim_on_offline"],
        auto_accept=config["auto_accept"],
        explain=explain,
    )
    return dispatcher, ledger


Op = tuple[Any, ...]
Outcome = list[Decision] | str


def apply(dispatcher: Dispatcher, op: Op) -> Outcome:
    """Run one step; a manual assignment the ledger refuses comes back as its message."""
    kind, now, *args = op
    if kind == "add":
        agent, profile, presence = args
        return dispatcher.add_agent(agent, profile=profile, presence=presence, now=now)
    if kind == "presence":
        return dispatcher.set_presence(args[0], args[1], now=now)
    if kind == "submit":
        return dispatcher.submit(args[0], now=now)
    if kind == "accept":
        return dispatcher.accept(args[0], now=now)
    if kind == "reject":
        return dispatcher.reject(args[0], now=now)
    if kind == "complete":
        return dispatcher.complete(args[0], now=now, wrap_up=args[1])
    if kind == "advance":
        return dispatcher.advance(now)
    if kind == "withdraw":
        return dispatcher.withdraw(args[0], now=now)
    assert kind == "assign"
    try:
        return dispatcher.assign(args[0], args[1], now=now)
    except ConflictError as refused:
        return str(refused)


def outcome_signature(outcome: Outcome) -> Any:
    return outcome if isinstance(outcome, str) else [signature(d) for d in outcome]


def replay(config: dict[str, Any], script: Iterable[Op]) -> list[Outcome]:
    dispatcher, _ = build(config, explain=False)
    return [apply(dispatcher, op) for op in script]


class AgentView:
    """What the filters read of an agent, rebuilt from public data only: the
    agent record, their profile, and the presence and live holdings that
    :meth:`Dispatcher.status` reports. Room is judged by the profile itself."""

    def __init__(
        self,
        agent: Agent,
        profile: CapacityProfile,
        presence: Presence,
        holdings: dict[str, Holding],
    ) -> None:
        self.agent = agent
        self.profile = profile
        self.presence = presence
        self.holdings = holdings

    @property
    def id(self) -> str:
        return self.agent.id

    def refusal(self, channel: str, now: datetime) -> str | None:
        return self.profile.refusal(self.holdings.values(), channel, now=now)


def step_of(
    queues: dict[str, Queue], item: WorkItem, now: datetime, declined: Iterable[str]
) -> tuple[Ask, Queue]:
    """The question the dispatcher asks about ``item`` at ``now``, worked out
    from the item's queue and its overflow steps, and the queue that answers it."""
    home = queues[item.queue]
    age = now - item.created_at
    step = home.step_at(age)
    queue = queues[step.queue] if step.queue is not None else home
    ask = Ask(
        item=item,
        queue=queue.name,
        step=step.name,
        skills=step.requirement(item),
        age=age,
        declined=frozenset(declined),
    )
    return ask, queue


class RoutingDay(RuleBasedStateMachine):
    """A day of routing on two dispatchers (fast path and ``explain=True``)."""

    @initialize(config=configs, staff=st.integers(1, 3), data=st.data())
    def open_the_day(self, config: dict[str, Any], staff: int, data: st.DataObject) -> None:
        self.config = config
        self.queues = {q.name: q for q in config["queues"]}
        self.fast, self.fast_ledger = build(config, explain=False)
        self.full, self.full_ledger = build(config, explain=True)
        self.now = T0
        self.script: list[Op] = []
        self.outcomes: list[Outcome] = []
        self.agent_of: dict[str, Agent] = {}
        self.profile_of: dict[str, CapacityProfile] = {}
        self.live: dict[str, WorkItem] = {}
        self.declined: defaultdict[str, set[str]] = defaultdict(set)
        self.handler: dict[str, tuple[str, datetime]] = {}
        self.assigned_while_offline: set[str] = set()
        self.given: dict[str, tuple[str, str, datetime | None]] = {}
        self.numbers = 0
        for _ in range(staff):
            self.hire(data.draw(agents(AGENT_IDS[len(self.agent_of)])), data)

    # -- running a step on both and learning from it ---------------------------

    def run(self, op: Op) -> Outcome:
        """Run ``op`` on both dispatchers, compare, and keep the model up to date."""
        kind, now, *args = op
        self.now = now
        self.script.append(op)
        if kind == "add":
            self.agent_of[args[0].id] = args[0]
            self.profile_of[args[0].id] = args[1]
        elif kind in ("submit", "assign"):
            self.live[args[0].id] = args[0]
        going_offline = (
            kind == "presence"
            and args[1] is Presence.OFFLINE
            and self.fast.status(args[0], now=now).presence is not Presence.OFFLINE
        )
        fast = apply(self.fast, op)
        full = apply(self.full, op)
        assert outcome_signature(fast) == outcome_signature(full), (
            "fast path and full scan decided differently",
            outcome_signature(fast),
            outcome_signature(full),
        )
        self.outcomes.append(fast)
        if isinstance(fast, str):
            del self.live[args[0].id]
            return fast
        if kind == "accept":
            agent_id, _, _ = self.given[args[0]]
            self.given[args[0]] = (agent_id, "assigned", None)
            self.remember(args[0], agent_id, now)
        elif kind == "reject":
            self.declined[args[0]].add(self.given.pop(args[0])[0])
        elif kind == "complete":
            del self.live[args[0]]
            del self.given[args[0]]
            self.assigned_while_offline.discard(args[0])
        elif kind == "withdraw":
            del self.live[args[0]]
            self.given.pop(args[0], None)
        elif going_offline:
            self.assigned_while_offline -= {
                i for i, (a, _, _) in self.given.items() if a == args[0]
            }
        self.learn(fast)
        if kind == "assign" and self.fast.status(args[1], now=now).presence is Presence.OFFLINE:
            self.assigned_while_offline.add(args[0].id)
        given = {o.item_id: (o.agent_id, o.state, o.expires_at) for o in self.fast.offers()}
        assert given == self.given, "an offer or assignment changed without a decision saying so"
        return fast

    def learn(self, decisions: list[Decision]) -> None:
        """Follow the decisions. An item routed again at the very moment its
        offer expires timed out, and its agent declined it; unless that agent
        had already timed out on another offer at that moment and was sent
        away, which hands their other offers back without declining them."""
        timeout = self.config["offer_timeout"]
        sent_away: dict[str, datetime] = {}
        for d in decisions:
            held = self.given.pop(d.item_id, None)
            if held is not None:
                agent_id, state, expires = held
                timed_out = state == "offered" and expires is not None and expires <= d.at
                if timed_out and sent_away.get(agent_id) != d.at:
                    self.declined[d.item_id].add(agent_id)
                    if self.config["on_timeout"] is not None:
                        sent_away[agent_id] = d.at
            if d.agent_id is None:
                continue
            assert d.agent_id not in self.declined[d.item_id], (
                f"{d.item_id} offered again to {d.agent_id}, who declined it"
            )
            if self.config["auto_accept"] or d.step == "manual":
                self.given[d.item_id] = (d.agent_id, "assigned", None)
                self.remember(d.item_id, d.agent_id, d.at)
            else:
                expires = None if timeout is None else d.at + timeout
                self.given[d.item_id] = (d.agent_id, "offered", expires)

    def remember(self, item_id: str, agent_id: str, at: datetime) -> None:
        customer = self.live[item_id].customer_id
        if customer is not None:
            self.handler[customer] = (agent_id, at)

    def next_id(self) -> str:
        self.numbers += 1
        return f"it_{self.numbers}"

    def offered(self, state: str) -> list[str]:
        return [o.item_id for o in self.fast.offers() if o.state == state]

    # -- rules -------------------------------------------------------------------

    def hire(self, agent: Agent, data: st.DataObject) -> None:
        presence, profile = data.draw(PRESENCE_CHOICES), data.draw(profiles())
        self.run(("add", self.now, agent, profile, presence))

    @precondition(lambda self: len(self.agent_of) < len(AGENT_IDS))
    @rule(data=st.data())
    def add_agent(self, data: st.DataObject) -> None:
        self.hire(data.draw(agents(AGENT_IDS[len(self.agent_of)])), data)

    @precondition(lambda self: self.agent_of)
    @rule(pick=st.integers(0, 100), presence=PRESENCE_CHOICES)
    def change_presence(self, pick: int, presence: Presence) -> None:
        agent_id = sorted(self.agent_of)[pick % len(self.agent_of)]
        self.run(("presence", self.now, agent_id, presence))

    @rule(data=st.data(), by_hand=st.integers(0, 9), pick=st.integers(0, 100))
    def submit(self, data: st.DataObject, by_hand: int, pick: int) -> None:
        """Work arrives; now and then it is assigned by hand instead of routed."""
        item = data.draw(work_items(self.next_id(), self.now))
        if by_hand < 2 and self.agent_of:
            agent_id = sorted(self.agent_of)[pick % len(self.agent_of)]
            self.run(("assign", self.now, item, agent_id))
        else:
            self.run(("submit", self.now, item))

    @precondition(lambda self: self.offered("offered"))
    @rule(pick=st.integers(0, 100))
    def accept(self, pick: int) -> None:
        offered = self.offered("offered")
        self.run(("accept", self.now, offered[pick % len(offered)]))

    @precondition(lambda self: self.offered("offered"))
    @rule(pick=st.integers(0, 100))
    def reject(self, pick: int) -> None:
        offered = self.offered("offered")
        self.run(("reject", self.now, offered[pick % len(offered)]))

    @precondition(lambda self: self.offered("assigned"))
    @rule(
        pick=st.integers(0, 100),
        wrap_up=st.sampled_from([None, None, seconds(0), seconds(30), seconds(60)]),
    )
    def complete(self, pick: int, wrap_up: timedelta | None) -> None:
        assigned = self.offered("assigned")
        self.run(("complete", self.now, assigned[pick % len(assigned)], wrap_up))

    @precondition(lambda self: self.live)
    @rule(pick=st.integers(0, 100))
    def withdraw(self, pick: int) -> None:
        """A customer hangs up or leaves the chat before anyone took their item."""
        leaving = sorted(set(self.live) - set(self.offered("assigned")))
        if leaving:
            self.run(("withdraw", self.now, leaving[pick % len(leaving)]))

    @rule(by=st.sampled_from([10, 30, 30, 60, 60, 90, 120, 300]))
    def advance(self, by: int) -> None:
        self.run(("advance", self.now + seconds(by)))

    # -- invariants --------------------------------------------------------------

    def _views(self, dispatcher: Dispatcher) -> dict[str, AgentView]:
        views = {}
        for agent_id in dispatcher.agents():
            status = dispatcher.status(agent_id, now=self.now)
            views[agent_id] = AgentView(
                self.agent_of[agent_id],
                self.profile_of[agent_id],
                status.presence,
                {h.item_id: h for h in status.holdings},
            )
        return views

    @invariant()
    def nobody_is_above_capacity(self) -> None:
        """Each agent's live holdings fit their profile (units within capacity,
        each channel within its limit, an exclusive holding alone), and the
        dispatcher's view of every holding is exactly the ledger's."""
        for dispatcher, ledger in ((self.fast, self.fast_ledger), (self.full, self.full_ledger)):
            seen = set()
            for agent_id, view in self._views(dispatcher).items():
                profile = self.profile_of[agent_id]
                held = list(view.holdings.values())
                assert sum((h.units for h in held), Fraction(0)) <= profile.capacity, view
                counts: dict[str, int] = defaultdict(int)
                for h in held:
                    assert h.agent_id == agent_id
                    counts[h.channel] += 1
                for channel, count in counts.items():
                    limit = profile.spec(channel).limit
                    assert limit is None or count <= limit, (agent_id, channel, count)
                if any(h.exclusive for h in held):
                    assert len(held) == 1, (agent_id, held)
                seen |= set(held)
            assert seen == set(ledger.scan(now=self.now)), "dispatcher and ledger disagree"

    @invariant()
    def every_item_is_in_exactly_one_state_and_held_at_most_once(self) -> None:
        """Every item submitted or assigned and not yet completed is either
        waiting (holding no capacity) or offered or assigned to exactly one
        agent, who holds it in the ledger; no item is held by two agents."""
        for dispatcher, ledger in ((self.fast, self.fast_ledger), (self.full, self.full_ledger)):
            waiting = [i.id for i in dispatcher.waiting()]
            offers = list(dispatcher.offers())
            given_out = [o.item_id for o in offers]
            assert len(set(waiting)) == len(waiting)
            assert len(set(given_out)) == len(given_out)
            assert not set(waiting) & set(given_out)
            assert set(waiting) | set(given_out) == set(self.live)
            for item_id in waiting:
                assert dispatcher.state_of(item_id) == "waiting"
                assert ledger.holder(item_id) is None, f"waiting {item_id} holds capacity"
            holders: dict[str, list[str]] = defaultdict(list)
            for h in ledger.scan(now=self.now):
                holders[h.item_id].append(h.agent_id)
            for o in offers:
                assert dispatcher.state_of(o.item_id) == o.state
                assert holders[o.item_id] == [o.agent_id], (o, holders[o.item_id])
            for item_id, agents_ in holders.items():
                assert len(agents_) == 1, (item_id, agents_)

    @invariant()
    def nobody_unavailable_holds_an_unaccepted_offer(self) -> None:
        """Offers not yet accepted are held only by available agents: going
        away, busy or offline (or being sent away by a timeout) hands them back."""
        for dispatcher in (self.fast, self.full):
            for o in dispatcher.offers():
                if o.state == "offered":
                    presence = dispatcher.status(o.agent_id, now=self.now).presence
                    assert presence is Presence.AVAILABLE, (o, presence)

    @invariant()
    def offline_agents_keep_only_exclusive_work(self) -> None:
        """With ``reclaim_on_offline``, an offline agent holds no accepted work
        but live exclusive work (a call in progress), unless it was assigned to
        them by hand while they were offline."""
        if not self.config["reclaim_on_offline"]:
            return
        for dispatcher in (self.fast, self.full):
            views = self._views(dispatcher)
            for o in dispatcher.offers():
                view = views[o.agent_id]
                if view.presence is not Presence.OFFLINE:
                    continue
                if o.item_id in self.assigned_while_offline:
                    continue
                assert view.holdings[o.item_id].exclusive, (o, "kept by an offline agent")

    def _held_for_another(
        self, queue: Queue, ask: Ask, agent_id: str, views: dict[str, AgentView]
    ) -> bool:
        """Whether the item may be waiting, under a sticky preference of the
        queue in force, for another agent who could take it once their presence
        or load allows: the customer's latest handler, while the item is younger
        than the preference's ``wait``, registered and not offline, in the
        queue, serving the channel, skilled enough for the step, and not among
        those who declined it."""
        item = ask.item
        handler = None if item.customer_id is None else self.handler.get(item.customer_id)
        for preference in queue.policy.prefer:
            wanted = preference.prefer(ask, handler, self.now)
            if wanted is None:
                continue
            until = preference.hold_until(ask)
            view = views.get(wanted)
            return (
                wanted != agent_id
                and until is not None
                and self.now < until
                and view is not None
                and view.presence is not Presence.OFFLINE
                and queue.admits(wanted)
                and wanted not in ask.declined
                and view.agent.serves(ask.channel)
                and view.profile.serves(ask.channel)
                and all(view.agent.skills.get(s, 0) >= n for s, n in ask.skills.items())
            )
        return False

    @invariant()
    def no_agent_with_room_idles_while_work_they_could_take_waits(self) -> None:
        """No waiting item could be given to an agent of the queue in force at
        its current overflow step who passes every filter of that queue's
        policy (available, serves the channel, has the skills at the step's
        levels, has room, never declined the item), unless a sticky preference
        may be holding the item for another agent (see ``_held_for_another``).

        Agents are rebuilt from public data and judged by the policy's own
        filters, so this is the policy's definition of eligible."""
        for dispatcher in (self.fast, self.full):
            views = self._views(dispatcher)
            for item in dispatcher.waiting():
                ask, queue = step_of(self.queues, item, self.now, self.declined[item.id])
                for agent_id, view in views.items():
                    if not queue.admits(agent_id):
                        continue
                    refusals = [
                        f.reject(view, ask, self.now)  # type: ignore[arg-type]
                        for f in queue.policy.filters
                    ]
                    if any(r is not None for r in refusals):
                        continue
                    if self._held_for_another(queue, ask, agent_id, views):
                        continue
                    raise AssertionError(
                        f"{item.id} waits at step {ask.step!r} of {queue.name!r} while "
                        f"{agent_id} could take it at {self.now:%H:%M:%S}"
                    )

    def teardown(self) -> None:
        """Replaying the same day on a fresh dispatcher gives the same decisions."""
        if not getattr(self, "script", None):
            return
        again = replay(self.config, self.script[: len(self.outcomes)])
        assert again == self.outcomes, "the same day replayed decided differently"


RoutingDay.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestRoutingDayKeepsEveryInvariant = RoutingDay.TestCase


# -- ageing ------------------------------------------------------------------------


WEIGHTS = {Priority.LOW: 0.0, Priority.NORMAL: 1.0, Priority.HIGH: 2.0, Priority.URGENT: 3.0}
ONE_AT_A_TIME = CapacityProfile(channels={"email": ChannelCapacity(units=1, limit=1)})


@settings(max_examples=100, deadline=None)
@given(
    per_level=st.sampled_from([1, 2, 5]),
    lows=st.lists(st.integers(0, 10), min_size=1, max_size=5),
    gaps=st.lists(st.integers(1, 2), min_size=1, max_size=6),
    services=st.lists(st.integers(2, 3), min_size=1, max_size=6),
    stream=st.lists(st.sampled_from([Priority.HIGH, Priority.URGENT]), min_size=1, max_size=4),
)
def test_priority_ageing_serves_every_item_within_its_bound(
    per_level: int, lows: list[int], gaps: list[int], services: list[int], stream: list[Priority]
) -> None:
    """One agent takes one item at a time, each for 2 to ``S`` = 3 minutes,
    while high and urgent work keeps arriving every 1 or 2 minutes, at least
    as fast as it is served: without ageing the low items would starve.

    Checked: each offer is the waiting item that ranks first under
    :class:`PriorityAgeing`; every low item is served while the stream still
    runs; and every item ``x`` is served within its bound. After
    ``T = created(x) + (max weight - weight(x)) * per_level`` nothing that
    arrives ranks ahead of ``x``, so::

        wait(x) <= (max weight - weight(x)) * per_level + S * (1 + ahead(x))

    where ``ahead(x)`` counts the items created by ``T`` that rank ahead of
    ``x`` and were not yet being served at ``T`` (the ``1`` is the item in
    service at ``T``). An item not yet served when the stream stops must not
    have passed its bound.
    """
    level = timedelta(minutes=per_level)
    order = PriorityAgeing(per_level=level)
    dispatcher = Dispatcher(
        [Queue("default", policy=Policy(order=order))], offer_timeout=None, on_timeout=None
    )
    agent = Agent(id="ag_solo", channels=["email"])
    dispatcher.add_agent(agent, profile=ONE_AT_A_TIME, presence="available", now=T0)
    top = max(WEIGHTS.values())
    most = timedelta(minutes=max(services))

    items = [
        WorkItem(
            id=f"low_{n}",
            channel="email",
            priority=Priority.LOW,
            created_at=T0 + timedelta(minutes=minute),
        )
        for n, minute in enumerate(sorted(lows))
    ]
    # Every low item has ranked first by `last_turn`; with at most `count`
    # items ahead of it, it is served by `last_turn + most * (count + 1)`.
    last_turn = items[-1].created_at + top * level
    at, n, end = T0, 0, None
    while end is None or at <= end:
        at += timedelta(minutes=gaps[n % len(gaps)])
        items.append(
            WorkItem(id=f"s_{n}", channel="email", priority=stream[n % len(stream)], created_at=at)
        )
        n += 1
        if end is None and at > last_turn:
            end = last_turn + most * (len(items) + 1)
    assert end is not None
    items.sort(key=lambda i: i.created_at)
    seq = {item.id: n for n, item in enumerate(items)}
    by_id = {item.id: item for item in items}

    def rank(item_id: str) -> Any:
        return (order.key(by_id[item_id]), seq[item_id])

    started: dict[str, datetime] = {}
    waiting: set[str] = set()
    finishing: list[tuple[datetime, str]] = []

    def follow(decisions: list[Decision], now: datetime) -> None:
        for d in decisions:
            if d.agent_id is None:
                continue
            assert d.item_id == min(waiting, key=rank), (d.item_id, sorted(waiting, key=rank))
            waiting.discard(d.item_id)
            started[d.item_id] = d.at
            dispatcher.accept(d.item_id, now=now)
            length = timedelta(minutes=services[len(started) % len(services)])
            heapq.heappush(finishing, (now + length, d.item_id))

    arrivals = list(reversed(items))
    while arrivals:
        if finishing and finishing[0][0] <= arrivals[-1].created_at:
            now, item_id = heapq.heappop(finishing)
            follow(dispatcher.complete(item_id, now=now, wrap_up=timedelta(0)), now)
        else:
            item = arrivals.pop()
            waiting.add(item.id)
            follow(dispatcher.submit(item, now=item.created_at), item.created_at)

    stop = items[-1].created_at
    never = stop + timedelta(days=1)
    for item in items:
        grace = (top - WEIGHTS[item.priority]) * level
        turn = item.created_at + grace
        ahead = sum(
            1
            for other in items
            if other.created_at <= turn
            and started.get(other.id, never) > turn
            and rank(other.id) < rank(item.id)
        )
        bound = grace + most * (1 + ahead)
        if item.id in started:
            assert started[item.id] - item.created_at <= bound, (item.id, bound)
        else:
            assert item.priority is not Priority.LOW, f"{item.id} never served"
            assert stop - item.created_at <= bound, (item.id, "passed its bound unserved")


# -- declined and timed-out items keep their age -----------------------------------


@settings(max_examples=100, deadline=None)
@given(
    ages=st.lists(st.integers(0, 600), min_size=2, max_size=6, unique=True),
    priority=st.sampled_from(list(Priority)),
    order=st.sampled_from([Fifo(), PriorityAgeing(per_level=timedelta(minutes=1))]),
    how=st.lists(st.sampled_from(["reject", "time out"]), min_size=1, max_size=4),
    on_timeout=st.sampled_from([None, Presence.AWAY]),
)
def test_declined_and_timed_out_items_keep_their_place_in_the_queue(
    ages: list[int],
    priority: Priority,
    order: QueueOrder,
    how: list[str],
    on_timeout: Presence | None,
) -> None:
    """Items of one priority arrive; a first agent turns down (or lets time
    out) the offers made to them; a second agent then takes the waiting work
    one item at a time. They get it oldest first: an item that came back keeps
    its original age and goes before newer waiting items."""
    now = T0 + timedelta(minutes=10)
    dispatcher = Dispatcher(
        [Queue("default", policy=Policy(order=order))],
        offer_timeout=timedelta(seconds=30),
        on_timeout=on_timeout,
    )
    dispatcher.add_agent(
        Agent(id="ag_picky", channels=["email"]),
        profile=ONE_AT_A_TIME,
        presence="available",
        now=now,
    )
    dispatcher.add_agent(Agent(id="ag_later", channels=["email"]), profile=ONE_AT_A_TIME, now=now)
    items = [
        WorkItem(
            id=f"it_{n}",
            channel="email",
            priority=priority,
            created_at=T0 + timedelta(seconds=age),
        )
        for n, age in enumerate(ages)
    ]
    for item in items:
        dispatcher.submit(item, now=now)
    returned: list[str] = []
    for way in how:
        offers = [o for o in dispatcher.offers() if o.agent_id == "ag_picky"]
        if not offers:
            break
        returned.append(offers[0].item_id)
        if way == "reject":
            dispatcher.reject(offers[0].item_id, now=now)
        else:
            now += timedelta(seconds=30)
            dispatcher.advance(now)
            dispatcher.set_presence("ag_picky", "available", now=now)
    dispatcher.set_presence("ag_picky", "busy", now=now)
    assert returned
    expected = sorted(dispatcher.waiting(), key=lambda i: (i.created_at, i.id))
    assert any(i.id in returned for i in expected)
    served = []
    for decision in dispatcher.set_presence("ag_later", "available", now=now):
        if decision.agent_id == "ag_later":
            served.append(decision.item_id)
    while True:
        mine = [o.item_id for o in dispatcher.offers() if o.agent_id == "ag_later"]
        if not mine:
            break
        dispatcher.accept(mine[0], now=now)
        now += timedelta(seconds=1)
        for decision in dispatcher.complete(mine[0], now=now, wrap_up=timedelta(0)):
            if decision.agent_id == "ag_later":
                served.append(decision.item_id)
    assert served == [i.id for i in expected]


# -- what the state machine found, as small examples --------------------------------


STICKY = Policy(prefer=(Sticky(wait=seconds(120)),))


def _sticky_day(
    *,
    queues: Iterable[Queue] | None = None,
    members: frozenset[str] | None = None,
    channels: tuple[str, ...] = ("chat",),
    auto_accept: bool = False,
) -> Dispatcher:
    """``ag_prev`` last handled ``cus_1``; ``ag_other`` (skilled in ``tech``)
    is free; both available."""
    dispatcher = Dispatcher(
        queues or [Queue("default", policy=STICKY, members=members)],
        offer_timeout=seconds(30),
        auto_accept=auto_accept,
    )
    dispatcher.add_agent(Agent(id="ag_prev", channels=channels), presence="available", now=T0)
    ag_other = Agent(id="ag_other", channels=["chat"], skills={"tech": 5})
    dispatcher.add_agent(ag_other, presence="available", now=T0)
    dispatcher.remember("ag_prev", at=T0 - timedelta(hours=1), customer_id="cus_1")
    return dispatcher


OVERFLOWS = {
    "overflowed to a step needing skills they lack": [
        Queue(
            "default",
            policy=STICKY,
            steps=(Step("first", until=seconds(30)), Step("secondary", use_secondary=True)),
        )
    ],
    "overflowed to a queue that does not hold work": [
        Queue(
            "billing",
            policy=STICKY,
            members={"ag_prev"},
            steps=(Step("first", until=seconds(30)), Step("general help", queue="general")),
        ),
        Queue("general"),
    ],
}


@pytest.mark.parametrize(
    "reason",
    [
        "declined it",
        "let the offer time out",
        "is not in the queue",
        "does not serve the channel",
        "went offline",
        "is no longer the latest handler",
        "was replaced as latest handler by push routing",
        *OVERFLOWS,
    ],
)
def test_a_sticky_hold_never_keeps_work_from_a_free_agent_for_someone_who_cannot_take_it(
    reason: str,
) -> None:
    """A sticky preference may keep a customer's work for their last agent a
    while. It must not keep it waiting, while another agent is free, for an
    agent who will never be offered it: one who declined it or let its offer
    time out, is not in the item's queue, does not serve its channel, went
    offline (the dispatcher never holds work for offline agents), or no longer
    qualifies once the item reaches its next overflow step; nor may it keep
    it from the customer's latest handler when that agent has room, nor wait
    for a new latest handler (made so by push routing) who cannot take it."""
    queue = "billing" if reason in OVERFLOWS and "queue" in reason else "default"
    item = WorkItem(
        id="it_1",
        channel="chat",
        queue=queue,
        customer_id="cus_1",
        secondary_skills={"tech": 5},
        created_at=T0,
    )
    now = T0
    if reason == "is not in the queue":
        dispatcher = _sticky_day(members=frozenset({"ag_other"}))
        decisions = dispatcher.submit(item, now=now)
    elif reason == "does not serve the channel":
        dispatcher = _sticky_day(channels=("email",))
        decisions = dispatcher.submit(item, now=now)
    elif reason in ("declined it", "let the offer time out"):
        dispatcher = _sticky_day()
        assert [d.agent_id for d in dispatcher.submit(item, now=now)] == ["ag_prev"]
        if reason == "declined it":
            now += seconds(5)
            decisions = dispatcher.reject(item.id, now=now)
        else:
            now += seconds(30)
            decisions = dispatcher.advance(now)
    else:
        push = reason == "was replaced as latest handler by push routing"
        dispatcher = _sticky_day(queues=OVERFLOWS.get(reason), auto_accept=push)
        dispatcher.set_presence("ag_prev", "busy", now=now)
        assert [d.agent_id for d in dispatcher.submit(item, now=now)] == [None]
        if reason == "went offline":
            now += seconds(5)
            decisions = dispatcher.set_presence("ag_prev", "offline", now=now)
        elif reason == "is no longer the latest handler":
            now += seconds(5)
            other = WorkItem(id="it_2", channel="chat", customer_id="cus_1", created_at=now)
            decisions = dispatcher.assign(other, "ag_other", now=now)
        elif push:
            # An email of the same customer goes, accepted at once, to an agent
            # who only answers email: they become the latest handler.
            dispatcher.add_agent(Agent(id="ag_mail", channels=["email"]), now=now)
            mail = WorkItem(id="it_2", channel="email", customer_id="cus_1", created_at=now)
            dispatcher.submit(mail, now=now)
            now += seconds(5)
            decisions = dispatcher.set_presence("ag_mail", "available", now=now)
            assert dispatcher.status("ag_mail").active == {"email": 1}
        else:
            now += seconds(30)
            decisions = dispatcher.advance(now)
    offered = {d.item_id: d.agent_id for d in decisions if d.agent_id is not None}
    assert offered.get(item.id) == "ag_other", (reason, dispatcher.state_of(item.id))


@pytest.mark.parametrize("on_timeout", [Presence.OFFLINE, Presence.AWAY])
def test_an_agent_who_goes_offline_through_a_timeout_hands_back_accepted_work(
    on_timeout: Presence,
) -> None:
    """With ``reclaim_on_offline``, an agent who goes offline hands back the
    non-exclusive work they accepted, whether they went offline themselves or
    were put offline for letting an offer time out (``on_timeout``)."""
    dispatcher = Dispatcher(offer_timeout=seconds(30), on_timeout=on_timeout)
    dispatcher.add_agent(Agent(id="ag_1", channels=["chat"]), presence="available", now=T0)
    dispatcher.assign(WorkItem(id="it_1", channel="chat", created_at=T0), "ag_1", now=T0)
    dispatcher.submit(WorkItem(id="it_2", channel="chat", created_at=T0), now=T0)
    dispatcher.advance(T0 + seconds(30))
    assert dispatcher.status("ag_1").presence is on_timeout
    if on_timeout is Presence.OFFLINE:
        assert dispatcher.state_of("it_1") == "waiting"
    else:
        assert dispatcher.state_of("it_1") == "assigned"


@settings(max_examples=40, deadline=None)
@given(
    rankers=RANKERS,
    shift=st.sampled_from([-1, 0, 1]),
    wrap_up=st.sampled_from([10, 30, 45]),
)
def test_fast_path_equals_full_scan_when_a_wrap_up_ends_as_a_step_begins(
    rankers: tuple[Any, ...], shift: int, wrap_up: int
) -> None:
    """``ana``'s call wrap-up ends within a second of the moment a waiting
    email reaches the step both agents qualify for; ``bo`` holds a chat. The
    fast path and the full scan must offer the email to the same agent at the
    same time, including when both events fall on the same instant."""

    def day(explain: bool) -> list[tuple[Any, ...]]:
        dispatcher = Dispatcher(
            [
                Queue(
                    "default",
                    policy=Policy(rankers=rankers),
                    steps=(Step("experts", until=seconds(60)), Step("anyone", lower_levels=5)),
                )
            ],
            explain=explain,
        )
        for name, channels in (("ana", ["phone", "email"]), ("bo", ["chat", "email"])):
            agent = Agent(id=name, skills={"billing": 5}, channels=channels)
            dispatcher.add_agent(agent, presence="available", now=T0)
        dispatcher.assign(WorkItem(id="call", channel="phone", created_at=T0), "ana", now=T0)
        dispatcher.assign(WorkItem(id="chat", channel="chat", created_at=T0), "bo", now=T0)
        email = WorkItem(id="mail", channel="email", skills={"billing": 8}, created_at=T0)
        dispatcher.submit(email, now=T0)
        finish = T0 + seconds(60 + shift - wrap_up)
        decisions = dispatcher.complete("call", now=finish, wrap_up=seconds(wrap_up))
        decisions += dispatcher.advance(T0 + seconds(120))
        return [signature(d) for d in decisions]

    assert day(explain=False) == day(explain=True)
