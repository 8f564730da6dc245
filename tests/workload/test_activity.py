"""Work and presence spans, and the work derived from recorded interactions."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from typing import Any

import attrs
import pytest

from omnicontext.errors import InvalidInput
from omnicontext.model import InteractionBase
from omnicontext.routing.capacity import CapacityProfile, ChannelCapacity
from omnicontext.routing.presence import Presence
from omnicontext.testing import factories as f
from omnicontext.testing.factories import minutes
from omnicontext.workload.activity import PresenceSpan, WorkSpan, spans_from_interactions


def work(**fields: Any) -> WorkSpan:
    fields.setdefault("agent_id", "ag_1")
    fields.setdefault("item_id", "it_1")
    fields.setdefault("channel", "chat")
    fields.setdefault("start", minutes(0))
    fields.setdefault("end", minutes(10))
    fields.setdefault("units", "1/3")
    return WorkSpan(**fields)


def derive(*items: InteractionBase, **options: Any) -> list[tuple[str, str, str, int, int, str]]:
    """(agent, item, channel, start minute, end minute, units) of each derived span."""
    return sorted(
        (
            s.agent_id,
            s.item_id,
            s.channel,
            int((s.start - f.T0) / timedelta(minutes=1)),
            int((s.end - f.T0) / timedelta(minutes=1)),
            str(s.units),
        )
        for s in spans_from_interactions(items, **options)
    )


def reply(id: str, at: float, case_id: str = "k1", **fields: Any) -> InteractionBase:
    return f.message(id, at=minutes(at), case_id=case_id, direction="outbound", **fields)


# -- the value types ------------------------------------------------------------------------


def test_a_work_span_reads_units_as_exact_fractions() -> None:
    assert work(units="1/3").units == Fraction(1, 3)
    assert work(units=0.1).units == Fraction(1, 10)
    assert work(units=Fraction(1, 5)).units == Fraction(1, 5)


def test_wrap_up_counts_as_busy_and_exclusive_work_takes_the_whole_agent() -> None:
    call = work(channel="phone", units="1/2", exclusive=True, wrap_up_end=minutes(11))
    assert call.busy_until == minutes(11)
    assert call.load == 1
    chat = work()
    assert chat.busy_until == chat.end
    assert chat.load == Fraction(1, 3)


@pytest.mark.parametrize("field", ["start", "end", "wrap_up_end"])
def test_a_naive_time_is_rejected_never_guessed(field: str) -> None:
    naive = {"start": minutes(0), "end": minutes(10), "wrap_up_end": minutes(11)}[field]
    with pytest.raises(InvalidInput) as caught:
        work(**{field: naive.replace(tzinfo=None)})
    assert caught.value.subject == "work span"
    assert caught.value.field == field
    assert "timezone-aware" in str(caught.value)


def test_times_in_different_zones_compare_as_instants() -> None:
    paris = timezone(timedelta(hours=1))
    span = work(start=minutes(0).astimezone(paris), end=minutes(10))
    assert span.end - span.start == timedelta(minutes=10)


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"end": minutes(-1)}, "end", "is before start"),
        ({"wrap_up_end": minutes(9)}, "wrap_up_end", "is before end"),
        ({"start": "2026-01-05T09:00:00Z"}, "start", "timezone-aware"),
        ({"units": 0}, "units", "greater than 0"),
        ({"units": "a third"}, "units", "must be a number"),
        ({"agent_id": ""}, "agent_id", "non-empty"),
        ({"item_id": 7}, "item_id", "non-empty"),
    ],
)
def test_bad_work_spans_name_the_field(fields: dict[str, Any], field: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        work(**fields)
    assert caught.value.subject == "work span"
    assert caught.value.field == field
    assert reason in str(caught.value)


def test_spans_are_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        work().units = Fraction(1)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("presence", "on_duty", "logged_in"),
    [
        ("available", True, True),
        ("busy", True, True),
        ("away", False, True),
        ("offline", False, False),
    ],
)
def test_presence_decides_on_duty_and_logged_in(
    presence: str, on_duty: bool, logged_in: bool
) -> None:
    span = PresenceSpan(agent_id="ag_1", presence=presence, start=minutes(0), end=minutes(5))
    assert span.presence is Presence(presence)
    assert (span.on_duty, span.logged_in) == (on_duty, logged_in)


def test_a_bad_presence_span_is_rejected() -> None:
    with pytest.raises(InvalidInput) as caught:
        PresenceSpan(agent_id="ag_1", presence="lunch", start=minutes(0), end=minutes(5))
    assert (caught.value.subject, caught.value.field) == ("presence span", "presence")
    with pytest.raises(InvalidInput) as caught:
        PresenceSpan(
            agent_id="ag_1",
            presence=Presence.AWAY,
            start=datetime(2026, 1, 5, 9),
            end=minutes(5),
        )
    assert caught.value.field == "start"


# -- calls ---------------------------------------------------------------------------------


def test_an_answered_call_is_worked_from_answer_to_end_then_wrap_up() -> None:
    call = f.call("call_1", at=minutes(0), wrap_up_seconds=90.0)
    [span] = spans_from_interactions([call])
    assert span == WorkSpan(
        agent_id="ag_1",
        item_id="call_1",
        channel="phone",
        start=minutes(0.5),
        end=minutes(5.5),
        units=1,
        exclusive=True,
        wrap_up_end=minutes(7),
    )


def test_calls_without_work_give_nothing() -> None:
    abandoned = f.call("c1", answered_at=None, ended_at=minutes(1))
    running = f.call("c2", ended_at=None)
    assert list(spans_from_interactions([abandoned, running])) == []


def test_a_call_without_wrap_up_has_none() -> None:
    [span] = spans_from_interactions([f.call("c1", wrap_up_seconds=0.0)])
    assert span.wrap_up_end is None
    assert span.busy_until == span.end


def test_the_profile_says_what_a_call_takes() -> None:
    profile = CapacityProfile.default().with_channel("video", ChannelCapacity(units="1/2"))
    [span] = spans_from_interactions([f.call("v1", channel="video")], profile=profile)
    assert (span.units, span.exclusive) == (Fraction(1, 2), False)


# -- conversations --------------------------------------------------------------------------


def test_an_assigned_chat_is_held_from_assignment_until_solved() -> None:
    items = [
        f.assignment("a1", at=minutes(0), case_id="k1"),
        f.message("m1", at=minutes(1), case_id="k1"),
        reply("m2", 2),
        f.status("s1", at=minutes(30), case_id="k1"),
    ]
    assert derive(*items) == [("ag_1", "k1", "chat", 0, 30, "1/3")]


def test_without_an_assignment_the_first_reply_starts_the_hold() -> None:
    items = [f.message("m1", at=minutes(0), case_id="k1"), reply("m2", 5), reply("m3", 20)]
    items.append(f.status("s1", at=minutes(25), case_id="k1"))
    assert derive(*items) == [("ag_1", "k1", "chat", 5, 25, "1/3")]


@pytest.mark.parametrize("status", ["pending", "closed"])
def test_pending_and_closed_release_the_hold(status: str) -> None:
    items = [reply("m1", 0), f.status("s1", at=minutes(10), case_id="k1", status=status)]
    assert derive(*items) == [("ag_1", "k1", "chat", 0, 10, "1/3")]


def test_setting_a_case_open_releases_nothing() -> None:
    items = [reply("m1", 0), f.status("s1", at=minutes(10), case_id="k1", status="open")]
    items += [reply("m2", 15), f.status("s2", at=minutes(20), case_id="k1")]
    assert derive(*items) == [("ag_1", "k1", "chat", 0, 20, "1/3")]


def test_a_reopened_case_is_held_again_from_the_next_reply() -> None:
    items = [reply("m1", 0), f.status("s1", at=minutes(10), case_id="k1")]
    items += [f.status("s2", at=minutes(60), case_id="k1", status="open")]
    items += [reply("m2", 70), f.status("s3", at=minutes(80), case_id="k1")]
    assert derive(*items) == [
        ("ag_1", "k1", "chat", 0, 10, "1/3"),
        ("ag_1", "k1", "chat", 70, 80, "1/3"),
    ]


def test_reassigning_the_case_releases_the_previous_agent() -> None:
    items = [
        f.assignment("a1", at=minutes(0), case_id="k1"),
        reply("m1", 1),
        f.assignment("a2", at=minutes(10), case_id="k1", agent_id="ag_2"),
        reply("m2", 12, agent_id="ag_2"),
        f.status("s1", at=minutes(20), case_id="k1", agent_id="ag_2"),
    ]
    assert derive(*items) == [
        ("ag_1", "k1", "chat", 0, 10, "1/3"),
        ("ag_2", "k1", "chat", 10, 20, "1/3"),
    ]


def test_assigning_the_case_to_its_holder_again_changes_nothing() -> None:
    items = [reply("m1", 0), f.assignment("a1", at=minutes(5), case_id="k1")]
    items.append(f.status("s1", at=minutes(10), case_id="k1"))
    assert derive(*items) == [("ag_1", "k1", "chat", 0, 10, "1/3")]


def test_the_first_reply_after_an_assignment_says_which_channel_is_held() -> None:
    items = [
        f.assignment("a1", at=minutes(0), case_id="k1", channel="chat"),
        reply("m1", 3, channel="email"),
        f.status("s1", at=minutes(50), case_id="k1"),
    ]
    assert derive(*items) == [("ag_1", "k1", "email", 0, 50, "1/10")]


def test_a_handoff_moves_the_hold_to_the_new_channel() -> None:
    items = [
        reply("m1", 0, channel="social_public"),
        f.handoff("h1", at=minutes(5), case_id="k1"),
        reply("m2", 6, channel="social_private"),
        f.status("s1", at=minutes(10), case_id="k1"),
    ]
    assert derive(*items) == [
        ("ag_1", "k1", "social_private", 5, 10, "1/5"),
        ("ag_1", "k1", "social_public", 0, 5, "1/5"),
    ]


def test_a_chat_escalated_to_a_call_is_worked_as_the_call() -> None:
    items = [
        reply("m1", 0),
        f.handoff("h1", at=minutes(4), case_id="k1", from_channel="chat", to_channel="phone"),
        f.call("c1", at=minutes(5), case_id="k1", answered_at=minutes(5), wrap_up_seconds=0.0),
        f.status("s1", at=minutes(20), case_id="k1"),
    ]
    assert derive(*items) == [
        ("ag_1", "c1", "phone", 5, 10, "1"),
        ("ag_1", "k1", "chat", 0, 4, "1/3"),
    ]


def test_colleagues_writing_in_one_case_each_hold_it_until_it_is_solved() -> None:
    items = [reply("m1", 0), reply("m2", 4, agent_id="ag_2")]
    items.append(f.status("s1", at=minutes(9), case_id="k1"))
    assert derive(*items) == [
        ("ag_1", "k1", "chat", 0, 9, "1/3"),
        ("ag_2", "k1", "chat", 4, 9, "1/3"),
    ]


def test_a_hold_still_open_at_the_end_lasts_until_the_last_reply() -> None:
    items = [f.assignment("a1", at=minutes(0), case_id="k1"), reply("m1", 3), reply("m2", 8)]
    items.append(f.assignment("a2", at=minutes(9), case_id="k2"))
    assert derive(*items) == [("ag_1", "k1", "chat", 0, 8, "1/3")]


def test_what_holds_nothing() -> None:
    items = [
        f.message("m1", at=minutes(0), case_id="k1"),
        f.message("m2", at=minutes(1), direction="outbound"),
        f.note("n1", at=minutes(2), case_id="k1"),
        reply("m3", 3, channel="phone"),
        f.status("s1", at=minutes(4), case_id="k1"),
        f.assignment("a1", at=minutes(5), case_id="k2"),
        f.status("s2", at=minutes(5), case_id="k2"),
    ]
    assert derive(*items) == []


def test_units_are_a_share_of_the_profiles_capacity() -> None:
    profile = attrs.evolve(CapacityProfile.default(), capacity=2)
    items = [reply("m1", 0), f.status("s1", at=minutes(10), case_id="k1")]
    assert derive(*items, profile=profile) == [("ag_1", "k1", "chat", 0, 10, "1/6")]


def test_a_channel_missing_from_the_profile_is_an_error() -> None:
    profile = CapacityProfile(channels={"phone": ChannelCapacity(units=1, exclusive=True)})
    with pytest.raises(InvalidInput) as caught:
        derive(reply("m1", 0), profile=profile)
    assert (caught.value.field, caught.value.value) == ("channel", "chat")


def test_interactions_out_of_time_order_are_rejected() -> None:
    with pytest.raises(InvalidInput) as caught:
        derive(reply("m2", 5), reply("m1", 1))
    assert caught.value.field == "occurred_at"
    assert "'m1' is earlier than the one before it" in str(caught.value)


def test_spans_stream_out_as_interactions_are_read() -> None:
    def rest() -> Iterator[InteractionBase]:
        raise AssertionError("read past the first call")
        yield  # pragma: no cover

    spans = spans_from_interactions(itertools.chain([f.call("c1")], rest()))
    assert next(spans).item_id == "c1"


def test_a_day_of_one_agent_derived_from_interactions() -> None:
    """A call, an email answered between two chats: every span checked by hand."""
    day = [
        f.call("call_1", at=minutes(0)),  # answered 0.5, ended 5.5, wrap-up to 6.5
        f.assignment("as_1", at=minutes(10), case_id="chat_k", channel="chat"),
        reply("r1", 11, case_id="chat_k"),
        f.assignment("as_2", at=minutes(12), case_id="mail_k", channel="email"),
        reply("r2", 30, case_id="mail_k", channel="email"),
        f.status("st_1", at=minutes(40), case_id="chat_k"),
        f.status("st_2", at=minutes(45), case_id="mail_k", status="pending"),
    ]
    spans = sorted(spans_from_interactions(day), key=lambda s: s.start)
    assert [(s.item_id, s.start, s.busy_until, s.load) for s in spans] == [
        ("call_1", minutes(0.5), minutes(6.5), 1),
        ("chat_k", minutes(10), minutes(40), Fraction(1, 3)),
        ("mail_k", minutes(12), minutes(45), Fraction(1, 10)),
    ]
