"""Every model survives its JSON and dict forms unchanged."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicontext.model import (
    INTERACTION_TYPES,
    Agent,
    Case,
    Customer,
    Identity,
    InteractionBase,
    parse_interaction,
    parse_interaction_json,
)
from omnicontext.testing.strategies import agents, cases, customers, identities, interactions

EXAMPLES = settings(max_examples=60, deadline=None)
#: Per-type runs draw from the all-types strategy and keep one type in seven.
PER_TYPE = settings(max_examples=30, deadline=None)


def _check_round_trip(item: InteractionBase | Customer | Case | Agent | Identity) -> None:
    cls = type(item)
    text = item.to_json()
    assert cls.parse_json(text) == item
    assert cls.parse(item.to_dict()) == item
    # The dict form is what the JSON form holds.
    assert json.loads(text) == item.to_dict()
    # And both are stable: a second trip gives the same text.
    assert cls.parse_json(text).to_json() == text


@EXAMPLES
@given(customers())
def test_customer_round_trips(customer: Customer) -> None:
    _check_round_trip(customer)


@EXAMPLES
@given(identities())
def test_identity_round_trips(identity: Identity) -> None:
    _check_round_trip(identity)
    assert Identity.parse_json(identity.to_json()).key == identity.key


@EXAMPLES
@given(cases())
def test_case_round_trips(case: Case) -> None:
    _check_round_trip(case)


@EXAMPLES
@given(agents())
def test_agent_round_trips(agent: Agent) -> None:
    _check_round_trip(agent)


@pytest.mark.parametrize("kind", list(INTERACTION_TYPES))
@PER_TYPE
@given(data=st.data())
def test_interaction_round_trips(kind: str, data: st.DataObject) -> None:
    item = data.draw(interactions().filter(lambda i: i.type == kind), label="interaction")
    assert type(item) is INTERACTION_TYPES[kind]
    _check_round_trip(item)
    # Through the discriminated union too, as the interchange format is read.
    assert parse_interaction_json(item.to_json()) == item
    assert parse_interaction(item.to_dict()) == item
    assert type(parse_interaction_json(item.to_json())) is type(item)


@settings(max_examples=100, deadline=None)
@given(interactions())
def test_interaction_round_trips_keep_the_instant_and_offset(item: InteractionBase) -> None:
    back = parse_interaction_json(item.to_json())
    assert back.occurred_at == item.occurred_at
    assert back.occurred_at.utcoffset() == item.occurred_at.utcoffset()
