"""Access records: who looked at which customer's context, and which fields."""

from __future__ import annotations

import json
from datetime import timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicontext.errors import InvalidInput, UnknownChannel
from omnicontext.model import AccessRecord
from omnicontext.testing import factories as f


def _record(**fields: Any) -> AccessRecord:
    values: dict[str, Any] = {
        "id": "acc_1",
        "occurred_at": f.T0,
        "viewer_id": "agt_7",
        "viewer_role": "agent",
        **fields,
    }
    return AccessRecord(**values)


def test_defaults_say_a_handoff_with_nothing_shown() -> None:
    record = _record()
    assert (record.purpose, record.redactions) == ("handoff", 0)
    assert (record.customer_id, record.case_id, record.channel) == (None, None, None)
    assert (record.fields_shown, record.fields_withheld) == ((), ())


def test_json_round_trip_keeps_every_field_and_drops_absent_ones() -> None:
    plus_one = timezone(timedelta(hours=1))
    record = _record(
        occurred_at=f.T0.astimezone(plus_one),
        customer_id="cus_1",
        case_id="case_1",
        purpose="audit",
        channel="phone",
        fields_shown=["name", "timeline[0].body"],
        fields_withheld=["email"],
        redactions=4,
    )
    data = json.loads(record.to_json())
    assert data["occurred_at"] == "2026-01-05T10:00:00+01:00"
    assert data["fields_shown"] == ["name", "timeline[0].body"]
    assert AccessRecord.parse_json(record.to_json()) == record
    bare = json.loads(_record().to_json())
    assert "customer_id" not in bare
    assert "channel" not in bare


@pytest.mark.parametrize(
    ("fields", "field", "value"),
    [
        ({"occurred_at": "2026-01-05T09:00:00"}, "occurred_at", "2026-01-05T09:00:00"),
        ({"viewer_id": ""}, "viewer_id", ""),
        ({"viewer_id": " agt_7"}, "viewer_id", " agt_7"),
        ({"viewer_role": ""}, "viewer_role", ""),
        ({"viewer_role": "r" * 65}, "viewer_role", "r" * 65),
        ({"purpose": ""}, "purpose", ""),
        ({"redactions": -1}, "redactions", -1),
        ({"redactions": "3"}, "redactions", "3"),
        ({"redactions": True}, "redactions", True),
        ({"fields_shown": ["name", ""]}, "fields_shown.[1]", ""),
        ({"secret": "x"}, "secret", "x"),
    ],
)
def test_bad_fields_are_named_with_their_value(
    fields: dict[str, Any], field: str, value: Any
) -> None:
    with pytest.raises(InvalidInput) as caught:
        _record(**fields)
    assert caught.value.subject == "access record"
    assert caught.value.field == field.replace(".[", "[")
    assert caught.value.value == value


def test_an_unknown_channel_is_rejected_with_the_known_ones() -> None:
    with pytest.raises(UnknownChannel) as caught:
        _record(channel="carrier_pigeon")
    assert caught.value.field == "channel"
    assert "phone" in caught.value.known


def test_a_field_cannot_be_both_shown_and_withheld() -> None:
    with pytest.raises(InvalidInput) as caught:
        _record(fields_shown=["name", "email"], fields_withheld=["email", "phone"])
    assert caught.value.field == "fields_withheld"
    assert caught.value.value == ["email", "phone"]
    assert "email" in str(caught.value)


def test_records_are_frozen() -> None:
    record = _record()
    with pytest.raises(Exception, match="frozen"):
        record.redactions = 3  # type: ignore[misc]


_names = st.lists(st.from_regex(r"[a-z_]{1,12}", fullmatch=True), max_size=5, unique=True)


@given(shown=_names, withheld=_names, redactions=st.integers(0, 10_000))
def test_any_disjoint_split_round_trips(
    shown: list[str], withheld: list[str], redactions: int
) -> None:
    withheld = [w for w in withheld if w not in shown]
    record = _record(fields_shown=shown, fields_withheld=withheld, redactions=redactions)
    again = AccessRecord.parse(record.to_dict())
    assert again == record
    assert again.fields_shown == tuple(shown)
