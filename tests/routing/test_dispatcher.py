"""The dispatcher, scenario by scenario: the complaints users have about today's
routing tools, offers and timeouts, overflow, stickiness, reasons and errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from omnicontext.errors import ConflictError, InvalidInput, NotFound
from omnicontext.model import Agent
from omnicontext.routing import (
    DEFAULT_FILTERS,
    BestSkillMatch,
    CapacityProfile,
    ChannelCapacity,
    Decision,
    Dispatcher,
    LeastOccupied,
    LongestIdle,
    MemoryLedger,
    Policy,
    PriorityAgeing,
    Queue,
    RoundRobin,
    Step,
    Sticky,
    WorkItem,
    filter_by,
    rank_by,
)
from omnicontext.workload.activity import PresenceSpan, WorkSpan

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def agent(
    name: str, *, channels: tuple[str, ...] = ("chat", "email", "phone"), **skills: int
) -> Agent:
    return Agent(id=name, channels=channels, skills=skills)


def item(name: str, when: float = 0, channel: str = "chat", **fields: Any) -> WorkItem:
    return WorkItem(id=name, channel=channel, created_at=at(when), **fields)


def who(decisions: list[Decision]) -> list[tuple[str, str | None]]:
    return [(d.item_id, d.agent_id) for d in decisions]


def team(d: Dispatcher, *names: str, when: float = 0, **skills: int) -> None:
    for name in names:
        d.add_agent(agent(name, **skills), presence="available", now=at(when))


# -- complaint 1: work offered to, or left with, agents who went offline or away


def test_an_offer_goes_back_to_the_queue_when_its_agent_goes_away() -> None:
    d = Dispatcher()
    team(d, "ana", "bob")
    assert who(d.submit(item("c1"), now=at(1))) == [("c1", "ana")]
    decisions = d.set_presence("ana", "away", now=at(2))
    assert who(decisions) == [("c1", "bob")]
    assert d.status("ana").holdings == ()


def test_offline_reclaims_accepted_async_work_but_not_a_call_in_progress() -> None:
    d = Dispatcher()
    team(d, "ana")
    d.submit(item("mail", channel="email"), now=at(1))
    d.accept("mail", now=at(2))
    d.add_agent(agent("bob"), presence="available", now=at(3))
    d.submit(item("call", channel="phone"), now=at(4))  # goes to bob: ana holds an email
    d.accept("call", now=at(5))
    d.set_presence("bob", "offline", now=at(6))
    assert d.state_of("call") == "assigned"
    assert [h.item_id for h in d.status("bob").holdings] == ["call"]
    decisions = d.set_presence("ana", "offline", now=at(7))
    assert d.state_of("mail") == "waiting"
    assert decisions[-1].agent_id is None
    assert d.waiting() == (item("mail", channel="email"),)


def test_work_is_never_offered_to_an_agent_who_is_not_available() -> None:
    d = Dispatcher()
    d.add_agent(agent("ana"), presence="away", now=at(0))
    d.add_agent(agent("bob"), presence="busy", now=at(0))
    d.add_agent(agent("cy"), presence="offline", now=at(0))
    assert who(d.submit(item("c1"), now=at(1))) == [("c1", None)]


def test_an_agent_who_lets_an_offer_time_out_is_set_away_and_the_item_moves_on() -> None:
    d = Dispatcher(offer_timeout=timedelta(seconds=20))
    team(d, "ana", "bob")
    d.submit(item("c1"), now=at(0))
    decisions = d.advance(at(25))
    assert who(decisions) == [("c1", "bob")]
    assert d.status("ana").presence == "away"


def test_timeouts_can_leave_presence_alone() -> None:
    d = Dispatcher(offer_timeout=timedelta(seconds=20), on_timeout=None)
    team(d, "ana", "bob")
    d.submit(item("c1"), now=at(0))
    d.advance(at(25))
    assert d.status("ana").presence == "available"


# -- complaint 2: uneven distribution


def test_load_counts_open_work_not_work_done_before() -> None:
    d = Dispatcher([Queue("default", policy=Policy(rankers=[LeastOccupied()]))])
    team(d, "ana", "bob")
    for n in range(20):  # ana handled many chats, all finished
        d.assign(item(f"old{n}", n), "ana", now=at(n))
        d.complete(f"old{n}", now=at(n + 0.5))
    d.assign(item("open", 30, channel="email"), "bob", now=at(30))  # bob holds one email
    assert who(d.submit(item("new", 31), now=at(31))) == [("new", "ana")]


def test_ties_rotate_instead_of_always_going_to_the_first_agent() -> None:
    d = Dispatcher([Queue("default", policy=Policy(rankers=[LeastOccupied()]))])
    team(d, "ana", "bob", "cy")
    got = []
    for n in range(6):
        got.extend(a for _, a in who(d.submit(item(f"c{n}", n), now=at(n))))
        d.accept(f"c{n}", now=at(n))
        d.complete(f"c{n}", now=at(n + 0.5))
    assert got == ["ana", "bob", "cy", "ana", "bob", "cy"]


def test_a_returning_agent_is_not_flooded_under_longest_idle() -> None:
    d = Dispatcher(auto_accept=True)
    team(d, "ana", "bob", "cy")
    d.set_presence("cy", "away", now=at(1))
    for n in range(4):  # ana and bob take turns while cy is away
        d.submit(item(f"c{n}", 10 + n), now=at(10 + n))
        d.complete(f"c{n}", now=at(10.5 + n))
    d.set_presence("cy", "available", now=at(100))
    firsts = [who(d.submit(item(f"n{n}", 200 + n), now=at(200 + n)))[0][1] for n in range(3)]
    assert sorted(firsts) == ["ana", "bob", "cy"]  # one each, cy not first in line for all


# -- complaint 3: capacity scoped wrongly or bypassed


def test_one_channels_load_counts_against_another() -> None:
    d = Dispatcher(auto_accept=True, explain=True)
    team(d, "ana")
    d.submit(item("chat1"), now=at(0))
    assert who(d.submit(item("call1", channel="phone"), now=at(1))) == [("call1", None)]
    decision = d.submit(item("call2", channel="phone"), now=at(2))[-1]
    assert "whole attention" in decision.reasons.removed["ana"]


def test_an_agent_on_a_call_is_offered_nothing_else_until_wrap_up_ends() -> None:
    d = Dispatcher(auto_accept=True)
    team(d, "ana")
    d.submit(item("call1", channel="phone"), now=at(0))
    assert who(d.submit(item("mail1", 1, channel="email"), now=at(1))) == [("mail1", None)]
    decisions = d.complete("call1", now=at(100))  # the default wrap-up is 60 s
    assert decisions == []
    assert d.status("ana").active == {"phone": 1}
    assert who(d.advance(at(160))) == [("mail1", "ana")]


def test_manual_assignment_cannot_bypass_capacity() -> None:
    d = Dispatcher(auto_accept=True)
    team(d, "ana")
    for n in range(3):
        d.assign(item(f"c{n}"), "ana", now=at(n))
    with pytest.raises(ConflictError, match="chat limit"):
        d.assign(item("c9"), "ana", now=at(5))
    assert d.status("ana").active == {"chat": 3}


def test_capacity_is_per_agent_across_queues() -> None:
    queues = [Queue("sales"), Queue("support")]
    d = Dispatcher(queues, auto_accept=True)
    d.add_agent(agent("ana"), presence="available", now=at(0))
    d.add_agent(agent("ana2", channels=("chat",)), presence="away", now=at(0))
    for n, q in enumerate(["sales", "support", "sales"]):
        d.submit(item(f"c{n}", n, queue=q), now=at(n))
    decision = d.submit(item("c3", 3, queue="support"), now=at(3))[-1]
    assert decision.agent_id is None
    assert d.status("ana").active == {"chat": 3}


# -- complaint 4: a real queue


def test_freed_capacity_serves_the_oldest_waiting_item_before_a_new_arrival() -> None:
    d = Dispatcher(auto_accept=True)
    d.add_agent(
        agent("ana"),
        profile=d_profile_one_chat(),
        presence="available",
        now=at(0),
    )
    d.submit(item("first"), now=at(0))
    d.submit(item("waiting", 1), now=at(1))
    decisions = d.complete("first", now=at(10))
    assert who(decisions) == [("waiting", "ana")]
    assert who(d.submit(item("newer", 11), now=at(11))) == [("newer", None)]


def d_profile_one_chat() -> Any:
    from omnicontext.routing import CapacityProfile

    return CapacityProfile(channels={"chat": ChannelCapacity(units=1, limit=1)})


def test_a_declined_item_keeps_its_original_age() -> None:
    d = Dispatcher()
    d.add_agent(agent("ana"), profile=d_profile_one_chat(), presence="available", now=at(0))
    d.add_agent(agent("bob"), profile=d_profile_one_chat(), presence="away", now=at(0))
    d.submit(item("old"), now=at(0))
    d.submit(item("new", 5), now=at(5))
    d.submit(item("newest", 6), now=at(6))
    decisions = d.reject("old", now=at(7))
    assert who(decisions) == [("old", None), ("new", "ana")]
    assert [i.id for i in d.waiting()] == ["old", "newest"]
    assert who(d.set_presence("bob", "available", now=at(8))) == [("old", "bob")]


def test_priority_with_ageing_orders_the_queue() -> None:
    policy = Policy(order=PriorityAgeing(per_level=timedelta(minutes=5)))
    d = Dispatcher([Queue("default", policy=policy)], auto_accept=True)
    d.submit(item("low-old", 0, priority="low"), now=at(0))
    d.submit(item("urgent-new", 600, priority="urgent"), now=at(600))
    d.submit(item("urgent-newer", 1000, priority="urgent"), now=at(1000))
    assert [i.id for i in d.waiting()] == ["urgent-new", "low-old", "urgent-newer"]


# -- complaint 5: races between routers


def test_two_dispatchers_sharing_a_ledger_never_give_one_item_to_two_agents() -> None:
    ledger = MemoryLedger()
    one, two = Dispatcher(ledger=ledger), Dispatcher(ledger=ledger)
    team(one, "ana")
    team(two, "bob")
    assert who(one.submit(item("c1"), now=at(1))) == [("c1", "ana")]
    decision = two.submit(item("c1"), now=at(2))[-1]
    assert decision.agent_id is None
    assert "held by agent 'ana'" in decision.reasons.removed["bob"]
    assert "another router" in decision.reasons.note
    with pytest.raises(NotFound):
        two.state_of("c1")


def test_a_dispatcher_learns_capacity_taken_by_another_router() -> None:
    ledger = MemoryLedger()
    one, two = Dispatcher(ledger=ledger), Dispatcher(ledger=ledger)
    team(one, "ana")
    team(two, "ana")
    one.submit(item("call", channel="phone"), now=at(1))
    decision = two.submit(item("mail", channel="email"), now=at(2))[-1]
    assert decision.agent_id is None
    assert "ledger: busy with phone" in decision.reasons.removed["ana"]
    assert [h.item_id for h in two.status("ana").holdings] == ["call"]


# -- overflow


def overflow_queues() -> list[Queue]:
    return [
        Queue(
            "billing",
            steps=(
                Step("experts", until=timedelta(seconds=30)),
                Step("optional dropped", until=timedelta(seconds=60), drop_optional=True),
                Step("secondary", until=timedelta(seconds=90), use_secondary=True),
                Step("general", queue="general", drop_skills=True),
            ),
        ),
        Queue("general", members={"gus"}),
    ]


def test_overflow_steps_widen_by_total_age() -> None:
    d = Dispatcher(overflow_queues())
    d.add_agent(agent("fluent", billing=8), presence="available", now=at(0))
    d.add_agent(agent("sales", sales=5), presence="available", now=at(0))
    d.add_agent(agent("gus"), presence="available", now=at(0))
    d.set_presence("fluent", "busy", now=at(0))
    work = item(
        "b1",
        0,
        queue="billing",
        skills={"billing": 6},
        optional_skills={"french": 5},
        secondary_skills={"sales": 3},
    )
    first = d.submit(work, now=at(0))[-1]
    assert (first.agent_id, first.step) == (None, "experts")
    d.set_presence("fluent", "available", now=at(10))  # lacks french: still waits
    assert d.state_of("b1") == "waiting"
    decisions = d.advance(at(31))
    assert who(decisions) == [("b1", "fluent")]
    assert decisions[0].step == "optional dropped"
    assert "overflow step 2 of 4" in decisions[0].reasons.note


def test_overflow_reaches_another_queue_and_its_agents() -> None:
    d = Dispatcher(overflow_queues())
    d.add_agent(agent("gus"), presence="available", now=at(0))
    d.submit(item("b1", 0, queue="billing", skills={"billing": 6}), now=at(0))
    assert not any(x.offered for x in d.advance(at(89)))
    decisions = d.advance(at(90))
    assert who(decisions) == [("b1", "gus")]
    assert (decisions[0].queue, decisions[0].step) == ("general", "general")


def test_an_item_already_old_on_arrival_starts_at_its_overflow_step() -> None:
    d = Dispatcher(overflow_queues())
    d.add_agent(agent("gus"), presence="available", now=at(0))
    decision = d.submit(item("b1", 0, queue="billing", skills={"x": 9}), now=at(200))[-1]
    assert (decision.agent_id, decision.step) == ("gus", "general")


# -- stickiness


def sticky_dispatcher(wait: float = 30) -> Dispatcher:
    policy = Policy(prefer=[Sticky(wait=timedelta(seconds=wait))], rankers=[LongestIdle()])
    return Dispatcher([Queue("default", policy=policy)], auto_accept=True)


def test_sticky_sends_the_call_to_the_agent_who_handled_the_chat() -> None:
    d = sticky_dispatcher()
    team(d, "ana", "bob", "cy")
    d.remember("cy", customer_id="cus_1", at=at(-600))
    decision = d.submit(item("call", 0, channel="phone", customer_id="cus_1"), now=at(0))[-1]
    assert decision.agent_id == "cy"
    assert "sticky: offered to cy" in decision.reasons.note


def test_sticky_waits_for_a_busy_agent_then_falls_back() -> None:
    d = sticky_dispatcher(wait=30)
    team(d, "ana", "bob")
    d.submit(item("call0", 0, channel="phone"), now=at(0))  # ana on a call
    d.remember("ana", customer_id="cus_1", at=at(-60))
    held = d.submit(item("chat", 1, customer_id="cus_1"), now=at(1))[-1]
    assert held.agent_id is None
    assert "waiting for ana" in held.reasons.note
    # bob frees up but the item is held for ana
    assert d.state_of("chat") == "waiting"
    assert who(d.advance(at(31))) == [("chat", "bob")]


def test_sticky_takes_the_items_preferred_agent() -> None:
    d = sticky_dispatcher()
    team(d, "ana", "bob")
    decision = d.submit(item("c", 0, preferred_agent="bob"), now=at(0))[-1]
    assert decision.agent_id == "bob"


def test_an_accepted_item_makes_its_agent_the_customers_handler() -> None:
    d = sticky_dispatcher()
    team(d, "ana", "bob")
    d.submit(item("c1", 0, customer_id="cus_1"), now=at(0))  # ana
    d.submit(item("c2", 1), now=at(1))  # bob
    d.complete("c1", now=at(5))
    decision = d.submit(item("c3", 6, customer_id="cus_1"), now=at(6))[-1]
    assert decision.agent_id == "ana"


# -- reasons


def test_explain_names_the_filter_that_removed_each_agent() -> None:
    d = Dispatcher(explain=True)
    d.add_agent(agent("novice", billing=2), presence="available", now=at(0))
    d.add_agent(agent("away", billing=9), presence="away", now=at(0))
    d.add_agent(agent("mailer", channels=("email",), billing=9), presence="available", now=at(0))
    d.add_agent(agent("pro", billing=7), presence="available", now=at(0))
    d.add_agent(agent("pro2", billing=9), presence="available", now=at(0))
    decision = d.submit(item("c1", skills={"billing": 5}), now=at(1))[-1]
    reasons = decision.reasons
    assert decision.agent_id == "pro"
    assert reasons.complete
    assert reasons.eligible == ("pro", "pro2")
    assert reasons.removed == {
        "novice": "skills: billing 2 < 5",
        "away": "presence: is away",
        "mailer": "channel: does not serve chat",
    }
    text = reasons.describe()
    assert "novice: skills: billing 2 < 5" in text
    assert "eligible, best first:\n  pro: idle since 2026-01-05T09:00:00+00:00" in text


def test_the_fast_path_says_it_stopped_at_the_winner() -> None:
    d = Dispatcher()
    team(d, "ana", "bob")
    decision = d.submit(item("c1"), now=at(1))[-1]
    assert decision.reasons.eligible == ("ana",)
    assert not decision.reasons.complete
    assert "not examined" in decision.reasons.describe()


def test_a_custom_filter_and_ranker_compose_with_ours() -> None:
    french = filter_by(
        "language",
        lambda a, ask, now: (
            None
            if ask.item.attributes.get("lang") != "fr" or a.agent.skill_level("french")
            else "no french"
        ),
    )
    senior = rank_by("seniority", lambda a, ask, now: -a.agent.skill_level("years"))
    policy = Policy(filters=(*DEFAULT_FILTERS, french), rankers=(senior, LongestIdle()))
    d = Dispatcher([Queue("default", policy=policy)], explain=True)
    d.add_agent(agent("ana", years=2), presence="available", now=at(0))
    d.add_agent(agent("bob", years=9, french=3), presence="available", now=at(0))
    d.add_agent(agent("cy", years=4, french=6), presence="available", now=at(0))
    decision = d.submit(item("c1", attributes={"lang": "fr"}), now=at(1))[-1]
    assert decision.agent_id == "bob"
    assert decision.reasons.removed == {"ana": "language: no french"}
    assert [a for a, _ in decision.reasons.ranking] == ["bob", "cy"]


def test_best_skill_match_prefers_the_strongest_agent() -> None:
    d = Dispatcher([Queue("default", policy=Policy(rankers=[BestSkillMatch()]))])
    d.add_agent(agent("ok", billing=5), presence="available", now=at(0))
    d.add_agent(agent("best", billing=9), presence="available", now=at(0))
    assert who(d.submit(item("c1", skills={"billing": 4}), now=at(1))) == [("c1", "best")]


def test_round_robin_rotates_through_agents() -> None:
    d = Dispatcher([Queue("default", policy=Policy(rankers=[RoundRobin()]))], auto_accept=True)
    team(d, "ana", "bob")
    got = [who(d.submit(item(f"m{n}", n, channel="email"), now=at(n)))[0][1] for n in range(4)]
    assert got == ["ana", "bob", "ana", "bob"]


# -- activity


def test_finished_work_and_presence_are_reported_as_spans() -> None:
    spans: list[WorkSpan | PresenceSpan] = []
    d = Dispatcher(on_activity=spans.append)
    team(d, "ana")
    d.submit(item("call", channel="phone"), now=at(0))
    d.accept("call", now=at(3))
    d.complete("call", now=at(63), wrap_up=timedelta(seconds=20))
    d.set_presence("ana", "away", now=at(100))
    work = [s for s in spans if isinstance(s, WorkSpan)]
    assert len(work) == 1
    assert (work[0].start, work[0].end, work[0].wrap_up_end) == (at(3), at(63), at(83))
    assert work[0].exclusive
    presence = [s for s in spans if isinstance(s, PresenceSpan)]
    assert [(p.presence, p.start, p.end) for p in presence] == [("available", at(0), at(100))]


# -- errors


def test_time_never_goes_backwards() -> None:
    d = Dispatcher()
    d.advance(at(10))
    with pytest.raises(InvalidInput) as err:
        d.advance(at(5))
    assert err.value.field == "now"


def test_naive_times_are_refused() -> None:
    d = Dispatcher()
    with pytest.raises(InvalidInput, match="timezone-aware"):
        d.advance(datetime(2026, 1, 5, 9, 0))


def test_no_clock_and_no_now_is_an_error_naming_now() -> None:
    with pytest.raises(InvalidInput) as err:
        Dispatcher().advance()
    assert err.value.field == "now"


def test_a_clock_supplies_now() -> None:
    d = Dispatcher(clock=lambda: at(42))
    team(d, "ana")
    assert d.submit(item("c1"))[-1].at == at(42)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda d: d.submit(item("x", queue="nope"), now=at(1)), "queue"),
        (lambda d: d.submit(item("x", 5), now=at(1)), "created_at"),
        (lambda d: d.accept("c1", now=at(1)), "item_id"),
        (lambda d: d.complete("c1", now=at(1)), "item_id"),
        (lambda d: d.set_presence("ana", "sleeping", now=at(1)), "presence"),
        (lambda d: d.submit("not an item", now=at(1)), "item"),
    ],
)
def test_bad_calls_name_the_field(call: Any, field: str) -> None:
    d = Dispatcher()
    d.submit(item("c1"), now=at(0))
    d.add_agent(agent("ana"), now=at(0))
    with pytest.raises(InvalidInput) as err:
        call(d)
    assert err.value.field == field


def test_unknown_things_are_not_found() -> None:
    d = Dispatcher()
    with pytest.raises(NotFound):
        d.set_presence("ghost", "available", now=at(0))
    with pytest.raises(NotFound):
        d.accept("ghost", now=at(0))
    with pytest.raises(NotFound):
        d.waiting("ghost")


def test_duplicates_are_conflicts() -> None:
    d = Dispatcher()
    team(d, "ana")
    d.submit(item("c1"), now=at(0))
    with pytest.raises(ConflictError):
        d.submit(item("c1"), now=at(1))
    with pytest.raises(ConflictError):
        d.add_agent(agent("ana"), now=at(1))


def test_queue_configuration_is_checked() -> None:
    with pytest.raises(InvalidInput) as err:
        Dispatcher(
            [Queue("a", steps=(Step("x", until=timedelta(seconds=5)), Step("y", queue="b")))]
        )
    assert err.value.field == "a.steps[1].queue"
    with pytest.raises(InvalidInput):
        Dispatcher([Queue("a"), Queue("a")])
    with pytest.raises(InvalidInput) as err:
        Dispatcher(offer_timeout=timedelta(0))
    assert err.value.field == "offer_timeout"


def test_an_agent_holding_work_cannot_be_removed() -> None:
    d = Dispatcher(auto_accept=True)
    team(d, "ana")
    d.submit(item("c1", channel="phone"), now=at(0))
    with pytest.raises(ConflictError, match="still holds"):
        d.remove_agent("ana", now=at(1))
    d.complete("c1", now=at(2), wrap_up=timedelta(0))
    d.remove_agent("ana", now=at(3))
    assert d.agents() == ()


# -- customers who leave before anyone takes their work


def test_a_caller_who_hangs_up_in_the_queue_leaves_it() -> None:
    steps = (Step("first", until=timedelta(seconds=30)), Step("wider"))
    d = Dispatcher(queues=[Queue("calls", steps=steps)])
    d.add_agent(agent("ana"), presence="busy", now=at(0))
    d.submit(item("c1", channel="phone", queue="calls"), now=at(1))
    d.submit(item("c2", channel="phone", queue="calls"), now=at(2))
    assert d.withdraw("c1", now=at(10)) == []
    assert [i.id for i in d.waiting()] == ["c2"]
    with pytest.raises(NotFound):
        d.state_of("c1")
    # c1's overflow step falls due and finds nothing; c2 moves on a step, then the
    # agent gets it.
    assert who(d.set_presence("ana", "available", now=at(40))) == [("c2", None), ("c2", "ana")]


def test_an_offer_withdrawn_frees_its_agent_for_the_next_item_at_once() -> None:
    d = Dispatcher()
    one_chat = CapacityProfile(channels={"chat": ChannelCapacity(units=1, limit=1)})
    d.add_agent(agent("ana"), profile=one_chat, presence="available", now=at(0))
    assert who(d.submit(item("c1"), now=at(1))) == [("c1", "ana")]
    assert who(d.submit(item("c2"), now=at(2))) == [("c2", None)]
    assert who(d.withdraw("c1", now=at(3))) == [("c2", "ana")]
    assert [h.item_id for h in d.status("ana").holdings] == ["c2"]


def test_accepted_work_is_not_withdrawn_and_unknown_items_are_not_found() -> None:
    d = Dispatcher(auto_accept=True)
    team(d, "ana")
    d.submit(item("c1"), now=at(1))
    with pytest.raises(InvalidInput, match="complete"):
        d.withdraw("c1", now=at(2))
    with pytest.raises(NotFound):
        d.withdraw("nobody", now=at(2))


def test_next_due_says_when_to_advance() -> None:
    d = Dispatcher(offer_timeout=timedelta(seconds=30))
    assert d.next_due() is None
    team(d, "ana")
    d.submit(item("c1"), now=at(1))
    assert d.next_due() == at(31)  # the offer times out then
    d.accept("c1", now=at(5))
    d.complete("c1", now=at(65), wrap_up=timedelta(seconds=20))
    due = d.next_due()
    assert due is not None
    assert due <= at(85)
    d.advance(at(85))
    assert d.status("ana").holdings == ()


def test_work_handed_back_when_its_agent_leaves_is_reported_as_worked_until_then() -> None:
    spans: list[WorkSpan | PresenceSpan] = []
    d = Dispatcher(auto_accept=True, on_activity=spans.append)
    team(d, "ana")
    d.submit(item("c1"), now=at(50))
    d.set_presence("ana", "offline", now=at(100))  # a chat: taken back, not kept
    [worked] = [s for s in spans if isinstance(s, WorkSpan)]
    assert (worked.item_id, worked.start, worked.end, worked.wrap_up_end) == (
        "c1",
        at(50),
        at(100),
        None,
    )
    assert [i.id for i in d.waiting()] == ["c1"]
