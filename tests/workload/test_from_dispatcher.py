"""Occupancy and overload measured from what the dispatcher reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from omnicontext.model import Agent
from omnicontext.routing import Dispatcher, WorkItem
from omnicontext.workload import (
    AlertKind,
    OverloadRules,
    PresenceSpan,
    WorkSpan,
    detect_overload,
    measure_occupancy,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_occupancy_from_the_dispatchers_spans_matches_the_hand_count() -> None:
    spans: list[WorkSpan | PresenceSpan] = []
    d = Dispatcher(on_activity=spans.append, auto_accept=True)
    d.add_agent(Agent(id="ana", channels=["phone", "chat"]), presence="available", now=at(0))
    d.add_agent(Agent(id="bob", channels=["chat"]), presence="away", now=at(0))
    d.submit(WorkItem(id="call", channel="phone", created_at=at(10)), now=at(10))
    d.complete("call", now=at(30))  # 20 minutes, then 60 s wrap-up
    d.set_presence("bob", "available", now=at(30))
    d.flush_activity(now=at(60))

    work = [s for s in spans if isinstance(s, WorkSpan)]
    presence = [s for s in spans if isinstance(s, PresenceSpan)]
    report = measure_occupancy(work, presence, start=at(0), end=at(60))
    ana = report.agents["ana"]
    # Busy 09:10-09:31 (talk plus wrap-up) over a 60-minute available hour.
    assert ana.busy_seconds == 21 * 60
    assert ana.on_duty_seconds == 60 * 60
    assert ana.occupancy.value == 21 / 60
    bob = report.agents["bob"]
    # Away for 30 minutes, available (and idle) for 30: on duty half the hour.
    assert bob.on_duty_seconds == 30 * 60
    assert bob.busy_seconds == 0
    assert bob.utilisation.value == 0


def test_an_agent_kept_full_for_hours_gets_sustained_load_and_no_break_alerts() -> None:
    spans: list[WorkSpan | PresenceSpan] = []
    d = Dispatcher(on_activity=spans.append, auto_accept=True)
    d.add_agent(Agent(id="ana", channels=["chat"]), presence="available", now=at(0))
    for n in range(3):
        d.submit(WorkItem(id=f"c{n}", channel="chat", created_at=at(n)), now=at(n))
    for n in range(3):
        d.complete(f"c{n}", now=at(200 + n))
    work = [s for s in spans if isinstance(s, WorkSpan)]
    alerts = detect_overload(
        work, rules=OverloadRules(sustained_load=0.9, sustained_window=timedelta(minutes=60))
    )
    kinds = {a.kind for a in alerts}
    # Three chats of a third each for over three hours: full load, sustained,
    # and no break; never above the chat limit, because routing kept to it.
    assert AlertKind.SUSTAINED_LOAD in kinds
    assert AlertKind.NO_BREAK in kinds
    assert AlertKind.CONCURRENCY not in kinds
    assert AlertKind.OVER_CAPACITY not in kinds
    assert all(a.agent_id == "ana" for a in alerts)
