"""Interactions: the seven record types of the data contract, the discriminated
union on ``type``, and the errors bad records produce."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicontext.errors import ConflictError, FieldError, InvalidInput, UnknownChannel
from omnicontext.model import (
    BUILTIN_CHANNELS,
    INTERACTION_TYPES,
    Actor,
    Assignment,
    Call,
    CaseStatus,
    ChannelProfile,
    ChannelRegistry,
    Direction,
    Handoff,
    IdentityKind,
    InteractionBase,
    Message,
    Note,
    StatusChange,
    Survey,
    interaction_json_schema,
    parse_interaction,
    parse_interaction_json,
    use_channels,
)
from omnicontext.model.interaction import parse_interactions_json_array
from omnicontext.storage import MemoryStore, SQLiteStore
from omnicontext.testing import factories as f

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
TYPES = ("message", "call", "note", "status", "assignment", "survey", "handoff")
TYPE_LIST = ", ".join(sorted(TYPES))
LINE = ChannelProfile(name="line", mode="async")

# One line per type, written the way the data contract in DESIGN.md lists the fields.
CONTRACT_LINES = {
    "message": '{"id": "tw-1", "type": "message", "occurred_at": "2017-10-11T06:55:44+00:00",'
    ' "channel": "social_public", "identity": {"kind": "social", "platform": "twitter",'
    ' "value": "@ada"}, "actor": "customer", "direction": "inbound",'
    ' "body": "My card stopped working"}',
    "call": '{"id": "call-1", "type": "call", "occurred_at": "2026-01-05T09:00:00Z",'
    ' "channel": "phone", "case_id": "case_1", "customer_id": "cus_1", "actor": "customer",'
    ' "agent_id": "ag_1", "direction": "inbound", "answered_at": "2026-01-05T09:00:45Z",'
    ' "ended_at": "2026-01-05T09:06:45Z", "wrap_up_seconds": 90}',
    "note": '{"id": "n-1", "type": "note", "occurred_at": "2026-01-05T09:07:00Z",'
    ' "channel": "phone", "case_id": "case_1", "actor": "agent", "agent_id": "ag_1",'
    ' "body": "Customer verified by security questions"}',
    "status": '{"id": "s-1", "type": "status", "occurred_at": "2026-01-05T09:08:00Z",'
    ' "channel": "phone", "case_id": "case_1", "actor": "agent", "agent_id": "ag_1",'
    ' "status": "solved"}',
    "assignment": '{"id": "a-1", "type": "assignment", "occurred_at": "2026-01-05T08:59:00Z",'
    ' "channel": "phone", "case_id": "case_1", "actor": "system", "agent_id": "ag_1",'
    ' "queue": "cards"}',
    "survey": '{"id": "sv-1", "type": "survey", "occurred_at": "2026-01-05T10:00:00Z",'
    ' "channel": "email", "case_id": "case_1", "customer_id": "cus_1", "actor": "customer",'
    ' "csat": 5}',
    "handoff": '{"id": "h-1", "type": "handoff", "occurred_at": "2017-10-11T07:00:00+00:00",'
    ' "channel": "social_private", "customer_id": "cus_1", "actor": "system",'
    ' "from_channel": "social_public", "to_channel": "social_private",'
    ' "reason": "sensitivity"}',
}

CLASSES = {
    "message": Message,
    "call": Call,
    "note": Note,
    "status": StatusChange,
    "assignment": Assignment,
    "survey": Survey,
    "handoff": Handoff,
}


def _line(kind: str, **changes: Any) -> dict[str, Any]:
    """A contract record of ``kind`` as a dict, with ``changes`` applied (None removes)."""
    data: dict[str, Any] = json.loads(CONTRACT_LINES[kind]) | changes
    return {k: v for k, v in data.items() if v is not None}


def _rejected(data: Any, **kwargs: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        parse_interaction(data, **kwargs)
    assert caught.value.subject == "interaction"
    return caught.value


# -- every type parses from the contract ---------------------------------------------------------


def test_the_seven_types() -> None:
    assert tuple(INTERACTION_TYPES) == TYPES
    assert dict(INTERACTION_TYPES) == CLASSES
    for tag, cls in INTERACTION_TYPES.items():
        assert issubclass(cls, InteractionBase)
        assert cls.model_fields["type"].default == tag


@pytest.mark.parametrize("kind", TYPES)
def test_contract_line_parses_to_its_class(kind: str) -> None:
    item = parse_interaction_json(CONTRACT_LINES[kind])
    assert type(item) is CLASSES[kind]
    assert item.type == kind
    assert parse_interaction(json.loads(CONTRACT_LINES[kind])) == item
    assert parse_interaction_json(CONTRACT_LINES[kind].encode()) == item
    assert CLASSES[kind].parse_json(CONTRACT_LINES[kind]) == item


def test_message_fields() -> None:
    m = parse_interaction_json(CONTRACT_LINES["message"])
    assert isinstance(m, Message)
    assert m.occurred_at == datetime(2017, 10, 11, 6, 55, 44, tzinfo=UTC)
    assert m.channel == "social_public"
    assert m.direction is Direction.INBOUND
    assert m.actor is Actor.CUSTOMER
    assert m.body == "My card stopped working"
    assert m.identity is not None
    assert m.identity.kind is IdentityKind.SOCIAL
    assert m.identity.key == "social:twitter:@ada"
    assert (m.customer_id, m.case_id, m.agent_id) == (None, None, None)


def test_call_fields_and_timings() -> None:
    c = parse_interaction_json(CONTRACT_LINES["call"])
    assert isinstance(c, Call)
    assert c.answered_at == T0 + timedelta(seconds=45)
    assert c.ended_at == T0 + timedelta(minutes=6, seconds=45)
    assert c.wrap_up_seconds == 90.0
    assert c.agent_id == "ag_1"
    assert c.abandoned is False
    assert c.wait_seconds == 45.0
    assert c.talk_seconds == 360.0


def test_abandoned_call() -> None:
    c = parse_interaction(_line("call", agent_id=None, answered_at=None, wrap_up_seconds=None))
    assert isinstance(c, Call)
    assert c.abandoned is True
    assert c.answered_at is None
    assert c.wait_seconds == 405.0  # to when the caller hung up
    assert c.talk_seconds is None
    assert c.wrap_up_seconds == 0.0


def test_call_not_ended_yet() -> None:
    c = f.call("c1", ended_at=None, wrap_up_seconds=0)
    assert (c.wait_seconds, c.talk_seconds) == (30.0, None)
    queued = f.call("c2", answered_at=None, ended_at=None)
    assert (queued.abandoned, queued.wait_seconds, queued.talk_seconds) == (True, None, None)


def test_call_answered_in_another_offset_compares_instants() -> None:
    # 10:00:30+01:00 is thirty seconds after 09:00:00Z.
    c = parse_interaction(
        _line("call", answered_at="2026-01-05T10:00:30+01:00", ended_at="2026-01-05T09:01:00Z")
    )
    assert isinstance(c, Call)
    assert c.wait_seconds == 30.0
    assert c.talk_seconds == 30.0


def test_note_status_assignment_survey_handoff_fields() -> None:
    note = parse_interaction_json(CONTRACT_LINES["note"])
    assert isinstance(note, Note)
    assert (note.body, note.actor, note.agent_id) == (
        "Customer verified by security questions",
        Actor.AGENT,
        "ag_1",
    )
    status = parse_interaction_json(CONTRACT_LINES["status"])
    assert isinstance(status, StatusChange)
    assert status.status is CaseStatus.SOLVED
    assignment = parse_interaction_json(CONTRACT_LINES["assignment"])
    assert isinstance(assignment, Assignment)
    assert (assignment.agent_id, assignment.queue, assignment.actor) == (
        "ag_1",
        "cards",
        Actor.SYSTEM,
    )
    survey = parse_interaction_json(CONTRACT_LINES["survey"])
    assert isinstance(survey, Survey)
    assert (survey.csat, survey.nps) == (5, None)
    handoff = parse_interaction_json(CONTRACT_LINES["handoff"])
    assert isinstance(handoff, Handoff)
    assert (handoff.from_channel, handoff.to_channel, handoff.reason) == (
        "social_public",
        "social_private",
        "sensitivity",
    )


@pytest.mark.parametrize("score", range(1, 6))
def test_csat_range(score: int) -> None:
    s = parse_interaction(_line("survey", csat=score))
    assert isinstance(s, Survey)
    assert s.csat == score


@pytest.mark.parametrize("score", range(11))
def test_nps_range(score: int) -> None:
    s = parse_interaction(_line("survey", csat=None, nps=score))
    assert isinstance(s, Survey)
    assert (s.csat, s.nps) == (None, score)


@pytest.mark.parametrize("status", ["open", "pending", "solved", "closed"])
def test_every_status_value(status: str) -> None:
    s = parse_interaction(_line("status", status=status))
    assert isinstance(s, StatusChange)
    assert s.status is CaseStatus(status)


def test_assignment_without_queue() -> None:
    a = parse_interaction(_line("assignment", queue=None))
    assert isinstance(a, Assignment)
    assert a.queue is None


@pytest.mark.parametrize(
    ("actor", "direction"),
    [
        ("customer", "inbound"),
        ("agent", "outbound"),
        ("bot", "outbound"),
        ("system", "outbound"),
        ("system", "inbound"),
    ],
)
def test_message_directions_allowed_per_actor(actor: str, direction: str) -> None:
    extra = {"agent_id": "ag_1"} if actor == "agent" else {}
    m = parse_interaction(_line("message", actor=actor, direction=direction, **extra))
    assert isinstance(m, Message)
    assert (m.actor, m.direction) == (Actor(actor), Direction(direction))


@pytest.mark.parametrize(
    ("owner", "value"),
    [
        ("customer_id", "cus_1"),
        ("case_id", "case_1"),
        ("identity", {"kind": "email", "value": "ada@example.com"}),
    ],
)
def test_any_one_owner_is_enough(owner: str, value: Any) -> None:
    m = parse_interaction(_line("message", identity=None) | {owner: value})
    owners = {"customer_id": m.customer_id, "case_id": m.case_id, "identity": m.identity}
    assert [name for name, held in owners.items() if held is not None] == [owner]


def test_occurred_at_keeps_its_offset_and_instant() -> None:
    m = parse_interaction(_line("message", occurred_at="2017-10-11T12:25:44+05:30"))
    assert m.occurred_at == datetime(2017, 10, 11, 6, 55, 44, tzinfo=UTC)
    assert m.occurred_at.utcoffset() == timedelta(hours=5, minutes=30)
    assert m.to_dict()["occurred_at"] == "2017-10-11T12:25:44+05:30"


def test_interactions_are_hashable_and_compare_by_content() -> None:
    a = parse_interaction_json(CONTRACT_LINES["note"])
    b = parse_interaction_json(CONTRACT_LINES["note"])
    assert a == b
    assert len({a, b}) == 1
    assert a != parse_interaction(_line("note", body="Something else"))


# -- the discriminated union ---------------------------------------------------------------------


def test_type_selects_the_class_even_when_fields_fit_another() -> None:
    # A note's fields are a subset of a message's; the tag alone decides.
    data = _line("message", actor="agent", agent_id="ag_1", direction=None)
    note = parse_interaction(data | {"type": "note"})
    assert type(note) is Note
    err = _rejected(data)
    assert err.errors == (FieldError("direction", None, "field required"),)


@pytest.mark.parametrize("kind", TYPES)
def test_fields_of_another_type_are_extra(kind: str) -> None:
    # A survey score on anything but a survey; a message direction on a survey.
    key, value = ("direction", "inbound") if kind == "survey" else ("csat", 4)
    err = _rejected(_line(kind) | {key: value})
    assert (err.field, err.value) == (key, value)
    assert err.errors[0].reason == "unknown field (not part of the data contract)"


def test_unknown_type() -> None:
    err = _rejected(_line("message", type="fax"))
    assert err.errors == (FieldError("type", "fax", f"unknown type; expected one of {TYPE_LIST}"),)


def test_missing_type() -> None:
    data = _line("message")
    del data["type"]
    err = _rejected(data)
    assert err.field == "type"
    assert err.value is None
    assert err.errors[0].reason == (
        f"field required (it selects the record type); expected one of {TYPE_LIST}"
    )


# -- rejections ----------------------------------------------------------------------------------

REJECTIONS = [
    pytest.param(
        _line("message", occurred_at="2026-01-05T09:00:00"),
        "occurred_at",
        "2026-01-05T09:00:00",
        "a timezone-aware time is required (naive times are never guessed)",
        id="naive-occurred_at",
    ),
    pytest.param(
        _line("call", answered_at="2026-01-05T09:00:45"),
        "answered_at",
        "2026-01-05T09:00:45",
        "a timezone-aware time is required (naive times are never guessed)",
        id="naive-answered_at",
    ),
    pytest.param(
        _line("survey", csat=3, nps=9),
        "csat",
        3,
        "exactly one of csat or nps is required, got both",
        id="survey-both",
    ),
    pytest.param(
        _line("survey", csat=None),
        "csat",
        None,
        "exactly one of csat or nps is required, got neither",
        id="survey-neither",
    ),
    pytest.param(
        _line("survey", csat=0),
        "csat",
        0,
        "Input should be greater than or equal to 1",
        id="csat-0",
    ),
    pytest.param(
        _line("survey", csat=6), "csat", 6, "Input should be less than or equal to 5", id="csat-6"
    ),
    pytest.param(
        _line("survey", csat=4.5), "csat", 4.5, "Input should be a valid integer", id="csat-float"
    ),
    pytest.param(
        _line("survey", csat=True), "csat", True, "Input should be a valid integer", id="csat-bool"
    ),
    pytest.param(
        _line("survey", csat=None, nps=-1),
        "nps",
        -1,
        "Input should be greater than or equal to 0",
        id="nps--1",
    ),
    pytest.param(
        _line("survey", csat=None, nps=11),
        "nps",
        11,
        "Input should be less than or equal to 10",
        id="nps-11",
    ),
    pytest.param(
        _line("call", answered_at="2026-01-05T08:59:59Z"),
        "answered_at",
        "2026-01-05T08:59:59Z",
        "answered_at 2026-01-05T08:59:59+00:00 is before the call arrived "
        "(occurred_at 2026-01-05T09:00:00+00:00)",
        id="answered-before-arrival",
    ),
    pytest.param(
        _line("call", ended_at="2026-01-05T09:00:30Z"),
        "ended_at",
        "2026-01-05T09:00:30Z",
        "ended_at 2026-01-05T09:00:30+00:00 is before answered_at 2026-01-05T09:00:45+00:00",
        id="ended-before-answer",
    ),
    pytest.param(
        _line(
            "call",
            agent_id=None,
            answered_at=None,
            wrap_up_seconds=None,
            ended_at="2026-01-05T08:00:00Z",
        ),
        "ended_at",
        "2026-01-05T08:00:00Z",
        "ended_at 2026-01-05T08:00:00+00:00 is before occurred_at 2026-01-05T09:00:00+00:00",
        id="abandoned-ended-before-arrival",
    ),
    pytest.param(
        _line("call", agent_id=None, answered_at=None),
        "wrap_up_seconds",
        90,
        "an abandoned call (no answered_at) has no wrap_up_seconds",
        id="abandoned-with-wrap-up",
    ),
    pytest.param(
        _line("call", wrap_up_seconds=-1),
        "wrap_up_seconds",
        -1,
        "Input should be greater than or equal to 0",
        id="negative-wrap-up",
    ),
    pytest.param(
        _line("message", extra="x"),
        "extra",
        "x",
        "unknown field (not part of the data contract)",
        id="extra-field",
    ),
    pytest.param(
        _line("message", identity=None, customer_id=None, case_id=None),
        "customer_id",
        None,
        "one of customer_id, identity or case_id is required",
        id="no-owner",
    ),
    pytest.param(
        _line("note", agent_id=None),
        "agent_id",
        None,
        "agent_id is required when actor is 'agent'",
        id="agent-without-agent_id",
    ),
    pytest.param(
        _line("survey", agent_id="ag_1"),
        "agent_id",
        "ag_1",
        "agent_id is only set when actor is 'agent', not customer",
        id="agent_id-on-customer-record",
    ),
    pytest.param(
        _line("assignment", agent_id=None),
        "agent_id",
        None,
        "agent_id (the new owner) is required for an assignment",
        id="assignment-without-owner",
    ),
    pytest.param(
        _line("message", direction="outbound"),
        "direction",
        "outbound",
        "an outbound interaction is not sent by the customer",
        id="customer-outbound",
    ),
    pytest.param(
        _line("message", actor="bot", direction="inbound"),
        "direction",
        "inbound",
        "an inbound interaction comes from the customer, not a bot",
        id="bot-inbound",
    ),
    pytest.param(
        _line("message", body=""),
        "body",
        "",
        "String should have at least 1 character",
        id="empty-body",
    ),
    pytest.param(
        _line("handoff", to_channel="social_public"),
        "to_channel",
        "social_public",
        "from_channel and to_channel are the same",
        id="handoff-to-same-channel",
    ),
    pytest.param(
        _line("handoff", reason=""),
        "reason",
        "",
        "String should have at least 1 character",
        id="handoff-without-reason",
    ),
    pytest.param(
        _line("message", identity={"kind": "social", "value": "@ada"}),
        "identity.platform",
        None,
        "a social identity names its platform",
        id="nested-identity",
    ),
    pytest.param(
        _line("message", actor="robot"),
        "actor",
        "robot",
        "Input should be 'customer', 'agent', 'bot' or 'system'",
        id="unknown-actor",
    ),
    pytest.param(
        _line("message", id=" tw-1"),
        "id",
        " tw-1",
        "String should match pattern '^\\S(?:.*\\S)?$'",
        id="padded-id",
    ),
]


@pytest.mark.parametrize(("data", "field", "value", "reason"), REJECTIONS)
def test_rejection_names_field_value_and_reason(
    data: dict[str, Any], field: str, value: Any, reason: str
) -> None:
    err = _rejected(data)
    assert type(err) is InvalidInput
    assert err.errors == (FieldError(field, value, reason),)
    assert (err.field, err.value) == (field, value)
    assert str(err).startswith(f"invalid interaction: {field}=")
    # The same record as a JSON line fails the same way.
    with pytest.raises(InvalidInput) as caught:
        parse_interaction_json(json.dumps(data))
    assert caught.value.errors == err.errors


@pytest.mark.parametrize("kind", TYPES)
def test_naive_time_is_rejected_for_every_type(kind: str) -> None:
    err = _rejected(_line(kind, occurred_at="2026-01-05T09:00:00"))
    assert (err.field, err.value) == ("occurred_at", "2026-01-05T09:00:00")


def test_naive_datetime_object_is_rejected() -> None:
    data = _line("note") | {"occurred_at": datetime(2026, 1, 5, 9, 0)}
    err = _rejected(data)
    assert (err.field, err.value) == ("occurred_at", datetime(2026, 1, 5, 9, 0))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (_line("message", channel="pager"), "channel"),
        (_line("handoff", from_channel="pager"), "from_channel"),
        (_line("handoff", to_channel="pager", channel="email"), "to_channel"),
    ],
    ids=["channel", "from_channel", "to_channel"],
)
def test_unknown_channel(data: dict[str, Any], field: str) -> None:
    err = _rejected(data)
    assert isinstance(err, UnknownChannel)
    assert err.errors == (FieldError(field, "pager", "unknown channel"),)
    assert err.known == BUILTIN_CHANNELS.names()
    assert str(err).endswith("(known channels: " + ", ".join(BUILTIN_CHANNELS.names()) + ")")


def test_several_unknown_channels_are_all_named() -> None:
    err = _rejected(_line("handoff", from_channel="pager", to_channel="fax", channel="telex"))
    assert isinstance(err, UnknownChannel)
    assert [(e.field, e.value) for e in err.errors] == [
        ("channel", "telex"),
        ("from_channel", "pager"),
        ("to_channel", "fax"),
    ]


def test_unknown_channel_with_another_error_is_plain_invalid_input() -> None:
    err = _rejected(_line("message", channel="pager", body=""))
    assert type(err) is InvalidInput
    assert [(e.field, e.value) for e in err.errors] == [("channel", "pager"), ("body", "")]


def test_concrete_class_entry_points_reject_the_same_way() -> None:
    data = _line("survey", csat=9)
    with pytest.raises(InvalidInput) as by_parse:
        Survey.parse(data)
    data.pop("type")
    with pytest.raises(InvalidInput) as by_keywords:
        Survey(**data)
    assert by_parse.value.errors == by_keywords.value.errors
    assert by_parse.value.errors == (
        FieldError("csat", 9, "Input should be less than or equal to 5"),
    )


def test_wrong_type_for_the_class_is_rejected() -> None:
    with pytest.raises(InvalidInput) as caught:
        Note.parse(_line("note", type="message"))
    assert (caught.value.field, caught.value.value) == ("type", "message")


@pytest.mark.parametrize("value", ["reopened", 3])
def test_bad_status_names_the_status_field(value: Any) -> None:
    err = _rejected(_line("status", status=value))
    assert (err.field, err.value) == ("status", value)


@pytest.mark.parametrize("tag", ["note", "call", "survey"])
def test_extra_field_named_like_a_type_is_named(tag: str) -> None:
    err = _rejected(_line("message", **{tag: "x"}))
    assert (err.field, err.value) == (tag, "x")


def test_bad_status_through_the_class_names_the_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        StatusChange.parse(_line("status", status="reopened"))
    assert (caught.value.field, caught.value.value) == ("status", "reopened")


@pytest.mark.parametrize("data", ["a note", 42, None, ["message"]])
def test_non_object_is_rejected(data: Any) -> None:
    err = _rejected(data)
    assert err.field == "interaction"
    assert err.value == data


def test_malformed_json_line() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_interaction_json('{"id": "m1", ')
    assert caught.value.field == "interaction"
    assert caught.value.errors[0].reason.startswith("Invalid JSON")


# -- channel registries and trusted= -------------------------------------------------------------


def test_channels_argument_selects_the_registry() -> None:
    mine = BUILTIN_CHANNELS.with_channels(LINE)
    data = _line("message", channel="line")
    assert parse_interaction(data, channels=mine).channel == "line"
    assert parse_interaction_json(json.dumps(data), channels=mine).channel == "line"
    with pytest.raises(UnknownChannel):
        parse_interaction(data)


def test_use_channels_applies_to_the_union() -> None:
    data = _line("handoff", from_channel="line", to_channel="chat", channel="chat")
    with use_channels(BUILTIN_CHANNELS.with_channels(LINE)):
        h = parse_interaction(data)
    assert isinstance(h, Handoff)
    assert h.from_channel == "line"


def test_trusted_skips_the_registry_but_nothing_else() -> None:
    data = _line("message", channel="line")
    assert parse_interaction(data, trusted=True).channel == "line"
    assert parse_interaction_json(json.dumps(data), trusted=True).channel == "line"
    # trusted wins over an explicit registry
    only_chat = ChannelRegistry.of([BUILTIN_CHANNELS["chat"]])
    assert parse_interaction(data, channels=only_chat, trusted=True).channel == "line"
    err = _rejected(_line("message", channel="Line!"), trusted=True)
    assert (err.field, err.value) == ("channel", "Line!")
    err = _rejected(
        _line("message", channel="line", occurred_at="2026-01-05T09:00:00"), trusted=True
    )
    assert err.errors == (
        FieldError(
            "occurred_at",
            "2026-01-05T09:00:00",
            "a timezone-aware time is required (naive times are never guessed)",
        ),
    )
    err = _rejected(_line("survey", csat=None), trusted=True)
    assert err.field == "csat"


def test_json_array_is_trusted_by_default() -> None:
    lines = [_line("message", channel="line"), _line("note"), _line("survey", nps=10, csat=None)]
    items = parse_interactions_json_array(json.dumps(lines))
    assert [type(i) for i in items] == [Message, Note, Survey]
    assert items[0].channel == "line"
    assert items[1] == parse_interaction_json(CONTRACT_LINES["note"])


def test_json_array_untrusted_checks_channels_and_names_the_position() -> None:
    lines = [_line("note"), _line("message", channel="line")]
    with pytest.raises(UnknownChannel) as caught:
        parse_interactions_json_array(json.dumps(lines), trusted=False)
    assert caught.value.errors == (FieldError("[1].channel", "line", "unknown channel"),)


def test_json_array_names_the_position_of_a_bad_record() -> None:
    lines = [_line("note"), _line("note"), _line("survey", csat=7)]
    with pytest.raises(InvalidInput) as caught:
        parse_interactions_json_array(json.dumps(lines))
    assert caught.value.errors == (
        FieldError("[2].csat", 7, "Input should be less than or equal to 5"),
    )


def test_json_array_of_nothing() -> None:
    assert parse_interactions_json_array("[]") == []
    with pytest.raises(InvalidInput):
        parse_interactions_json_array('{"id": "n1"}')


# -- JSON Schema ---------------------------------------------------------------------------------


def test_json_schema_is_json_and_describes_all_seven_types() -> None:
    schema = interaction_json_schema()
    assert json.loads(json.dumps(schema)) == schema
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "omnicontext interaction"
    assert schema["discriminator"]["propertyName"] == "type"
    mapping = schema["discriminator"]["mapping"]
    assert sorted(mapping) == sorted(TYPES)
    refs = {branch["$ref"] for branch in schema["oneOf"]}
    assert refs == set(mapping.values())
    assert len(schema["oneOf"]) == 7
    for tag, ref in mapping.items():
        name = ref.removeprefix("#/$defs/")
        definition = schema["$defs"][name]
        assert name == CLASSES[tag].__name__
        assert definition["properties"]["type"]["const"] == tag
        assert definition["additionalProperties"] is False


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("Message", {"direction", "body", "answer_id", "answer_version"}),
        ("Call", {"direction", "answered_at", "ended_at", "wrap_up_seconds"}),
        ("Note", {"body"}),
        ("StatusChange", {"status"}),
        ("Assignment", {"agent_id", "queue"}),
        ("Survey", {"csat", "nps"}),
        ("Handoff", {"from_channel", "to_channel", "reason"}),
    ],
)
def test_json_schema_holds_the_contract_fields(name: str, fields: set[str]) -> None:
    properties = interaction_json_schema()["$defs"][name]["properties"]
    common = {"id", "type", "occurred_at", "channel", "case_id", "customer_id", "identity"}
    assert common | {"actor", "agent_id"} | fields == set(properties)
    assert {"id", "occurred_at", "channel", "actor"} <= set(
        interaction_json_schema()["$defs"][name]["required"]
    )


def test_json_schema_lists_builtin_channels_as_examples_only() -> None:
    channel = interaction_json_schema()["$defs"]["Message"]["properties"]["channel"]
    assert sorted(channel["examples"]) == list(BUILTIN_CHANNELS.names())
    assert channel["pattern"] == "^[a-z][a-z0-9_]{0,63}$"
    assert "enum" not in channel


def test_json_schema_bounds_survey_scores() -> None:
    props = interaction_json_schema()["$defs"]["Survey"]["properties"]
    csat = next(b for b in props["csat"]["anyOf"] if b.get("type") == "integer")
    nps = next(b for b in props["nps"]["anyOf"] if b.get("type") == "integer")
    assert (csat["minimum"], csat["maximum"]) == (1, 5)
    assert (nps["minimum"], nps["maximum"]) == (0, 10)


@pytest.mark.parametrize("name", [c.__name__ for c in CLASSES.values()])
def test_json_schema_requires_the_discriminator(name: str) -> None:
    assert "type" in interaction_json_schema()["$defs"][name]["required"]


def test_json_schema_is_fresh_each_call() -> None:
    first = interaction_json_schema()
    first["title"] = "changed"
    assert interaction_json_schema()["title"] == "omnicontext interaction"


def test_other_offsets_serialise_with_their_offset() -> None:
    at = datetime(2026, 1, 5, 4, 0, tzinfo=timezone(timedelta(hours=-5)))
    m = f.message("m1", at=at)
    assert json.loads(m.to_json())["occurred_at"] == "2026-01-05T04:00:00-05:00"
    assert parse_interaction_json(m.to_json()) == m


def test_malformed_json_bytes_are_reported_as_text() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_interaction_json(b"{not json\n")
    assert caught.value.value == "{not json"
    assert "b'" not in str(caught.value)


def test_undecodable_bytes_are_reported_with_replacement_characters() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_interaction_json(b'\xff{"id": 1}')
    assert caught.value.value.startswith("\ufffd")


# -- the approved answer a reply was written from ------------------------------------------------

REPLY = (
    '{"id": "m-2", "type": "message", "occurred_at": "2026-01-05T09:05:00+01:00",'
    ' "channel": "email", "case_id": "case_1", "customer_id": "cus_1", "actor": "agent",'
    ' "agent_id": "ag_1", "direction": "outbound", "body": "Refunds take 5 working days.",'
    ' "answer_id": "refund-time", "answer_version": 3}'
)


def _reply(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(REPLY) | changes
    return {k: v for k, v in data.items() if v is not None}


def test_a_reply_names_the_answer_and_version_it_was_written_from() -> None:
    reply = parse_interaction_json(REPLY)
    assert isinstance(reply, Message)
    assert (reply.answer_id, reply.answer_version) == ("refund-time", 3)
    assert json.loads(reply.to_json())["answer_id"] == "refund-time"
    assert reply.to_dict()["answer_version"] == 3
    assert parse_interaction_json(reply.to_json()) == reply
    assert reply != reply.model_copy(update={"answer_version": 4})
    # The version may be unknown (an export that names only the macro).
    unversioned = parse_interaction(_reply(answer_version=None))
    assert isinstance(unversioned, Message)
    assert (unversioned.answer_id, unversioned.answer_version) == ("refund-time", None)
    by_bot = parse_interaction(_reply(actor="bot", agent_id=None))
    assert isinstance(by_bot, Message)
    assert by_bot.answer_id == "refund-time"


def test_messages_without_an_answer_keep_their_json_form() -> None:
    plain = f.message("m1", direction="outbound")
    assert (plain.answer_id, plain.answer_version) == (None, None)
    assert "answer" not in plain.to_json()
    assert "answer" not in json.dumps(plain.to_dict())
    assert parse_interaction_json(CONTRACT_LINES["message"]).to_json() == (
        parse_interaction(json.loads(CONTRACT_LINES["message"])).to_json()
    )


ANSWER_REJECTIONS = [
    pytest.param(
        _reply(answer_id=None),
        "answer_version",
        3,
        "answer_version is only set with answer_id (the answer used)",
        id="version-without-answer",
    ),
    pytest.param(
        _reply(actor="customer", agent_id=None, direction="inbound"),
        "answer_id",
        "refund-time",
        "only an outbound message is written from an approved answer; "
        "an inbound message comes from the customer",
        id="inbound-with-answer",
    ),
    pytest.param(
        _reply(actor="customer", agent_id=None, direction="inbound", answer_id=None),
        "answer_version",
        3,
        "answer_version is only set with answer_id (the answer used)",
        id="inbound-with-version-only",
    ),
    pytest.param(
        _reply(answer_version=0),
        "answer_version",
        0,
        "Input should be greater than or equal to 1",
        id="version-zero",
    ),
    pytest.param(
        _reply(answer_version=-2),
        "answer_version",
        -2,
        "Input should be greater than or equal to 1",
        id="version-negative",
    ),
    pytest.param(
        _reply(answer_version="3"),
        "answer_version",
        "3",
        "Input should be a valid integer",
        id="version-as-text",
    ),
    pytest.param(
        _reply(answer_version=3.0),
        "answer_version",
        3.0,
        "Input should be a valid integer",
        id="version-as-float",
    ),
    pytest.param(
        _reply(answer_version=True),
        "answer_version",
        True,
        "Input should be a valid integer",
        id="version-as-bool",
    ),
    pytest.param(
        _reply(answer_id=""),
        "answer_id",
        "",
        "String should have at least 1 character",
        id="empty-answer-id",
    ),
    pytest.param(
        _reply(answer_id="refund-time "),
        "answer_id",
        "refund-time ",
        "String should match pattern '^\\S(?:.*\\S)?$'",
        id="padded-answer-id",
    ),
]


@pytest.mark.parametrize(("data", "field", "value", "reason"), ANSWER_REJECTIONS)
def test_a_bad_answer_reference_is_rejected_naming_the_field(
    data: dict[str, Any], field: str, value: Any, reason: str
) -> None:
    err = _rejected(data)
    assert err.errors == (FieldError(field, value, reason),)
    with pytest.raises(InvalidInput) as caught:
        parse_interaction_json(json.dumps(data))
    assert (caught.value.field, caught.value.value) == (field, value)
    with pytest.raises(InvalidInput) as built:
        Message(**data)
    assert (built.value.field, built.value.value) == (field, value)


def test_json_schema_describes_the_answer_fields() -> None:
    props = interaction_json_schema()["$defs"]["Message"]["properties"]
    version = next(b for b in props["answer_version"]["anyOf"] if b.get("type") == "integer")
    assert version["minimum"] == 1
    answer = next(b for b in props["answer_id"]["anyOf"] if b.get("type") == "string")
    assert (answer["minLength"], answer["maxLength"]) == (1, 256)
    assert "answer_id" not in interaction_json_schema()["$defs"]["Note"]["properties"]


# The fast KPI reader mirrors the rules: it reads the same values from the lines
# the models accept, and declines every line they refuse (the models then
# report it).
def _fast_decode(raw: str) -> Any | None:
    from omnicontext.kpi import reader

    if reader._DECODER is None:
        pytest.skip("msgspec is not installed")
    try:
        return reader._DECODER.decode(raw.encode())
    except reader._DECODE_ERRORS:
        return None


@pytest.mark.parametrize(
    "data",
    [
        json.loads(REPLY),
        _reply(answer_version=None),
        _reply(answer_version=1),
        _reply(answer_id="\u5e38\u89c1\u95ee\u9898/\u9000\u6b3e", answer_version=12),
        _reply(answer_id=None, answer_version=None),
    ],
    ids=["with-version", "without-version", "version-1", "unicode-id", "no-answer"],
)
def test_the_fast_reader_reads_the_answer_fields_the_models_accept(data: dict[str, Any]) -> None:
    raw = json.dumps(data)
    model = parse_interaction_json(raw)
    assert isinstance(model, Message)
    record = _fast_decode(raw)
    assert record is not None, raw
    assert (record.answer_id, record.answer_version) == (model.answer_id, model.answer_version)
    assert type(record.answer_version) is type(model.answer_version)
    assert json.loads(model.to_json()) == data  # and the models write the line back as read


@pytest.mark.parametrize(("data", "field", "value", "reason"), ANSWER_REJECTIONS)
def test_the_fast_reader_declines_what_the_models_refuse(
    data: dict[str, Any], field: str, value: Any, reason: str
) -> None:
    assert _fast_decode(json.dumps(data)) is None


@settings(max_examples=400, deadline=None)
@given(
    direction=st.sampled_from(["inbound", "outbound"]),
    answer_id=st.sampled_from([None, "refund-time", "a", "", " x", "x\ny", "x" * 256, "x" * 257]),
    answer_version=st.sampled_from([None, 1, 2, 10_000, 0, -1, True, False, 1.0, 2.5, "2", []]),
)
def test_the_fast_reader_and_the_models_agree_on_every_combination(
    direction: str, answer_id: str | None, answer_version: Any
) -> None:
    actor = {"inbound": {"actor": "customer", "agent_id": None}, "outbound": {}}[direction]
    data = _reply(direction=direction, answer_id=answer_id, answer_version=answer_version, **actor)
    raw = json.dumps(data)
    record = _fast_decode(raw)
    try:
        model = parse_interaction_json(raw)
    except InvalidInput as exc:
        refused: InvalidInput | None = exc
    else:
        refused = None
    if refused is not None:
        assert record is None, raw
        assert refused.field in ("answer_id", "answer_version"), raw
        return
    assert isinstance(model, Message)
    assert record is not None, raw  # a valid line is read fast
    assert (record.answer_id, record.answer_version) == (model.answer_id, model.answer_version)


# -- through the stores: the document is the JSON form, so both fields are kept ------------------


def test_both_stores_keep_the_answer_a_reply_used(tmp_path: Path) -> None:
    reply = parse_interaction_json(REPLY)
    unversioned = parse_interaction(_reply(id="m-3", answer_version=None))
    question = f.message("m-1", at=T0 - timedelta(hours=2), case_id="case_1")  # 07:00Z
    path = tmp_path / "store.db"
    for store in (MemoryStore(), SQLiteStore(path)):
        with store:
            assert store.interactions.append_many([question, reply, unversioned]).added == 3
            assert store.interactions.get("m-2") == reply
            timeline = store.interactions.case_timeline("case_1").items
            assert [
                (getattr(i, "answer_id", None), getattr(i, "answer_version", None))
                for i in timeline
            ] == [
                (None, None),
                ("refund-time", 3),
                ("refund-time", None),
            ]
            scanned = [i for chunk in store.interactions.scan(chunk_size=2) for i in chunk]
            assert scanned == list(timeline)
            assert store.interactions.append(reply) is False  # the same content
            with pytest.raises(ConflictError):
                store.interactions.append(reply.model_copy(update={"answer_version": 4}))
    with SQLiteStore(path) as again:
        stored = again.interactions.get("m-2")
        assert isinstance(stored, Message)
        assert (stored.answer_id, stored.answer_version) == ("refund-time", 3)
    raw = sqlite3.connect(path)
    try:
        (doc,) = raw.execute("SELECT doc FROM interactions WHERE id = 'm-2'").fetchone()
        (plain,) = raw.execute("SELECT doc FROM interactions WHERE id = 'm-1'").fetchone()
    finally:
        raw.close()
    assert (json.loads(doc)["answer_id"], json.loads(doc)["answer_version"]) == ("refund-time", 3)
    assert "answer" not in plain
