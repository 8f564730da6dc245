"""The outbox and the access log in the stores: fixes from review, each with a
test that failed before. Every test runs against both built-in stores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from omnicontext.errors import InvalidInput
from omnicontext.model import AttemptOutcome, DeliveryAttempt, OutboxEntry, OutboxStatus
from omnicontext.model.access import AccessRecord
from omnicontext.storage import MemoryStore, SQLiteStore, Store
from omnicontext.storage._common import is_due, time_key

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    made: Store = MemoryStore() if request.param == "memory" else SQLiteStore(tmp_path / "s.db")
    yield made
    made.close()


def _added(store: Store, key: str = "k") -> OutboxEntry:
    entry = OutboxEntry(key=key, channel="sms", to="+447700900123", body="hi", created_at=NOW)
    store.outbox.add(entry)
    return store.outbox.get(key)


def test_a_status_given_as_text_is_stored_as_the_enum(store: Store) -> None:
    entry = _added(store)
    sending = store.outbox.save(
        entry.model_copy(
            update={"status": "sending", "lease_owner": "w", "lease_until": NOW + timedelta(1)}
        )
    )
    assert sending.status is OutboxStatus.SENDING
    saved = store.outbox.save(
        sending.model_copy(update={"status": "pending", "lease_owner": None, "lease_until": None})
    )
    assert saved.status is OutboxStatus.PENDING
    assert saved.version == 3
    assert [e.key for e in store.outbox.due(NOW)] == ["k"]
    assert store.outbox.count("pending") == 1
    got = store.outbox.get("k")
    assert got.status is OutboxStatus.PENDING
    assert got == saved


def test_a_text_outcome_inside_an_attempt_is_stored_as_the_enum(store: Store) -> None:
    entry = _added(store)
    attempt = DeliveryAttempt(provider="a", started_at=NOW).model_copy(
        update={"outcome": "failed"}
    )
    saved = store.outbox.save(entry.model_copy(update={"attempts": (attempt,)}))
    assert saved.attempts[0].outcome is AttemptOutcome.FAILED
    assert store.outbox.get("k").attempts[0].outcome is AttemptOutcome.FAILED


@pytest.mark.parametrize(
    ("update", "field", "value"),
    [
        ({"status": "bogus"}, "status", "bogus"),
        ({"status": OutboxStatus.SENT}, "sent_at", None),  # sent without a send time
        ({"version": True}, "version", True),
        ({"channel": "pigeon"}, "channel", "pigeon"),
        (
            {
                "attempts": (
                    DeliveryAttempt(provider="a", started_at=NOW).model_copy(
                        update={"finished_at": NOW - timedelta(seconds=1)}
                    ),
                )
            },
            "attempts[0].finished_at",
            NOW - timedelta(seconds=1),
        ),
    ],
)
def test_an_invalid_entry_is_refused_by_both_stores(
    store: Store, update: dict[str, object], field: str, value: object
) -> None:
    entry = _added(store)
    with pytest.raises(InvalidInput) as err:
        store.outbox.save(entry.model_copy(update=update))
    assert (err.value.field, err.value.value) == (field, value)
    assert store.outbox.get("k") == entry  # nothing written
    with pytest.raises(InvalidInput):
        store.outbox.add(
            OutboxEntry(
                key="k2", channel="sms", to="+447700900123", body="hi", created_at=NOW
            ).model_copy(update=update)
        )
    assert store.outbox.count() == 1


def test_is_due_compares_statuses_by_value() -> None:
    entry = OutboxEntry(key="k", channel="sms", to="+447700900123", body="hi", created_at=NOW)
    assert is_due(entry.model_copy(update={"status": "pending"}), time_key(NOW))
    sending = entry.model_copy(
        update={"status": "sending", "lease_owner": "w", "lease_until": NOW}
    )
    assert is_due(sending, time_key(NOW))
    assert not is_due(sending, time_key(NOW) - 1)


def test_an_invalid_access_record_is_refused_by_both_stores(store: Store) -> None:
    record = AccessRecord(id="a1", occurred_at=NOW, viewer_id="v", viewer_role="agent")
    with pytest.raises(InvalidInput) as err:
        store.access_log.record(record.model_copy(update={"redactions": -1}))
    assert (err.value.field, err.value.value) == ("redactions", -1)
    with pytest.raises(InvalidInput) as err:
        store.access_log.record(
            record.model_copy(update={"fields_shown": ("email",), "fields_withheld": ("email",)})
        )
    assert err.value.field == "fields_withheld"
    assert store.access_log.count() == 0
    text_channel = record.model_copy(update={"channel": "sms"})
    assert store.access_log.record(text_channel)
    assert store.access_log.get("a1") == text_channel
