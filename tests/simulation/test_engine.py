"""The simulator, on small days worked by hand: fixed durations and hand-made
arrivals, so every wait, abandonment and second of occupancy can be checked."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from omnicontext.errors import InvalidInput
from omnicontext.model import Agent
from omnicontext.routing import Queue
from omnicontext.simulation import (
    Arrival,
    ChannelResult,
    Exponential,
    Fixed,
    LogNormal,
    Scenario,
    Shift,
    SimulationResult,
    Staff,
    Traffic,
    generate_arrivals,
    simulate,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def secs(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def contact(
    name: str, when: float, handle: float = 60.0, channel: str = "phone", **fields: Any
) -> Arrival:
    return Arrival(id=name, channel=channel, at=at(when), handle_seconds=handle, **fields)


def member(
    name: str,
    *channels: str,
    shifts: Sequence[Shift] = (),
    skills: dict[str, int] | None = None,
) -> Staff:
    agent = Agent(id=name, channels=channels or ("phone",), skills=skills or {})
    return Staff(agent, shifts=tuple(shifts))


def run(staff: Sequence[Staff], arrivals: Sequence[Arrival], **scenario: Any) -> SimulationResult:
    """Replay ``arrivals``; contacts are bucketed per second so that
    :func:`fate` can read one contact's outcome back."""
    scenario.setdefault("interval", secs(1))
    return simulate(Scenario(start=T0, traffic=[], staff=staff, **scenario), arrivals=arrivals)


def fate(result: SimulationResult, when: float, channel: str = "phone") -> ChannelResult:
    """The outcome of the contacts that arrived at second ``when``."""
    return result.by_interval[at(when)][channel]


def wait_of(result: SimulationResult, when: float, channel: str = "phone") -> float | None:
    """How long the one contact arriving at ``when`` waited to be answered."""
    outcome = fate(result, when, channel)
    assert outcome.offered == 1
    return outcome.wait.mean


# -- one agent, two calls -------------------------------------------------------


def test_second_call_waits_for_the_first() -> None:
    result = run(
        [member("ana")],
        [contact("c1", 0, wrap_up_seconds=0), contact("c2", 10, wrap_up_seconds=0)],
    )
    overall = result.overall
    assert (overall.offered, overall.answered, overall.abandoned, overall.unserved) == (2, 2, 0, 0)
    assert wait_of(result, 0) == 0
    assert wait_of(result, 10) == 50
    assert overall.wait.mean == 25
    assert overall.wait.n == 2
    assert (overall.service_level.count, overall.service_level.n) == (1, 2)
    assert overall.service_level.value == 50.0
    assert overall.service_level.threshold_seconds == 20.0
    assert (overall.waited.count, overall.waited.n) == (1, 2)
    # Busy 0-60 and 60-120 of a 120 s run, on duty throughout.
    assert result.end == at(120)
    ana = result.occupancy["ana"]
    assert (ana.count, ana.n) == (120, 120)
    assert ana.value == pytest.approx(100.0)
    assert result.occupancy["(all)"] == ana
    assert result.max_concurrency == {"ana": 1}
    assert result.by_channel["phone"] == overall
    assert result.offered == 2


def test_service_level_threshold_is_inclusive() -> None:
    result = run(
        [member("ana")],
        [contact("c1", 0, wrap_up_seconds=0), contact("c2", 40, wrap_up_seconds=0)],
        service_level_seconds=20,
    )
    assert wait_of(result, 40) == 20
    assert result.overall.service_level.count == 2


def test_occupancy_counts_idle_time_on_duty() -> None:
    # Busy 0-60 and 100-160; idle (available) 60-100. Occupancy = 120 / 160.
    result = run(
        [member("ana")],
        [contact("c1", 0, wrap_up_seconds=0), contact("c2", 100, wrap_up_seconds=0)],
    )
    assert result.end == at(160)
    ana = result.occupancy["ana"]
    assert (ana.count, ana.n) == (120, 160)
    assert ana.value == pytest.approx(75.0)


def test_an_idle_agent_is_zero_percent_occupied() -> None:
    result = run([member("ana"), member("ben")], [contact("c1", 0, wrap_up_seconds=0)])
    assert result.end == at(60)
    assert result.occupancy["ana"].value == pytest.approx(100.0)
    assert result.occupancy["ben"].value == pytest.approx(0.0)
    assert result.occupancy["ben"].n == 60
    assert result.occupancy["(all)"].value == pytest.approx(50.0)


# -- wrap-up ---------------------------------------------------------------------


def test_default_wrap_up_is_the_profiles() -> None:
    # Phone wrap-up is 60 s in the default profile: c1 holds ana 0-120, c2 is
    # answered at 120 and waits 110.
    result = run([member("ana")], [contact("c1", 0), contact("c2", 10), contact("c3", 500)])
    assert wait_of(result, 0) == 0
    assert wait_of(result, 10) == 110
    assert wait_of(result, 500) == 0
    # c3: 500-560, wrap-up to 620; busy 0-240 and 500-620.
    assert result.end == at(620)
    assert result.occupancy["ana"].count == 360


def test_explicit_wrap_up_overrides_the_profile() -> None:
    result = run(
        [member("ana")],
        [
            contact("c1", 0, wrap_up_seconds=15),
            contact("c2", 10, wrap_up_seconds=0),
            contact("c3", 300, wrap_up_seconds=0),
        ],
    )
    # c1 holds ana 0-75; c2 is answered at 75 and ends at 135.
    assert wait_of(result, 10) == 65
    assert result.occupancy["ana"].count == 135 + 60


def test_work_answered_after_the_last_event_is_finished() -> None:
    # c2 is answered when c1's wrap-up ends (120), after every arrival has been
    # processed; its call (120-180) and wrap-up (to 240) must still be run.
    result = run([member("ana")], [contact("c1", 0), contact("c2", 10)])
    assert wait_of(result, 10) == 110
    assert result.end == at(240)
    ana = result.occupancy["ana"]
    assert (ana.count, ana.n) == (240, 240)
    assert result.max_concurrency == {"ana": 1}


# -- abandonment -----------------------------------------------------------------


def test_caller_abandons_when_patience_runs_out() -> None:
    result = run(
        [member("ana")],
        [contact("c1", 0, wrap_up_seconds=0), contact("c2", 0, patience_seconds=30)],
    )
    overall = result.overall
    assert (overall.answered, overall.abandoned, overall.unserved) == (1, 1, 0)
    assert overall.abandoned_wait.mean == 30
    assert overall.abandoned_wait.n == 1
    # The abandoned caller is in the denominator of the service level.
    assert (overall.service_level.count, overall.service_level.n) == (1, 2)
    assert (overall.abandonment.count, overall.abandonment.n) == (1, 2)
    assert overall.waited.count == 1
    assert overall.wait.n == 1
    # The agent is not held by the caller who left.
    assert result.end == at(60)


def test_patient_caller_is_answered() -> None:
    result = run(
        [member("ana")],
        [
            contact("c1", 0, wrap_up_seconds=0),
            contact("c2", 10, patience_seconds=90, wrap_up_seconds=0),
        ],
    )
    assert wait_of(result, 10) == 50
    assert result.overall.abandoned == 0
    assert result.overall.abandoned_wait.n == 0


def test_answered_at_once_never_abandons() -> None:
    result = run([member("ana")], [contact("c1", 0, patience_seconds=0, wrap_up_seconds=0)])
    assert (result.overall.answered, result.overall.abandoned) == (1, 0)


def test_zero_patience_in_a_queue_abandons_at_once() -> None:
    result = run(
        [member("ana")],
        [contact("c1", 0, wrap_up_seconds=0), contact("c2", 5, patience_seconds=0)],
    )
    outcome = fate(result, 5)
    assert outcome.abandoned == 1
    assert outcome.abandoned_wait.mean == 0


def test_nobody_to_answer_leaves_contacts_unserved_or_abandoned() -> None:
    result = run(
        [member("ana", "chat")],
        [contact("c1", 0), contact("c2", 0, channel="email", patience_seconds=100)],
    )
    assert result.by_channel["phone"].unserved == 1
    assert result.by_channel["email"].abandoned == 1
    assert result.overall.service_level.n == 1
    assert result.overall.unserved == 1


@pytest.mark.parametrize(
    ("staff", "first"),
    [
        # The agent frees up at 60 because the first call ends then (no wrap-up) ...
        ([member("ana")], [contact("c1", 0, wrap_up_seconds=0)]),
        # ... because the first call's wrap-up ends then ...
        ([member("ana")], [contact("c1", 0, 50, wrap_up_seconds=10)]),
        # ... or because their break ends then.
        ([member("ana", shifts=[Shift(secs(0), secs(600), breaks=((secs(0), secs(60)),))])], []),
    ],
    ids=["work ends", "wrap-up ends", "break ends"],
)
def test_answered_at_the_instant_patience_ends(staff: list[Staff], first: list[Arrival]) -> None:
    # The rule: at one instant, an agent freeing up comes before a customer
    # hanging up, so a caller whose patience ends exactly when they could be
    # answered is answered, with a wait equal to their patience.
    caller = contact("c2", 1, patience_seconds=59, wrap_up_seconds=0)
    result = run(staff, [*first, caller])
    assert fate(result, 1).abandoned == 0
    assert wait_of(result, 1) == 59
    assert result.overall.answered == len(first) + 1


def test_default_wrap_up_ending_as_patience_ends() -> None:
    # The same tie with the profile's wrap-up: c1 holds ana 0-120 (60 s call,
    # 60 s wrap-up); c2's patience ends at 120. This must not raise.
    result = run([member("ana")], [contact("c1", 0), contact("c2", 0, patience_seconds=120)])
    assert result.overall.abandoned + result.overall.answered == 2


# -- chat concurrency ----------------------------------------------------------------


def test_an_agent_takes_three_chats_at_once_but_not_four() -> None:
    chats = [contact(f"chat{i}", 0, channel="chat") for i in range(4)]
    result = run([member("ana", "chat")], chats)
    assert result.max_concurrency == {"ana": 3}
    outcome = fate(result, 0, "chat")
    assert outcome.answered == 4
    # Three answered at once, the fourth when the first three end (no chat wrap-up).
    assert sorted([outcome.wait.median, outcome.wait.mean]) == [0, 15]
    assert outcome.service_level.count == 3
    assert result.end == at(120)


def test_chats_are_taken_as_they_come_up_to_three() -> None:
    chats = [contact(f"chat{i}", 10 * i, 100, channel="chat") for i in range(5)]
    result = run([member("ana", "chat")], chats)
    assert result.max_concurrency == {"ana": 3}
    assert [wait_of(result, 10 * i, "chat") for i in range(5)] == [0, 0, 0, 70, 70]


def test_a_call_is_exclusive() -> None:
    result = run(
        [member("ana", "phone", "chat")],
        [contact("c1", 0, wrap_up_seconds=0), contact("chat1", 5, channel="chat")],
    )
    assert wait_of(result, 5, "chat") == 55
    assert result.max_concurrency == {"ana": 1}


# -- shifts and breaks -------------------------------------------------------------------


def test_nothing_is_taken_before_the_shift_or_during_a_break() -> None:
    shift = Shift(secs(600), secs(3600), breaks=((secs(1200), secs(1800)),))
    result = run(
        [member("ana", shifts=[shift])],
        [
            contact("early", 300, wrap_up_seconds=0),  # before the shift: waits to 600
            contact("on", 900, wrap_up_seconds=0),  # on shift: at once
            contact("break", 1500, wrap_up_seconds=0),  # on break: waits to 1800
        ],
    )
    assert wait_of(result, 300) == 300
    assert wait_of(result, 900) == 0
    assert wait_of(result, 1500) == 300
    assert result.end == at(1860)
    # On duty (available or holding work) 600-1200 and 1800-3600, to the end of
    # the shift: 2,400 s, of which busy 180 s. The break and the time before the
    # shift do not count.
    ana = result.occupancy["ana"]
    assert (ana.count, ana.n) == (180, 2400)
    assert ana.value == pytest.approx(100 * 180 / 2400)


def test_between_shifts_calls_wait_for_the_next_one() -> None:
    shifts = [Shift(secs(0), secs(100)), Shift(secs(1000), secs(2000))]
    result = run([member("ana", shifts=shifts)], [contact("c1", 500, wrap_up_seconds=0)])
    assert wait_of(result, 500) == 500


def test_a_caller_gives_up_while_everyone_is_on_break() -> None:
    shift = Shift(secs(0), secs(3600), breaks=((secs(100), secs(400)),))
    result = run([member("ana", shifts=[shift])], [contact("c1", 150, patience_seconds=120)])
    assert fate(result, 150).abandoned == 1
    assert fate(result, 150).abandoned_wait.mean == 120


def test_after_the_last_shift_contacts_are_unserved() -> None:
    result = run(
        [member("ana", shifts=[Shift(secs(0), secs(100))])],
        [contact("c1", 200, wrap_up_seconds=0)],
    )
    assert result.overall.unserved == 1
    assert result.overall.answered == 0
    assert result.overall.service_level.n == 0
    assert result.overall.service_level.value is None


def test_a_call_in_progress_at_the_end_of_a_shift_is_finished() -> None:
    # A live call is exclusive work: going offline does not take it away.
    result = run(
        [member("ana", shifts=[Shift(secs(0), secs(100))])],
        [contact("c1", 50, 120, wrap_up_seconds=0), contact("c2", 120, wrap_up_seconds=0)],
    )
    assert fate(result, 50).answered == 1
    assert fate(result, 120).unserved == 1
    assert result.end == at(170)
    assert result.max_concurrency == {"ana": 1}
    # On duty 0-100 (available) and 100-170 (holding the call); busy 50-170.
    ana = result.occupancy["ana"]
    assert (ana.count, ana.n) == (120, 170)


def test_a_call_on_break_is_finished_too() -> None:
    shift = Shift(secs(0), secs(3600), breaks=((secs(100), secs(400)),))
    result = run([member("ana", shifts=[shift])], [contact("c1", 50, 120, wrap_up_seconds=0)])
    assert fate(result, 50).answered == 1
    assert result.end == at(170)


@pytest.mark.parametrize(
    ("handle", "wrap_up"), [(120, 0), (60, 60)], ids=["work ends", "wrap-up ends"]
)
def test_freed_at_the_instant_a_shift_ends_takes_one_last_call(
    handle: float, wrap_up: float
) -> None:
    # ana's first call frees her exactly when her shift ends (at 120): whether
    # it is the call or its wrap-up that ends then, she takes the waiting call
    # (at one instant, work ends come before presence changes) and, a call
    # being live exclusive work, finishes it after going offline.
    result = run(
        [member("ana", shifts=[Shift(secs(0), secs(120))])],
        [
            contact("c1", 0, handle, wrap_up_seconds=wrap_up),
            contact("c2", 10, wrap_up_seconds=0),
        ],
    )
    assert wait_of(result, 10) == 110
    assert result.end == at(180)


def test_a_chat_taken_back_at_the_end_of_a_shift_with_nobody_to_take_it() -> None:
    # Chats are not exclusive, so going offline hands them back to the queue.
    # With nobody left, the chat waits; the run must not try to complete it.
    result = run(
        [member("ana", "chat", shifts=[Shift(secs(0), secs(100))])],
        [contact("chat1", 50, 120, channel="chat")],
    )
    assert result.offered == 1


def test_a_chat_taken_back_at_the_end_of_a_shift_goes_to_the_next_agent() -> None:
    result = run(
        [
            member("ana", "chat", shifts=[Shift(secs(0), secs(100))]),
            member("ben", "chat", shifts=[Shift(secs(100), secs(1000))]),
        ],
        [contact("chat1", 50, 120, channel="chat")],
    )
    assert result.overall.answered == 1
    # ben takes the chat over at 100 and does the 70 s that are left of it.
    assert result.end == at(170)
    assert result.max_concurrency["ben"] == 1
    assert result.occupancy["ben"].count == 70


def test_a_chat_taken_back_still_counts_the_time_already_spent() -> None:
    # ana chatted 50-100 before her shift ended; that is busy time.
    result = run(
        [
            member("ana", "chat", shifts=[Shift(secs(0), secs(100))]),
            member("ben", "chat", shifts=[Shift(secs(100), secs(1000))]),
        ],
        [contact("chat1", 50, 120, channel="chat")],
    )
    assert result.occupancy["ana"].count == 50


# -- skills -------------------------------------------------------------------------------


def test_skilled_work_goes_only_to_agents_with_the_skill() -> None:
    staff = [
        member("low", skills={"cards": 2}),
        member("high", skills={"cards": 5}),
    ]
    needs = {"cards": 3}
    result = run(
        staff,
        [
            contact("c1", 0, skills=needs, wrap_up_seconds=0),
            contact("c2", 10, skills=needs, wrap_up_seconds=0),
            contact("plain", 20, wrap_up_seconds=0),
        ],
    )
    # low is free all along but may not take the cards calls.
    assert wait_of(result, 0) == 0
    assert wait_of(result, 10) == 50
    assert wait_of(result, 20) == 0
    assert result.max_concurrency == {"high": 1, "low": 1}
    assert result.occupancy["high"].count == 120
    assert result.occupancy["low"].count == 60


def test_skill_levels_must_be_reached() -> None:
    result = run(
        [member("low", skills={"cards": 2})],
        [contact("c1", 0, skills={"cards": 3}), contact("c2", 0, skills={"cards": 2})],
    )
    assert result.overall.answered == 1
    assert result.overall.unserved == 1


def test_traffic_skills_reach_the_contacts() -> None:
    traffic = [Traffic("phone", rates=[20], handle=Fixed(60), skills={"cards": 3})]
    low = Scenario(start=T0, traffic=traffic, staff=[member("low", skills={"cards": 2})], seed=4)
    high = Scenario(start=T0, traffic=traffic, staff=[member("high", skills={"cards": 5})], seed=4)
    arrivals = generate_arrivals(low)
    assert arrivals
    assert all(dict(a.skills) == {"cards": 3} for a in arrivals)
    unskilled, skilled = simulate(low), simulate(high)
    assert unskilled.offered == skilled.offered == len(arrivals)
    assert unskilled.overall.answered == 0
    assert unskilled.overall.unserved == len(arrivals)
    assert skilled.overall.answered == len(arrivals)


# -- common random numbers -----------------------------------------------------------------


def _traffic(*channels: str) -> list[Traffic]:
    kinds = {
        "phone": Traffic(
            "phone",
            rates=[120, 60, 90],
            handle=LogNormal(mean=180, sd=120),
            patience=Exponential(mean=90),
        ),
        "chat": Traffic("chat", rates=[30, 30, 30], handle=Exponential(mean=400)),
        "email": Traffic("email", rates=[10, 0, 10], handle=Fixed(300)),
    }
    return [kinds[c] for c in channels]


def test_same_arrivals_whatever_the_staff() -> None:
    few = Scenario(start=T0, traffic=_traffic("phone", "chat"), staff=[member("a")], seed=9)
    many = Scenario(
        start=T0,
        traffic=_traffic("phone", "chat"),
        staff=[member(f"ag{i}", "phone", "chat") for i in range(8)],
        queues=[Queue("default")],
        seed=9,
    )
    arrivals = generate_arrivals(few)
    assert arrivals == generate_arrivals(many)
    assert arrivals == generate_arrivals(few)
    assert [a.at for a in arrivals] == sorted(a.at for a in arrivals)
    assert len({a.id for a in arrivals}) == len(arrivals)
    assert simulate(few).offered == simulate(many).offered == len(arrivals)


def test_another_seed_gives_other_arrivals() -> None:
    one = Scenario(start=T0, traffic=_traffic("phone"), staff=[], seed=1)
    two = Scenario(start=T0, traffic=_traffic("phone"), staff=[], seed=2)
    assert generate_arrivals(one) != generate_arrivals(two)


def test_adding_a_channel_leaves_the_others_alone() -> None:
    phone = Scenario(start=T0, traffic=_traffic("phone"), staff=[], seed=9)
    more = Scenario(start=T0, traffic=_traffic("phone", "chat", "email"), staff=[], seed=9)
    before = generate_arrivals(phone)
    after = generate_arrivals(more)
    assert [a for a in after if a.channel == "phone"] == before
    assert {a.channel for a in after} == {"phone", "chat", "email"}
    assert sorted(a.at for a in after) == [a.at for a in after]


def test_arrivals_fall_inside_their_intervals() -> None:
    scenario = Scenario(start=T0, traffic=_traffic("email"), staff=[], seed=3)
    arrivals = generate_arrivals(scenario)
    assert arrivals
    # The middle hour has rate 0.
    assert not [a for a in arrivals if at(3600) <= a.at < at(7200)]
    assert all(T0 <= a.at < scenario.end_of_arrivals for a in arrivals)
    assert all(a.handle_seconds == 300 and a.patience_seconds is None for a in arrivals)
    assert scenario.end_of_arrivals == at(3 * 3600)


def test_generated_arrival_counts_follow_the_rates() -> None:
    traffic = [Traffic("email", rates=[3600] * 4, handle=Fixed(1))]
    arrivals = generate_arrivals(Scenario(start=T0, traffic=traffic, staff=[], seed=12))
    # Poisson with mean 14,400: sd 120.
    assert abs(len(arrivals) - 14_400) < 4 * 120


def test_two_traffics_on_one_channel() -> None:
    # Plain and card calls on the phone, say; each has its own contacts.
    traffic = [
        Traffic("phone", rates=[30], handle=Fixed(60)),
        Traffic("phone", rates=[30], handle=Fixed(60), skills={"cards": 3}),
    ]
    scenario = Scenario(
        start=T0, traffic=traffic, staff=[member("a", skills={"cards": 5})], seed=2
    )
    arrivals = generate_arrivals(scenario)
    assert len({a.id for a in arrivals}) == len(arrivals)
    plain = [a.at for a in arrivals if not a.skills]
    cards = [a.at for a in arrivals if a.skills]
    assert plain != cards
    assert simulate(scenario).offered == len(arrivals)


def test_a_seeded_run_is_reproducible() -> None:
    scenario = Scenario(
        start=T0,
        traffic=_traffic("phone", "chat"),
        staff=[member(f"ag{i}", "phone", "chat") for i in range(3)],
        seed=5,
    )
    first, second = simulate(scenario), simulate(scenario)
    assert first.to_dict() == second.to_dict()
    replayed = simulate(scenario, arrivals=generate_arrivals(scenario))
    assert replayed.to_dict() == first.to_dict()


# -- results -----------------------------------------------------------------------------------


def test_contacts_count_in_the_interval_they_arrived_in() -> None:
    result = run(
        [member("ana")],
        [
            contact("c1", 0, wrap_up_seconds=0),
            contact("c2", 550, 100, wrap_up_seconds=0),
            contact("c3", 580, wrap_up_seconds=0),  # answered at 650, still in the first
            contact("c4", 720, wrap_up_seconds=0),
            contact("mail", 1300, channel="email"),
        ],
        interval=timedelta(minutes=10),
    )
    assert list(result.by_interval) == [at(0), at(600), at(1200)]
    first = result.by_interval[at(0)]
    assert list(first) == ["phone"]
    assert first["phone"].offered == 3
    assert first["phone"].wait.mean == pytest.approx(70 / 3)
    assert result.by_interval[at(600)]["phone"].offered == 1
    assert result.by_interval[at(600)]["phone"].wait.mean == 0
    assert result.by_interval[at(1200)]["email"].unserved == 1
    total = sum(c.offered for channels in result.by_interval.values() for c in channels.values())
    assert total == result.offered == 5


def test_by_interval_of_generated_traffic_adds_up() -> None:
    scenario = Scenario(
        start=T0,
        traffic=_traffic("phone", "chat"),
        staff=[member(f"ag{i}", "phone", "chat") for i in range(2)],
        seed=8,
    )
    result = simulate(scenario)
    assert set(result.by_interval) <= {at(0), at(3600), at(7200)}
    for channel, outcome in result.by_channel.items():
        parts = [c[channel] for c in result.by_interval.values() if channel in c]
        assert sum(p.offered for p in parts) == outcome.offered
        assert sum(p.answered for p in parts) == outcome.answered
        assert sum(p.abandoned for p in parts) == outcome.abandoned
        assert outcome.answered + outcome.abandoned + outcome.unserved == outcome.offered
    assert result.overall.offered == result.offered
    assert result.overall.service_level.n == result.overall.answered + result.overall.abandoned


def test_to_dict_is_json() -> None:
    scenario = Scenario(
        start=T0,
        traffic=_traffic("phone", "chat", "email"),
        staff=[
            member("a", "phone", "chat", shifts=[Shift(secs(0), secs(3 * 3600))]),
            member("b", "phone", "email"),
        ],
        seed=3,
    )
    result = simulate(scenario)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["offered"] == result.offered
    assert set(data["by_channel"]) == {"phone", "chat", "email"}
    assert all(datetime.fromisoformat(k) in result.by_interval for k in data["by_interval"])
    assert data["overall"]["service_level"]["threshold_seconds"] == 20.0
    assert data["end"] == result.end.isoformat()
    assert set(data["occupancy"]) == {"a", "b", "(all)"}
    assert len(data["alerts"]) == len(result.alerts)
    assert data["events"] == result.events


def test_progress_ends_at_the_total() -> None:
    traffic = [Traffic("email", rates=[2500], handle=Fixed(60))]
    scenario = Scenario(start=T0, traffic=traffic, staff=[member("a", "email")], seed=1)
    calls: list[tuple[int, int]] = []
    result = simulate(scenario, progress=lambda done, total: calls.append((done, total)))
    total = result.offered
    assert total > 2000
    assert calls[-1] == (total, total)
    assert all(t == total for _, t in calls)
    done = [d for d, _ in calls]
    assert done == sorted(done)


def test_progress_of_an_empty_day() -> None:
    calls: list[tuple[int, int]] = []
    scenario = Scenario(start=T0, traffic=[], staff=[member("ana")])
    result = simulate(scenario, arrivals=[], progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (0, 0)
    assert result.offered == 0
    assert result.overall.service_level.value is None
    json.dumps(result.to_dict())


# -- validation ------------------------------------------------------------------------------


def test_start_must_be_timezone_aware() -> None:
    with pytest.raises(InvalidInput) as caught:
        Scenario(start=datetime(2026, 3, 2, 9), traffic=[], staff=[])
    assert caught.value.field == "start"


def test_an_agent_is_listed_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        Scenario(start=T0, traffic=[], staff=[member("ana"), member("ben"), member("ana")])
    assert caught.value.field == "staff"
    assert caught.value.value == "ana"


def test_interval_must_be_positive() -> None:
    with pytest.raises(InvalidInput) as caught:
        Scenario(start=T0, traffic=[], staff=[], interval=timedelta(0))
    assert caught.value.field == "interval"


@pytest.mark.parametrize("end", [100, 50])
def test_a_shift_ends_after_it_starts(end: float) -> None:
    with pytest.raises(InvalidInput) as caught:
        Shift(secs(100), secs(end))
    assert caught.value.field == "end"


@pytest.mark.parametrize(
    "brk",
    [(50, 150), (900, 1100), (300, 300), (400, 300)],
    ids=["before", "after", "empty", "backwards"],
)
def test_a_break_lies_within_its_shift(brk: tuple[float, float]) -> None:
    with pytest.raises(InvalidInput) as caught:
        Shift(secs(100), secs(1000), breaks=((secs(200), secs(300)), (secs(brk[0]), secs(brk[1]))))
    assert caught.value.field == "breaks[1]"


def test_a_break_may_touch_the_ends_of_its_shift() -> None:
    shift = Shift(secs(100), secs(1000), breaks=((secs(100), secs(200)), (secs(900), secs(1000))))
    assert len(shift.breaks) == 2


@pytest.mark.parametrize(
    ("rates", "field"),
    [([10, -1], "rates[1]"), ([math.nan], "rates[0]"), ([math.inf, 3], "rates[0]"), ([], "rates")],
)
def test_rates_are_arrivals_per_hour(rates: list[float], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Traffic("phone", rates=rates, handle=Fixed(60))
    assert caught.value.field == field


def test_arrival_ids_are_unique() -> None:
    with pytest.raises(InvalidInput) as caught:
        run([member("ana")], [contact("c1", 0), contact("c2", 5), contact("c1", 10)])
    assert caught.value.field == "id"
    assert caught.value.value == "c1"


def test_durations_are_real_across_a_clock_change() -> None:
    """Regression: times in a ZoneInfo zone were added on the wall clock, so a
    call over the night the clocks go back waited an hour less than it did."""
    paris = ZoneInfo("Europe/Paris")
    first = datetime(2026, 10, 25, 2, 30, tzinfo=paris)  # the first 02:30 of the night
    later = datetime.fromtimestamp(first.timestamp() + 60, paris)
    result = simulate(
        Scenario(start=first, traffic=[], staff=[member("ana")]),
        arrivals=[
            Arrival(id="a", channel="phone", at=first, handle_seconds=3600, wrap_up_seconds=0),
            Arrival(id="b", channel="phone", at=later, handle_seconds=60, wrap_up_seconds=0),
        ],
    )
    assert result.overall.wait.mean == 1770  # b waits 3,540 s; a none


def test_work_handed_back_is_finished_by_the_next_agent_not_started_again() -> None:
    """Regression: a chat reclaimed at the end of a shift took its whole handle time
    again with the next agent, on top of what the first had done."""
    early = member("early", "chat", shifts=[Shift(secs(0), secs(540))])
    late = member("late", "chat", shifts=[Shift(secs(540), secs(3600))])
    result = run([early, late], [contact("c1", 0, 600, channel="chat", wrap_up_seconds=0)])
    assert (result.occupancy["early"].count, result.occupancy["late"].count) == (540, 60)
    assert result.end == at(600)


def test_traffic_for_a_queue_that_does_not_exist_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        Scenario(
            start=T0,
            traffic=[Traffic("phone", rates=[10], handle=Fixed(60), queue="billing")],
            staff=[],
        )
    assert (caught.value.field, caught.value.value) == ("traffic[0].queue", "billing")


def test_occupancy_by_team() -> None:
    voice = [Staff(Agent(id=name, channels=("phone",)), team="voice") for name in ("ana", "ben")]
    solo = Staff(Agent(id="cy", channels=("chat",)))
    result = run([*voice, solo], [contact("c1", 0, 100, wrap_up_seconds=0)])
    assert list(result.occupancy_by_team) == ["voice"]
    team = result.occupancy_by_team["voice"]
    # Two agents on duty for the whole run (100 s, until the call ends), one of
    # them busy all along: 100 of 200 seconds.
    assert (team.count, team.n) == (100, 200)
