"""Cases: the status lifecycle, priority, tags and checkpoints."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest

from omnicontext.errors import FieldError, InvalidInput, InvalidTransition, UnknownChannel
from omnicontext.model import Case, CaseStatus, Checkpoint, Priority, allowed_transitions
from omnicontext.testing import factories as f

OPEN, PENDING, SOLVED, CLOSED = (
    CaseStatus.OPEN,
    CaseStatus.PENDING,
    CaseStatus.SOLVED,
    CaseStatus.CLOSED,
)

#: The lifecycle as the data contract states it: open -> pending / solved -> closed,
#: pending goes back to open, reopening is solved -> open, closed is final.
LEGAL = {
    (OPEN, PENDING),
    (OPEN, SOLVED),
    (PENDING, OPEN),
    (PENDING, SOLVED),
    (SOLVED, OPEN),
    (SOLVED, CLOSED),
}

ALL_PAIRS = list(itertools.product(CaseStatus, CaseStatus))
MOVES = [(a, b) for a, b in ALL_PAIRS if a is not b]


def _case(status: CaseStatus | str = OPEN, **fields: Any) -> Case:
    return f.case(status=status, **fields)


def _cp(name: str, minute: float = 0, **fields: Any) -> Checkpoint:
    return Checkpoint(name=name, done_at=f.minutes(minute), **fields)


# -- lifecycle -----------------------------------------------------------------------------------


def test_the_matrix_covers_every_pair() -> None:
    assert len(ALL_PAIRS) == 16
    assert len(MOVES) == 12
    assert set(MOVES) > LEGAL


@pytest.mark.parametrize(("source", "target"), MOVES, ids=lambda s: str(s))
def test_transition_matrix(source: CaseStatus, target: CaseStatus) -> None:
    case = _case(source)
    if (source, target) in LEGAL:
        moved = case.transition(target)
        assert moved.status is target
        assert moved is not case
        assert case.status is source  # the original is untouched
        assert moved.model_dump(exclude={"status"}) == case.model_dump(exclude={"status"})
    else:
        with pytest.raises(InvalidTransition) as caught:
            case.transition(target)
        err = caught.value
        assert isinstance(err, InvalidInput)
        assert err.subject == "case"
        assert err.field == "status"
        assert err.value == target.value
        assert err.errors[0].reason.startswith(
            f"cannot move from {source.value} to {target.value}; allowed: "
        )


@pytest.mark.parametrize(("source", "target"), MOVES, ids=lambda s: str(s))
def test_allowed_transitions_agrees_with_the_contract(
    source: CaseStatus, target: CaseStatus
) -> None:
    assert (target in allowed_transitions(source)) is ((source, target) in LEGAL)
    assert (target in allowed_transitions(source.value)) is ((source, target) in LEGAL)


@pytest.mark.parametrize("status", list(CaseStatus), ids=str)
def test_moving_to_the_current_status_is_a_no_op(status: CaseStatus) -> None:
    case = _case(status)
    assert case.transition(status) is case
    assert case.transition(status.value) is case
    assert status not in allowed_transitions(status)


def test_transition_accepts_plain_strings() -> None:
    assert _case().transition("pending").status is PENDING


def test_reopen_is_solved_to_open() -> None:
    reopened = _case().transition("solved").transition("open")
    assert reopened.status is OPEN


def test_full_life_of_a_case() -> None:
    case = _case()
    for step in ("pending", "open", "pending", "solved", "open", "solved", "closed"):
        case = case.transition(step)
        assert case.status == step
    assert case.status is CLOSED


def test_closed_is_final() -> None:
    closed = _case(CLOSED)
    assert allowed_transitions(CLOSED) == frozenset()
    for target in (OPEN, PENDING, SOLVED):
        with pytest.raises(InvalidTransition) as caught:
            closed.transition(target)
        assert caught.value.errors[0].reason.endswith("allowed: nothing (final)")


def test_invalid_transition_message() -> None:
    with pytest.raises(InvalidTransition) as caught:
        _case(OPEN).transition("closed")
    assert str(caught.value) == (
        "invalid case: status='closed': cannot move from open to closed; allowed: pending, solved"
    )
    with pytest.raises(InvalidTransition) as caught:
        _case(CLOSED).transition("open")
    assert str(caught.value) == (
        "invalid case: status='open': cannot move from closed to open; allowed: nothing (final)"
    )


def test_transition_to_an_unknown_status() -> None:
    with pytest.raises(InvalidTransition) as caught:
        _case().transition("reopened")
    assert caught.value.errors == (
        FieldError("status", "reopened", "not one of open, pending, solved, closed"),
    )


def test_allowed_transitions_of_an_unknown_status_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as caught:
        allowed_transitions("reopened")
    assert caught.value.value == "reopened"
    assert caught.value.field == "status"
    assert "solved" in str(caught.value)


def test_transition_keeps_the_version() -> None:
    case = _case(version=4)
    assert case.transition("solved").version == 4


def test_status_must_be_a_known_one() -> None:
    with pytest.raises(InvalidInput) as caught:
        Case(id="k1", customer_id="cus_1", status="reopened")
    assert (caught.value.field, caught.value.value) == ("status", "reopened")


# -- fields --------------------------------------------------------------------------------------


def test_case_defaults() -> None:
    case = Case(id="k1", customer_id="cus_1")
    assert case.status is OPEN
    assert case.priority is Priority.NORMAL
    assert case.subject == ""
    assert case.tags == ()
    assert case.checkpoints == ()
    assert (case.intent, case.created_at, case.version) == (None, None, 0)


@pytest.mark.parametrize("priority", ["low", "normal", "high", "urgent"])
def test_priorities(priority: str) -> None:
    assert _case(priority=priority).priority is Priority(priority)


def test_tags_are_sorted_and_deduplicated() -> None:
    case = _case(tags=["refund", "abroad", "refund", "card"])
    assert case.tags == ("abroad", "card", "refund")
    assert case == _case(tags=["card", "abroad", "refund"])
    assert case.to_dict()["tags"] == ["abroad", "card", "refund"]


@pytest.mark.parametrize(
    ("fields", "field", "value"),
    [
        ({"priority": "critical"}, "priority", "critical"),
        ({"tags": ["ok", ""]}, "tags[1]", ""),
        ({"intent": ""}, "intent", ""),
        ({"intent": "i" * 129}, "intent", "i" * 129),
        ({"subject": "s" * 1025}, "subject", "s" * 1025),
        ({"created_at": "2026-01-05T09:00:00"}, "created_at", "2026-01-05T09:00:00"),
        ({"version": -1}, "version", -1),
        ({"version": "2"}, "version", "2"),
        ({"customer_id": ""}, "customer_id", ""),
        ({"id": " k1"}, "id", " k1"),
        ({"owner": "ag_1"}, "owner", "ag_1"),
    ],
)
def test_bad_case_names_field_and_value(
    fields: dict[str, object], field: str, value: object
) -> None:
    data = {"id": "k1", "customer_id": "cus_1"} | fields
    with pytest.raises(InvalidInput) as caught:
        Case.parse(data)
    assert caught.value.subject == "case"
    assert (caught.value.field, caught.value.value) == (field, value)


# -- checkpoints ---------------------------------------------------------------------------------


def test_with_checkpoint_records_a_step() -> None:
    case = _case()
    cp = _cp("identity_verified", channel="phone", detail={"method": "security_questions"})
    done = case.with_checkpoint(cp)
    assert done.checkpoints == (cp,)
    assert case.checkpoints == ()
    assert done.checkpoint("identity_verified") is cp
    assert done.checkpoint("form_filled") is None


def test_with_checkpoint_replaces_a_step_of_the_same_name() -> None:
    first = _cp("identity_verified", 0, channel="chat")
    other = _cp("form_filled", 1)
    again = _cp("identity_verified", 5, channel="phone")
    case = _case().with_checkpoint(first).with_checkpoint(other).with_checkpoint(again)
    assert case.checkpoints == (other, again)
    assert case.checkpoint("identity_verified") is again
    assert case.checkpoint("identity_verified").channel == "phone"  # type: ignore[union-attr]


def test_pending_checkpoints_keeps_the_required_order() -> None:
    case = _case().with_checkpoint(_cp("form_filled")).with_checkpoint(_cp("photo_uploaded"))
    required = ["identity_verified", "form_filled", "address_confirmed", "photo_uploaded"]
    assert case.pending_checkpoints(required) == ("identity_verified", "address_confirmed")
    assert case.pending_checkpoints(tuple(required)) == ("identity_verified", "address_confirmed")
    assert case.pending_checkpoints([]) == ()
    assert case.pending_checkpoints(["form_filled"]) == ()
    assert _case().pending_checkpoints(["a", "b"]) == ("a", "b")


def test_checkpoints_parse_from_json() -> None:
    case = Case.parse_json(
        '{"id": "k1", "customer_id": "cus_1", "checkpoints": [{"name": "form_filled",'
        ' "done_at": "2026-01-05T10:00:00+01:00", "channel": "web",'
        ' "detail": {"order": "A-1001"}}]}'
    )
    cp = case.checkpoint("form_filled")
    assert cp is not None
    assert cp.done_at == f.T0
    assert cp.done_at.utcoffset() == timedelta(hours=1)
    assert cp.channel == "web"
    assert cp.detail == {"order": "A-1001"}


@pytest.mark.parametrize(
    ("checkpoint", "field", "value"),
    [
        ({"name": "", "done_at": "2026-01-05T09:00:00Z"}, "checkpoints[0].name", ""),
        ({"name": "x"}, "checkpoints[0].done_at", None),
        (
            {"name": "x", "done_at": "2026-01-05T09:00:00"},
            "checkpoints[0].done_at",
            "2026-01-05T09:00:00",
        ),
        (
            {"name": "x", "done_at": "2026-01-05T09:00:00Z", "detail": {"n": 1}},
            "checkpoints[0].detail.n",
            1,
        ),
    ],
)
def test_bad_checkpoint_names_its_path(
    checkpoint: dict[str, object], field: str, value: object
) -> None:
    with pytest.raises(InvalidInput) as caught:
        Case.parse({"id": "k1", "customer_id": "cus_1", "checkpoints": [checkpoint]})
    assert (caught.value.field, caught.value.value) == (field, value)


def test_checkpoint_on_an_unknown_channel() -> None:
    with pytest.raises(UnknownChannel) as caught:
        _cp("form_filled", channel="pager")
    assert caught.value.subject == "checkpoint"
    assert (caught.value.field, caught.value.value) == ("channel", "pager")
