"""Agents: skill levels, channels served, roles."""

from __future__ import annotations

import pytest

from omnicontext.errors import InvalidInput, UnknownChannel
from omnicontext.model import Agent


def test_agent_defaults() -> None:
    agent = Agent(id="ag_1")
    assert agent.skills == {}
    assert agent.channels == ()
    assert agent.roles == ()
    assert agent.active is True
    assert agent.display_name is None


@pytest.mark.parametrize("level", range(1, 11))
def test_every_skill_level_from_one_to_ten(level: int) -> None:
    agent = Agent(id="ag_1", skills={"billing": level})
    assert agent.skill_level("billing") == level
    assert Agent.parse_json(f'{{"id": "ag_1", "skills": {{"billing": {level}}}}}') == agent


@pytest.mark.parametrize(
    ("level", "reason"),
    [
        (0, "Input should be greater than or equal to 1"),
        (-3, "Input should be greater than or equal to 1"),
        (11, "Input should be less than or equal to 10"),
        (True, "Input should be a valid integer"),
        (5.0, "Input should be a valid integer"),
        ("5", "Input should be a valid integer"),
        (None, "Input should be a valid integer"),
    ],
)
def test_bad_skill_level_names_the_skill(level: object, reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Agent.parse({"id": "ag_1", "skills": {"billing": 5, "french": level}})
    err = caught.value
    assert err.subject == "agent"
    assert err.field == "skills.french"
    assert err.value == level
    assert type(err.value) is type(level)
    assert err.errors[0].reason == reason


def test_skill_level_from_json_must_be_an_integer() -> None:
    with pytest.raises(InvalidInput) as caught:
        Agent.parse_json('{"id": "ag_1", "skills": {"billing": 7.5}}')
    assert (caught.value.field, caught.value.value) == ("skills.billing", 7.5)


@pytest.mark.parametrize("name", ["", "s" * 129])
def test_bad_skill_name(name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Agent.parse({"id": "ag_1", "skills": {name: 5}})
    assert caught.value.field.startswith("skills.")
    assert caught.value.value == name


def test_skill_level_is_zero_when_lacking() -> None:
    agent = Agent(id="ag_1", skills={"billing": 7, "french": 4})
    assert agent.skill_level("billing") == 7
    assert agent.skill_level("french") == 4
    assert agent.skill_level("german") == 0
    assert agent.skill_level("Billing") == 0


def test_channels_served() -> None:
    agent = Agent(id="ag_1", channels=["chat", "email", "social_private"])
    assert agent.channels == ("chat", "email", "social_private")
    assert agent.serves("chat")
    assert agent.serves("social_private")
    assert not agent.serves("phone")
    assert not agent.serves("social_public")
    assert not Agent(id="ag_2").serves("chat")


def test_unknown_channel_served_is_rejected_by_position() -> None:
    with pytest.raises(UnknownChannel) as caught:
        Agent(id="ag_1", channels=["chat", "pager"])
    err = caught.value
    assert (err.field, err.value) == ("channels[1]", "pager")
    assert "chat" in err.known
    assert "pager" not in err.known


def test_roles_are_a_sorted_set() -> None:
    agent = Agent(id="ag_1", roles=["tier2", "agent", "tier2", "supervisor"])
    assert agent.roles == ("agent", "supervisor", "tier2")
    assert agent == Agent(id="ag_1", roles=["supervisor", "agent", "tier2"])


@pytest.mark.parametrize(
    ("fields", "field", "value"),
    [
        ({"roles": ["agent", ""]}, "roles[1]", ""),
        ({"roles": "agent"}, "roles", "agent"),
        ({"id": ""}, "id", ""),
        ({"display_name": "d" * 513}, "display_name", "d" * 513),
        ({"active": "sometimes"}, "active", "sometimes"),
        ({"skills": [["billing", 5]]}, "skills", [["billing", 5]]),
        ({"max_load": 3}, "max_load", 3),
    ],
)
def test_bad_agent_names_field_and_value(
    fields: dict[str, object], field: str, value: object
) -> None:
    with pytest.raises(InvalidInput) as caught:
        Agent.parse({"id": "ag_1"} | fields)
    assert (caught.value.field, caught.value.value) == (field, value)


def test_inactive_agent() -> None:
    agent = Agent.parse({"id": "ag_1", "active": False, "channels": ["phone"]})
    assert agent.active is False
    assert agent.serves("phone")
