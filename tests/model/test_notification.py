"""Outbox entries and delivery attempts: what a notification is, and the
states it may be stored in."""

from __future__ import annotations

import json
from datetime import timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicontext.errors import InvalidInput
from omnicontext.model import (
    AttemptOutcome,
    DeliveryAttempt,
    OutboxEntry,
    OutboxStatus,
)
from omnicontext.model.notification import MESSAGE_FIELDS
from omnicontext.testing import factories as f


def _entry(**fields: Any) -> OutboxEntry:
    values: dict[str, Any] = {
        "key": "case_1:moved",
        "channel": "sms",
        "to": "+442079460958",
        "body": "We will call you in 5 minutes.",
        "customer_id": "cus_1",
        "created_at": f.T0,
        **fields,
    }
    return OutboxEntry(**values)


def _attempt(**fields: Any) -> DeliveryAttempt:
    return DeliveryAttempt(**{"provider": "sms-a", "started_at": f.minutes(1), **fields})


def test_a_new_entry_is_pending_with_no_attempts() -> None:
    entry = _entry()
    assert entry.status is OutboxStatus.PENDING
    assert (entry.attempts, entry.version, entry.sent_at) == ((), 0, None)


def test_a_sent_entry_round_trips_through_json() -> None:
    plus_two = timezone(timedelta(hours=2))
    entry = _entry(
        channel="email",
        to="ada@example.com",
        subject="Your case — next steps",
        body="Hello Ada,\nwe moved your case to phone. 📞",
        case_id="case_1",
        not_before=f.minutes(1).astimezone(plus_two),
        deadline=f.minutes(90),
        status="sent",
        attempts=[
            _attempt(provider="smtp-a", outcome="timeout", finished_at=f.minutes(2)),
            _attempt(
                provider="smtp-b",
                started_at=f.minutes(3),
                outcome="sent",
                finished_at=f.minutes(3),
                provider_message_id="<abc@mail>",
            ),
        ],
        provider="smtp-b",
        provider_message_id="<abc@mail>",
        sent_at=f.minutes(3),
        version=4,
    )
    assert OutboxEntry.parse_json(entry.to_json()) == entry
    data = json.loads(entry.to_json())
    assert data["status"] == "sent"
    assert [a["outcome"] for a in data["attempts"]] == ["timeout", "sent"]
    assert data["not_before"] == "2026-01-05T11:01:00+02:00"
    assert "lease_owner" not in data


@pytest.mark.parametrize(
    ("fields", "field", "value"),
    [
        ({"created_at": "2026-01-05T09:00:00"}, "created_at", "2026-01-05T09:00:00"),
        ({"key": ""}, "key", ""),
        ({"key": "k\n"}, "key", "k\n"),
        ({"to": ""}, "to", ""),
        ({"to": "x" * 513}, "to", "x" * 513),
        ({"body": ""}, "body", ""),
        ({"status": "queued"}, "status", "queued"),
        ({"version": -1}, "version", -1),
        ({"version": "1"}, "version", "1"),
        ({"not_before": f.minutes(-1)}, "not_before", f.minutes(-1)),
        ({"deadline": f.minutes(-1)}, "deadline", f.minutes(-1)),
        ({"status": "sent", "provider": "sms-a"}, "sent_at", None),
        ({"status": "sent", "sent_at": f.minutes(1)}, "provider", None),
        (
            {"status": "sent", "sent_at": f.minutes(-1), "provider": "sms-a"},
            "sent_at",
            f.minutes(-1),
        ),
        ({"status": "failed", "sent_at": f.minutes(1)}, "sent_at", f.minutes(1)),
        ({"status": "sending", "lease_until": f.minutes(5)}, "lease_owner", None),
        ({"status": "sending", "lease_owner": "w1"}, "lease_until", None),
        ({"lease_until": "2026-01-05T09:05:00"}, "lease_until", "2026-01-05T09:05:00"),
        ({"attempts": [{"provider": "", "started_at": f.T0}]}, "attempts[0].provider", ""),
    ],
)
def test_bad_entries_name_the_field_and_value(
    fields: dict[str, Any], field: str, value: Any
) -> None:
    with pytest.raises(InvalidInput) as caught:
        _entry(**fields)
    assert caught.value.subject == "outbox entry"
    assert caught.value.field == field
    assert caught.value.value == value


def test_an_unknown_channel_is_rejected() -> None:
    with pytest.raises(InvalidInput) as caught:
        _entry(channel="fax_machine")
    assert (caught.value.field, caught.value.value) == ("channel", "fax_machine")


def test_a_sending_entry_names_its_worker_and_lease() -> None:
    claimed = _entry(status="sending", lease_owner="w1", lease_until=f.minutes(5))
    assert claimed.lease_until == f.minutes(5)
    # Released leases may stay on record for a pending entry.
    assert _entry(lease_owner="w1", lease_until=f.minutes(5)).status is OutboxStatus.PENDING


def test_attempts_finish_after_they_start() -> None:
    with pytest.raises(InvalidInput) as caught:
        _attempt(finished_at=f.minutes(0))
    assert caught.value.subject == "delivery attempt"
    assert (caught.value.field, caught.value.value) == ("finished_at", f.minutes(0))
    with pytest.raises(InvalidInput) as long_detail:
        _attempt(detail="x" * 1025)
    assert long_detail.value.field == "detail"
    assert _attempt().outcome is AttemptOutcome.STARTED


def test_same_message_compares_the_message_fields_only() -> None:
    entry = _entry(subject="Hi")
    moved_on = entry.model_copy(
        update={
            "status": OutboxStatus.FAILED,
            "attempts": (_attempt(outcome="failed"),),
            "created_at": f.minutes(5),
            "not_before": f.minutes(9),
            "version": 7,
        }
    )
    assert entry.same_message(moved_on)
    assert entry.message_differences(moved_on) == ()
    for field, value in (
        ("key", "other"),
        ("channel", "email"),
        ("to", "+442079460000"),
        ("subject", None),
        ("body", "Other"),
        ("customer_id", None),
        ("case_id", "case_9"),
    ):
        other = entry.model_copy(update={field: value})
        assert not entry.same_message(other), field
        assert entry.message_differences(other) == (field,)
    assert set(MESSAGE_FIELDS) == {
        "key",
        "channel",
        "to",
        "subject",
        "body",
        "customer_id",
        "case_id",
    }


_text = st.text(min_size=1, max_size=40)


@given(
    body=_text,
    other_body=_text,
    subject=st.none() | _text,
    minutes=st.integers(0, 10_000),
)
def test_same_message_is_equality_of_the_message_fields(
    body: str, other_body: str, subject: str | None, minutes: int
) -> None:
    a = _entry(body=body, subject=subject)
    b = _entry(body=other_body, subject=subject, created_at=f.minutes(minutes))
    assert a.same_message(b) == (body == other_body)
    assert a.same_message(b) == b.same_message(a)
    assert OutboxEntry.parse_json(a.to_json()).same_message(a)
