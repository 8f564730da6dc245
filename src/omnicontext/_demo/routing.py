"""The demo's routing: Ada's phone call goes to the agent who handled her chat.

Five agents work the bank's card queue that morning. When Ada's call comes in
at 09:41, Funmi has been idle longest, so longest-idle routing alone would
send the call to her, and Ada would tell her story a fourth time. The queue's
policy prefers the agent who last handled the case (sticky), learnt from the
case's interactions in the store: Tomás, who ran the chat and has been free
since 09:32. The dispatcher explains the decision agent by agent.

>>> from omnicontext.storage import open_store
>>> from omnicontext._demo import scenario
>>> with open_store("memory://") as store:
...     _ = scenario.load(store)
...     routed = route_call(store)
>>> routed.decision.agent_id, routed.without_sticky
('ag_tomas', 'ag_funmi')
"""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from omnicontext.model import Agent, Call
from omnicontext.routing import (
    Decision,
    Dispatcher,
    LongestIdle,
    Policy,
    Queue,
    Sticky,
    WorkItem,
)
from omnicontext.storage import Store

__all__ = ["AGENTS", "CALL_ID", "RoutedCall", "route_call"]

CALL_ID = "ada-call-1"

AGENTS = (
    Agent(
        id="ag_priya",
        display_name="Priya",
        channels=("social_public", "social_private", "email"),
        skills={"social": 8, "cards": 4},
    ),
    Agent(id="ag_tomas", display_name="Tomás", channels=("chat", "phone"), skills={"cards": 7}),
    Agent(id="ag_funmi", display_name="Funmi", channels=("phone",), skills={"cards": 8}),
    Agent(id="ag_ola", display_name="Ola", channels=("phone", "email"), skills={"cards": 6}),
    Agent(id="ag_sam", display_name="Sam", channels=("phone",), skills={"loans": 7}),
)
"""The card team on the morning of the story."""


@attrs.frozen
class RoutedCall:
    """The call's routing: the decision, the policy, and who would have got it
    without stickiness."""

    decision: Decision
    policy: Policy
    without_sticky: str | None
    item: WorkItem


def _team(policy: Policy, day: datetime) -> Dispatcher:
    """The team as it stands just before the call: who is on a break, who is on
    another call, who has been free since when."""
    d = Dispatcher([Queue("cards", policy=policy)], auto_accept=True, explain=True)

    def at(hour: int, minute: int, second: int = 0) -> datetime:
        return day.replace(hour=hour, minute=minute, second=second)

    d.add_agent(AGENTS[2], presence="available", now=at(9, 0))  # Funmi, free since 09:00
    d.add_agent(AGENTS[0], presence="available", now=at(9, 5))
    d.add_agent(AGENTS[3], presence="available", now=at(9, 5))
    d.add_agent(AGENTS[1], presence="available", now=at(9, 5))
    chat = WorkItem(id="ada-chat", queue="cards", channel="chat", created_at=at(9, 27))
    d.assign(chat, "ag_tomas", now=at(9, 27))
    d.complete("ada-chat", now=at(9, 32, 40))
    other = WorkItem(id="other-call", queue="cards", channel="phone", created_at=at(9, 35))
    d.assign(other, "ag_ola", now=at(9, 35))
    d.set_presence("ag_priya", "away", now=at(9, 36))
    d.add_agent(AGENTS[4], presence="available", now=at(9, 38))
    return d


def route_call(store: Store) -> RoutedCall:
    """Route the story's phone call through a dispatcher that learnt the case's
    handlers from the store, and again without stickiness for comparison."""
    call = store.interactions.get(CALL_ID)
    assert isinstance(call, Call)
    local = call.occurred_at
    item = WorkItem(
        id=call.id,
        queue="cards",
        channel=call.channel,
        case_id=call.case_id,
        customer_id=call.customer_id,
        skills={"cards": 5},
        created_at=call.occurred_at,
    )
    sticky = Policy(prefer=[Sticky(window=timedelta(hours=8))], rankers=[LongestIdle()])
    dispatcher = _team(sticky, local)
    page = store.interactions.case_timeline(call.case_id or "", limit=1000)
    history = [i for i in page if i.occurred_at < local]
    dispatcher.learn(history)
    decision = dispatcher.submit(item, now=local)[-1]
    plain = _team(Policy(rankers=[LongestIdle()]), local)
    without = plain.submit(item, now=local)[-1].agent_id
    return RoutedCall(decision=decision, policy=sticky, without_sticky=without, item=item)
