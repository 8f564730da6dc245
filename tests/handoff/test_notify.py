from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from omnicontext.errors import InvalidInput, NotFound
from omnicontext.handoff.delivery import FallbackChain
from omnicontext.handoff.notices import QuietHours
from omnicontext.handoff.notify import queue_move_notice, queue_update
from omnicontext.handoff.outbox import OutboxWorker
from omnicontext.model import Case, ContactConsent, Customer, Identity, OutboxStatus
from omnicontext.storage import MemoryStore, SQLiteStore, Store
from omnicontext.testing.notifiers import ScriptedNotifier

NOON = datetime(2026, 6, 12, 11, 0, tzinfo=UTC)  # 12:00 in London (BST)
EVENING = datetime(2026, 6, 12, 21, 30, tzinfo=UTC)  # 22:30 in London
QUIET = QuietHours(start=time(21, 0), end=time(8, 0))


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    made: Store = MemoryStore() if request.param == "memory" else SQLiteStore(tmp_path / "s.db")
    made.customers.save(
        Customer(
            id="cus_1",
            display_name="Ada Okafor",
            time_zone="Europe/London",
            preferred_channels=("sms", "email"),
            consent={"sms": ContactConsent(granted=True), "email": ContactConsent(granted=True)},
            identities=(
                Identity(kind="phone", value="+447700900123", verified=True),
                Identity(kind="email", value="ada@example.com"),
            ),
        )
    )
    made.cases.save(Case(id="case_1", customer_id="cus_1", subject="Card blocked"))
    return made


def test_move_notice_goes_on_the_conversation_and_is_delivered_once(store: Store) -> None:
    queued = queue_move_notice(
        store,
        "case_1",
        key="move:h1",
        from_channel="chat",
        to_channel="phone",
        brand="Northbank",
        next_steps=["Keep your phone nearby."],
        at=NOON,
        expected_wait=timedelta(minutes=5),
    )
    assert queued.entry is not None
    assert not queued.held
    assert queued.plan.channel == "chat"
    assert queued.entry.to == "case:case_1"  # chat has no address: the conversation is the case
    assert queued.notice is not None
    assert "phone" in queued.notice.body
    assert "case_1" in queued.notice.body
    again = queue_move_notice(
        store,
        "case_1",
        key="move:h1",
        from_channel="chat",
        to_channel="phone",
        brand="Northbank",
        next_steps=["Keep your phone nearby."],
        at=NOON + timedelta(minutes=3),
        expected_wait=timedelta(minutes=5),
    )
    assert again.entry == queued.entry  # same key, same message: nothing new
    widget = ScriptedNotifier("chat-widget", {"chat"}, clock=lambda: NOON)
    worker = OutboxWorker(store, FallbackChain([widget], clock=lambda: NOON), owner="w")
    assert worker.run_once(now=NOON).sent == 1
    assert worker.run_once(now=NOON + timedelta(minutes=1)).sent == 0
    assert [d.key for d in widget.deliveries] == ["move:h1"]


def test_update_while_away_waits_for_the_morning_on_the_preferred_channel(store: Store) -> None:
    queued = queue_update(
        store,
        "case_1",
        key="update:card",
        text="Your new card was posted today.",
        brand="Northbank",
        at=EVENING,
        conversation_channel="phone",
        quiet_hours=QUIET,
    )
    assert queued.entry is not None
    assert queued.entry.channel == "sms"
    assert queued.entry.to == "+447700900123"
    assert queued.entry.not_before == datetime(2026, 6, 13, 7, 0, tzinfo=UTC)  # 08:00 BST
    assert queued.notice is not None
    assert queued.notice.sms is not None
    assert queued.notice.sms.segments == 1
    primary = ScriptedNotifier("sms-primary", {"sms"}, then="fail")
    backup = ScriptedNotifier("sms-backup", {"sms"})
    chain = FallbackChain([primary, backup])
    worker = OutboxWorker(store, chain, owner="w")
    assert worker.run_once(now=EVENING + timedelta(minutes=5)).processed == 0  # quiet hours
    report = worker.run_once(now=datetime(2026, 6, 13, 7, 0, tzinfo=UTC))
    assert report.sent == 1
    entry = store.outbox.get("update:card")
    assert entry.status is OutboxStatus.SENT
    assert entry.provider == "sms-backup"
    assert [d.key for d in backup.deliveries] == ["update:card"]
    assert primary.deliveries == ()


def test_update_without_consent_anywhere_is_held(store: Store) -> None:
    customer = store.customers.get("cus_1")
    store.customers.save(
        customer.model_copy(
            update={
                "consent": {
                    "sms": ContactConsent(granted=False),
                    "email": ContactConsent(granted=False),
                },
            }
        )
    )
    queued = queue_update(
        store,
        "case_1",
        key="update:x",
        text="News.",
        brand="Northbank",
        at=NOON,
        conversation_channel="phone",
    )
    assert queued.held
    assert queued.entry is None
    assert any("consent" in r for r in queued.plan.reasons)
    assert store.outbox.count() == 0


def test_bad_key_and_unknown_case(store: Store) -> None:
    with pytest.raises(InvalidInput, match="key"):
        queue_update(
            store,
            "case_1",
            key=" ",
            text="x",
            brand="b",
            at=NOON,
            conversation_channel="chat",
        )
    with pytest.raises(NotFound):
        queue_update(
            store,
            "nope",
            key="k",
            text="x",
            brand="b",
            at=NOON,
            conversation_channel="chat",
        )
