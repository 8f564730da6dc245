"""The outbox: enqueue, the worker's exactly-once protocol, retries and reconciliation.

Every test runs against both built-in stores.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnicontext.errors import ConflictError, InvalidInput
from omnicontext.handoff.delivery import FallbackChain, OutgoingMessage
from omnicontext.handoff.outbox import OutboxWorker, enqueue
from omnicontext.model import (
    AttemptOutcome,
    DeliveryAttempt,
    OutboxEntry,
    OutboxStatus,
)
from omnicontext.storage import MemoryStore, SQLiteStore, Store
from omnicontext.testing.notifiers import OUTCOMES, ScriptedNotifier

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    made: Store = MemoryStore() if request.param == "memory" else SQLiteStore(tmp_path / "s.db")
    yield made
    made.close()


def add(store: Store, key: str = "n-1", **extra: object) -> OutboxEntry:
    fields: dict[str, object] = {
        "channel": "sms",
        "to": "+447700900123",
        "body": "We're moving this conversation to a phone call. Quote REF-42.",
        "at": T0,
    }
    fields.update(extra)
    return enqueue(store, key=key, **fields)  # type: ignore[arg-type]


def notifier(name: str, *script: str, lookups: tuple[str, ...] = ()) -> ScriptedNotifier:
    return ScriptedNotifier(name, {"sms"}, list(script), lookups=lookups, clock=lambda: T0)


def worker(store: Store, *providers: ScriptedNotifier, **options: object) -> OutboxWorker:
    chain = FallbackChain(list(providers), timeout=5, clock=lambda: T0)
    return OutboxWorker(store, chain, owner="w1", **options)  # type: ignore[arg-type]


def delivered(*providers: ScriptedNotifier) -> list[str]:
    return [d.key for p in providers for d in p.deliveries]


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# ------------------------------------------------------------------ enqueue


def test_enqueue_is_idempotent_by_key(store: Store) -> None:
    first = add(store, customer_id="cus_1")
    assert (first.status, first.version, first.created_at) == (OutboxStatus.PENDING, 1, T0)
    again = add(store, customer_id="cus_1")
    assert again == first
    assert store.outbox.count() == 1
    with pytest.raises(ConflictError):
        add(store, body="Something else entirely.", customer_id="cus_1")


def test_enqueue_after_sending_sends_nothing_new(store: Store) -> None:
    a = notifier("a")
    add(store)
    assert worker(store, a).run_once(now=T0).sent == 1
    assert add(store).status is OutboxStatus.SENT
    assert worker(store, a).run_once(now=at(60)).processed == 0
    assert delivered(a) == ["n-1"]


def test_enqueue_rejects_bad_input(store: Store) -> None:
    with pytest.raises(InvalidInput) as err:
        add(store, at=datetime(2026, 3, 2, 9, 0))
    assert err.value.field == "created_at"
    assert store.outbox.count() == 0


def test_enqueue_rejects_a_not_before_earlier_than_the_entry(store: Store) -> None:
    with pytest.raises(InvalidInput) as err:
        add(store, not_before=at(-1))
    assert (err.value.field, err.value.value) == ("not_before", at(-1))


def test_enqueue_rolls_back_with_the_transaction(store: Store) -> None:
    class Abort(Exception):
        pass

    def enqueue_then_fail() -> None:
        with store.transaction():
            add(store)
            raise Abort

    with pytest.raises(Abort):
        enqueue_then_fail()
    assert store.outbox.count() == 0


# ------------------------------------------------------------------ the worker


def test_sends_and_records_the_outcome(store: Store) -> None:
    a = notifier("a", "fail")
    b = notifier("b")
    add(store)
    report = worker(store, a, b).run_once(now=T0)
    assert (report.sent, report.failed, report.deferred) == (1, 0, 0)
    entry = store.outbox.get("n-1")
    assert entry.status is OutboxStatus.SENT
    assert (entry.provider, entry.provider_message_id, entry.sent_at) == ("b", "b-1", T0)
    assert (entry.lease_owner, entry.lease_until) == (None, None)
    assert [(x.provider, x.outcome) for x in entry.attempts] == [
        ("a", AttemptOutcome.FAILED),
        ("b", AttemptOutcome.SENT),
    ]
    assert entry.attempts[1].provider_message_id == "b-1"
    assert delivered(a, b) == ["n-1"]
    assert [s.provider for s in report.breakers] == ["a", "b"]


def test_started_is_recorded_before_the_provider_is_called(store: Store) -> None:
    seen: list[tuple[OutboxStatus, str | None, list[str]]] = []

    def check(message: OutgoingMessage) -> None:
        entry = store.outbox.get(message.key)
        seen.append(
            (
                entry.status,
                entry.lease_owner,
                [f"{x.provider}:{x.outcome}" for x in entry.attempts],
            )
        )

    a = ScriptedNotifier("a", {"sms"}, ["fail"], before_send=check, clock=lambda: T0)
    b = ScriptedNotifier("b", {"sms"}, before_send=check, clock=lambda: T0)
    add(store)
    worker(store, a, b).run_once(now=T0)
    assert seen == [
        (OutboxStatus.SENDING, "w1", ["a:started"]),
        (OutboxStatus.SENDING, "w1", ["a:failed", "b:started"]),
    ]


def test_not_before_is_respected(store: Store) -> None:
    a = notifier("a")
    add(store, not_before=at(600))
    assert worker(store, a).run_once(now=at(599)).processed == 0
    assert store.outbox.get("n-1").status is OutboxStatus.PENDING
    assert worker(store, a).run_once(now=at(600)).sent == 1
    assert delivered(a) == ["n-1"]


def test_retry_after_failure_with_backoff(store: Store) -> None:
    a = notifier("a", "fail", "fail")
    add(store)
    w = worker(store, a, backoff=timedelta(seconds=30))
    first = w.run_once(now=T0)
    assert (first.deferred, first.entries[0].result) == (1, "deferred")
    entry = store.outbox.get("n-1")
    assert (entry.status, entry.not_before) == (OutboxStatus.PENDING, at(30))
    assert w.run_once(now=at(29)).processed == 0
    assert w.run_once(now=at(30)).deferred == 1
    assert store.outbox.get("n-1").not_before == at(30 + 60)  # doubled
    assert w.run_once(now=at(90)).sent == 1
    outcomes = [x.outcome for x in store.outbox.get("n-1").attempts]
    assert outcomes == [AttemptOutcome.FAILED, AttemptOutcome.FAILED, AttemptOutcome.SENT]


def test_deadline_passed_fails_the_entry(store: Store) -> None:
    a = notifier("a", "fail")
    add(store, deadline=at(60))
    w = worker(store, a)
    assert w.run_once(now=T0).deferred == 1
    # The retry is not set after the deadline.
    assert store.outbox.get("n-1").not_before == at(30)
    report = w.run_once(now=at(60))
    assert report.failed == 1
    assert "deadline" in report.entries[0].detail
    entry = store.outbox.get("n-1")
    assert entry.status is OutboxStatus.FAILED
    assert entry.failure_reason is not None
    assert "deadline" in entry.failure_reason  # kept on the entry, not only in the report
    assert delivered(a) == []
    assert w.run_once(now=at(3600)).processed == 0


def test_attempts_exhausted_fails_the_entry(store: Store) -> None:
    a = notifier("a", "fail", "fail", "fail")
    add(store)
    w = worker(store, a, max_attempts=2, backoff=timedelta(seconds=1))
    assert w.run_once(now=T0).deferred == 1
    report = w.run_once(now=at(10))
    assert report.failed == 1
    assert "max_attempts=2" in report.entries[0].detail
    assert store.outbox.get("n-1").status is OutboxStatus.FAILED
    assert "max_attempts=2" in (store.outbox.get("n-1").failure_reason or "")
    assert a.send_calls == 2


def test_no_provider_for_the_channel_fails_the_entry(store: Store) -> None:
    add(store, channel="email", to="ana@example.com")
    report = worker(store, notifier("a")).run_once(now=T0)
    assert report.failed == 1
    assert "no provider carries channel 'email'" in report.entries[0].detail


def test_open_circuit_defers_without_using_attempts(store: Store) -> None:
    a = notifier("a", "fail")
    chain = FallbackChain([a], failure_threshold=1, reset_after=120, timeout=5, clock=lambda: T0)
    w = OutboxWorker(store, chain, owner="w1", max_attempts=2)
    add(store, "n-1")
    add(store, "n-2")
    report = w.run_once(now=T0)
    assert [e.result for e in report.entries] == ["deferred", "deferred"]
    assert report.breakers[0].state == "open"
    skipped = store.outbox.get("n-2").attempts
    assert [x.outcome for x in skipped] == [AttemptOutcome.SKIPPED]
    assert a.send_calls == 1


def test_lease_must_outlast_the_chain() -> None:
    chain = FallbackChain([notifier("a"), notifier("b")], timeout=60)
    with pytest.raises(InvalidInput) as err:
        OutboxWorker(MemoryStore(), chain, owner="w1", lease=timedelta(minutes=5))
    assert err.value.field == "lease"
    with pytest.raises(InvalidInput) as err:
        OutboxWorker(MemoryStore(), chain, owner=" ", lease=timedelta(hours=1))
    assert err.value.field == "owner"
    with pytest.raises(InvalidInput) as err:
        OutboxWorker(MemoryStore(), chain, owner="w", lease=timedelta(hours=1), max_attempts=0)
    assert err.value.field == "max_attempts"


def test_a_lease_running_out_stops_before_the_call(store: Store) -> None:
    a = notifier("a")
    times = iter([T0, T0, T0 + LEASE, T0 + LEASE])
    chain = FallbackChain([a], timeout=5, clock=lambda: T0)
    w = OutboxWorker(store, chain, owner="w1", clock=lambda: next(times))
    add(store)
    report = w.run_once()
    assert report.entries[0].result == "deferred"
    assert "lease ran out" in report.entries[0].detail
    assert a.send_calls == 0
    assert store.outbox.get("n-1").status is OutboxStatus.SENDING  # the next claim recovers it


# ------------------------------------------------------------------ in doubt and recovery


def test_in_doubt_then_reconciled_as_sent(store: Store) -> None:
    a = notifier("a", "timeout_after_send", lookups=("down",))
    b = notifier("b")
    add(store)
    w = worker(store, a, b)
    first = w.run_once(now=T0)
    assert first.in_doubt == 1
    entry = store.outbox.get("n-1")
    assert entry.status is OutboxStatus.PENDING
    assert [x.outcome for x in entry.attempts] == [AttemptOutcome.TIMEOUT]
    second = w.run_once(now=at(30))
    assert (second.reconciled, second.sent) == (1, 0)
    entry = store.outbox.get("n-1")
    assert (entry.status, entry.provider, entry.provider_message_id) == (
        OutboxStatus.SENT,
        "a",
        "a-1",
    )
    assert entry.attempts[0].outcome is AttemptOutcome.SENT
    assert a.send_calls == 1
    assert b.send_calls == 0
    assert delivered(a, b) == ["n-1"]


def test_in_doubt_then_reconciled_as_not_sent(store: Store) -> None:
    a = notifier("a", "down")
    b = notifier("b")
    add(store)
    w = worker(store, a, b)
    assert w.run_once(now=T0).in_doubt == 1
    report = w.run_once(now=at(30))
    assert report.sent == 1
    entry = store.outbox.get("n-1")
    assert [x.outcome for x in entry.attempts] == [AttemptOutcome.FAILED, AttemptOutcome.SENT]
    assert "lookup found no receipt" in entry.attempts[0].detail
    assert entry.provider == "a"  # a is first again and is up now
    assert delivered(a, b) == ["n-1"]


def test_a_failing_lookup_leaves_it_for_later(store: Store) -> None:
    a = notifier("a", "down", lookups=("down", "down", "down"))
    b = notifier("b")
    add(store, deadline=at(3600))
    w = worker(store, a, b)
    assert w.run_once(now=T0).in_doubt == 1
    report = w.run_once(now=at(30))
    assert report.in_doubt == 1
    assert "lookup failed" in report.entries[0].detail
    assert b.send_calls == 0
    # Past the deadline, still in doubt: given up, never sent elsewhere.
    late = w.run_once(now=at(3600))
    assert late.failed == 1
    assert "in doubt" in late.entries[0].detail
    assert delivered(a, b) == []


def _stranded(store: Store, *started: str) -> OutboxEntry:
    """An entry a worker claimed at T0 and died on, with ``started`` attempts recorded."""
    entry = add(store)
    return store.outbox.save(
        entry.model_copy(
            update={
                "status": OutboxStatus.SENDING,
                "lease_owner": "dead",
                "lease_until": T0 + LEASE,
                "attempts": tuple(DeliveryAttempt(provider=p, started_at=T0) for p in started),
            }
        )
    )


def test_a_live_lease_is_left_alone(store: Store) -> None:
    _stranded(store)
    a = notifier("a")
    assert worker(store, a).run_once(now=T0 + LEASE - timedelta(seconds=1)).processed == 0
    assert a.send_calls == 0


def test_recovery_after_a_crash_right_after_the_claim(store: Store) -> None:
    _stranded(store)
    a = notifier("a")
    report = worker(store, a).run_once(now=T0 + LEASE)
    assert report.sent == 1
    assert a.lookup_calls == 0  # no attempt was started: nothing to ask
    assert delivered(a) == ["n-1"]


def test_recovery_after_a_crash_before_the_send(store: Store) -> None:
    _stranded(store, "b")
    a = notifier("a")
    b = notifier("b")
    report = worker(store, a, b).run_once(now=T0 + LEASE)
    assert report.sent == 1
    assert b.lookup_calls == 1
    entry = store.outbox.get("n-1")
    assert entry.attempts[0].outcome is AttemptOutcome.FAILED
    assert delivered(a, b) == ["n-1"]


def test_recovery_after_a_crash_after_the_provider_accepted(store: Store) -> None:
    _stranded(store, "a", "b")
    a = notifier("a")
    b = notifier("b")
    b.send(OutgoingMessage(key="n-1", channel="sms", to="+447700900123", body="x"), timeout=1)
    report = worker(store, a, b).run_once(now=T0 + LEASE)
    assert (report.reconciled, report.sent) == (1, 0)
    entry = store.outbox.get("n-1")
    assert (entry.status, entry.provider) == (OutboxStatus.SENT, "b")
    assert a.send_calls == 0
    assert b.send_calls == 1  # only the original delivery
    assert delivered(a, b) == ["n-1"]


# ------------------------------------------------------------------ racing workers


def test_two_workers_racing_deliver_each_key_once(tmp_path: Path) -> None:
    path = tmp_path / "race.db"
    with SQLiteStore(path) as setup:
        for i in range(30):
            add(setup, f"n-{i}")
    a = notifier("a")
    stores = [SQLiteStore(path), SQLiteStore(path)]
    barrier = threading.Barrier(2)
    reports = []
    lock = threading.Lock()

    def run(n: int) -> None:
        chain = FallbackChain([a], timeout=5, clock=lambda: T0)
        w = OutboxWorker(stores[n], chain, owner=f"w{n}")
        barrier.wait()
        report = w.run_once(now=T0)
        with lock:
            reports.append(report)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.close()
    assert sum(r.sent for r in reports) == 30
    assert sum(r.contended for r in reports) == sum(r.processed for r in reports) - 30
    assert a.send_calls == 30, "each key handed to the provider exactly once"
    assert sorted(delivered(a)) == sorted(f"n-{i}" for i in range(30))
    with SQLiteStore(path) as check:
        assert check.outbox.count(OutboxStatus.SENT) == 30


# ------------------------------------------------------------------ property: crashes anywhere


class Crash(BaseException):
    """Stands for the process dying: nothing after it runs, the store keeps what it had."""


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scripts=st.lists(
        st.tuples(
            st.lists(st.sampled_from(sorted(OUTCOMES)), max_size=5),
            st.lists(st.sampled_from(["ok", "down"]), max_size=3),
        ),
        min_size=1,
        max_size=3,
    ),
    entries=st.integers(1, 4),
    crashes=st.sets(st.tuples(st.integers(0, 8), st.sampled_from(["before", "after"]))),
)
def test_at_least_once_and_never_twice_despite_crashes(
    scripts: list[tuple[list[str], list[str]]],
    entries: int,
    crashes: set[tuple[int, str]],
) -> None:
    calls = [0]

    def before(message: OutgoingMessage) -> None:
        calls[0] += 1
        if (calls[0], "before") in crashes:
            raise Crash

    def after(message: OutgoingMessage, receipt: object) -> None:
        if (calls[0], "after") in crashes:
            raise Crash

    store = MemoryStore()
    providers = [
        ScriptedNotifier(
            f"p{i}",
            {"sms"},
            script,
            lookups=lookups,
            clock=lambda: T0,
            before_send=before,
            after_accept=after,
        )
        for i, (script, lookups) in enumerate(scripts)
    ]
    for n in range(entries):
        add(store, f"n-{n}")
    now = T0
    chain = FallbackChain(providers, timeout=5, clock=lambda: now)  # breakers follow the runs
    for _ in range(40):
        w = OutboxWorker(
            store,
            chain,
            owner="w",
            max_attempts=1000,
            backoff=timedelta(seconds=1),
            max_backoff=timedelta(seconds=10),
        )
        with contextlib.suppress(Crash):
            w.run_once(now=now)
        now += LEASE
        if store.outbox.count(OutboxStatus.SENT) == entries:
            break
    everything = delivered(*providers)
    assert len(everything) == len(set(everything)), f"delivered twice: {everything}"
    assert sorted(everything) == sorted(f"n-{n}" for n in range(entries))
    for n in range(entries):
        entry = store.outbox.get(f"n-{n}")
        assert entry.status is OutboxStatus.SENT
        holder = [p.name for p in providers if any(d.key == entry.key for d in p.deliveries)]
        assert holder == [entry.provider]
