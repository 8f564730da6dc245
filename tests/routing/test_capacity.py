"""Capacity profiles: exact units, limits, exclusivity, wrap-up, and the errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicontext.errors import InvalidInput
from omnicontext.model import Agent
from omnicontext.routing import CapacityProfile, ChannelCapacity, Holding, Presence, to_units
from omnicontext.routing.state import AgentState

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DEFAULT = CapacityProfile.default()


def holding(n: int, channel: str, until: datetime | None = None) -> Holding:
    base = DEFAULT.holding(agent_id="ag", item_id=f"{channel}{n}", channel=channel)
    return attrs.evolve(base, until=until)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (1, Fraction(1)),
        ("1/3", Fraction(1, 3)),
        (0.1, Fraction(1, 10)),
        (Fraction(2, 5), Fraction(2, 5)),
    ],
)
def test_units_are_read_exactly(given: object, expected: Fraction) -> None:
    assert to_units(given) == expected


@pytest.mark.parametrize("bad", [0, -1, "x", None, True, "1/0", [1]])
def test_bad_units_name_the_field_and_value(bad: object) -> None:
    with pytest.raises(InvalidInput) as err:
        to_units(bad, field="channels.chat.units")
    assert err.value.field == "channels.chat.units"
    assert err.value.value == bad


def test_ten_emails_of_a_tenth_fill_an_agent_exactly() -> None:
    emails = [holding(n, "email") for n in range(10)]
    assert DEFAULT.refusal(emails[:9], "email", now=NOW) is None
    assert DEFAULT.refusal(emails, "email", now=NOW) == "at the email limit (10 of 10)"
    assert DEFAULT.load(emails, now=NOW) == 1


def test_capacity_counts_across_channels() -> None:
    two_chats = [holding(0, "chat"), holding(1, "chat")]
    assert DEFAULT.refusal(two_chats, "email", now=NOW) is None
    with_emails = two_chats + [holding(n, "email") for n in range(3)]
    assert DEFAULT.refusal(with_emails, "email", now=NOW) == (
        "capacity 29/30 of 1 used; email needs 1/10"
    )


def test_a_live_call_blocks_everything_until_its_wrap_up_lapses() -> None:
    call = holding(0, "phone", until=NOW + timedelta(seconds=60))
    assert DEFAULT.refusal([call], "email", now=NOW) == "busy with phone wrap-up (phone0)"
    assert DEFAULT.refusal([call], "email", now=NOW + timedelta(seconds=60)) is None
    assert DEFAULT.load([call], now=NOW) == 1


def test_an_exclusive_channel_needs_an_agent_holding_nothing() -> None:
    refusal = DEFAULT.refusal([holding(0, "email")], "phone", now=NOW)
    assert refusal == "channel 'phone' needs the agent's whole attention; they hold 1 items"


def test_a_channel_outside_the_profile_is_refused() -> None:
    mine = CapacityProfile(channels={"chat": ChannelCapacity(units="1/2", limit=2)})
    assert mine.refusal([], "email", now=NOW) == (
        "channel 'email' is not in the agent's capacity profile"
    )
    assert not mine.serves("email")
    with pytest.raises(InvalidInput) as err:
        mine.units("email")
    assert err.value.field == "channel"


def test_profile_errors_name_the_field() -> None:
    with pytest.raises(InvalidInput) as err:
        CapacityProfile(channels={}, capacity=0)
    assert err.value.field == "capacity"
    with pytest.raises(InvalidInput) as err:
        CapacityProfile(channels={"chat": 0})
    assert err.value.field == "channels.chat.units"
    with pytest.raises(InvalidInput) as err:
        CapacityProfile(channels={"chat": 2})
    assert err.value.field == "channels.chat.units"
    with pytest.raises(InvalidInput) as err:
        ChannelCapacity(units=1, limit=0)
    assert err.value.field == "limit"
    with pytest.raises(InvalidInput) as err:
        ChannelCapacity(units=1, wrap_up=timedelta(seconds=-1))
    assert err.value.field == "wrap_up"


def test_profiles_are_hashable_values() -> None:
    assert CapacityProfile.default() == CapacityProfile.default()
    assert hash(CapacityProfile.default()) == hash(CapacityProfile.default())
    changed = DEFAULT.with_channel("chat", ChannelCapacity(units="1/4", limit=4))
    assert changed.units("chat") == Fraction(1, 4)
    assert DEFAULT.units("chat") == Fraction(1, 3)


CHANNELS = ["chat", "email", "sms", "whatsapp", "phone"]


@given(
    st.lists(st.tuples(st.sampled_from(CHANNELS), st.booleans()), max_size=14),
    st.sampled_from(CHANNELS),
)
def test_the_agents_running_totals_answer_like_the_profile(
    held: list[tuple[str, bool]], channel: str
) -> None:
    """AgentState keeps counts as holdings come and go; its answer must be the
    profile's answer over the same holdings, whatever was added and removed."""
    state = AgentState(
        Agent(id="ag"), DEFAULT, Presence.AVAILABLE, index=0, queues=frozenset(), now=NOW
    )
    kept = []
    for n, (ch, drop) in enumerate(held):
        h = holding(n, ch)
        state.hold(h)
        if drop:
            state.release(h.item_id)
        else:
            kept.append(h)
    assert state.refusal(channel, NOW) == DEFAULT.refusal(kept, channel, now=NOW)
    assert state.held_load() == DEFAULT.load(kept, now=NOW)
