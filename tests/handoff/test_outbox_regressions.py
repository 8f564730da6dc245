"""Notification delivery: fixes from review, each with a test that failed before.

Tests that involve a store run against both built-in stores.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest

from omnicontext.errors import InvalidInput, StoreError
from omnicontext.handoff.delivery import (
    BreakerState,
    CircuitBreaker,
    FallbackChain,
    OutgoingMessage,
    SendReceipt,
)
from omnicontext.handoff.outbox import OutboxReport, OutboxWorker, enqueue
from omnicontext.handoff.sms import gsm7_safe, is_gsm7, sms_segments
from omnicontext.model import AttemptOutcome, DeliveryAttempt, OutboxEntry, OutboxStatus
from omnicontext.storage import MemoryStore, SQLiteStore, Store
from omnicontext.testing.notifiers import ScriptedNotifier

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    made: Store = MemoryStore() if request.param == "memory" else SQLiteStore(tmp_path / "s.db")
    yield made
    made.close()


def add(store: Store, key: str, *, at: datetime = T0) -> OutboxEntry:
    return enqueue(store, key=key, channel="sms", to="+447700900123", body="Hi", at=at)


def msg(key: str) -> OutgoingMessage:
    return OutgoingMessage(key=key, channel="sms", to="+447700900123", body="Hi")


# ------------------------------------------------------------------ 1. a fixed `now`


class _SlowLookupOnly:
    """A provider that keeps the contract by a truthful lookup alone (no dedup by
    key); every send takes 100 s on the shared wall clock ``real``."""

    channels = frozenset({"sms"})

    def __init__(
        self,
        name: str,
        real: list[datetime],
        sent: list[str],
        hook: Callable[[OutgoingMessage], None] | None = None,
    ) -> None:
        self.name = name
        self._real = real
        self._sent = sent
        self._hook = hook

    def send(self, message: OutgoingMessage, *, timeout: float) -> SendReceipt:
        self._real[0] += timedelta(seconds=100)
        if self._hook is not None:
            self._hook(message)
        self._sent.append(message.key)
        return SendReceipt(self.name, f"id-{len(self._sent)}", self._real[0])

    def lookup(self, key: str, *, timeout: float) -> SendReceipt | None:
        return SendReceipt(self.name, "x", self._real[0]) if key in self._sent else None


def test_a_fixed_now_never_stamps_a_lease_that_is_already_over(store: Store) -> None:
    # Worker 1 runs a batch with the time read once (now=T0); the batch takes far
    # longer than the lease in real time. Worker 2, on the real clock, runs in the
    # middle of it. No key may be delivered twice.
    real = [T0]
    sent: list[str] = []
    leases_at_send: list[tuple[str, datetime | None, datetime]] = []
    for i in range(20):
        add(store, f"k{i:02d}")
    lease = timedelta(seconds=1300)
    second = OutboxWorker(
        store,
        FallbackChain([_SlowLookupOnly("api", real, sent)], timeout=200, clock=lambda: real[0]),
        owner="w2",
        lease=lease,
    )
    second_reports: list[OutboxReport] = []

    def during_first_batch(message: OutgoingMessage) -> None:
        leases_at_send.append((message.key, store.outbox.get(message.key).lease_until, real[0]))
        if real[0] > T0 + timedelta(seconds=1400) and not second_reports:
            second_reports.append(second.run_once())

    first = OutboxWorker(
        store,
        FallbackChain(
            [_SlowLookupOnly("api", real, sent, during_first_batch)],
            timeout=200,
            clock=lambda: real[0],
        ),
        owner="w1",
        lease=lease,
    )
    report = first.run_once(now=T0)
    assert second_reports, "the second worker ran mid-batch"
    assert second_reports[0].sent > 0
    twice = {key: n for key, n in Counter(sent).items() if n > 1}
    assert twice == {}
    assert sorted(sent) == [f"k{i:02d}" for i in range(20)]
    assert store.outbox.count(OutboxStatus.SENT) == 20
    # Every call of the first worker was made under a lease still running on the real clock.
    for key, lease_until, at_send in leases_at_send:
        assert lease_until is not None
        assert lease_until > at_send, key
    # `now` still chose what was due and dated the records.
    assert report.sent + report.contended == 20
    first_attempt = store.outbox.get("k00").attempts[0]
    assert first_attempt.started_at == T0


def test_a_fixed_now_leases_follow_the_worker_clock(store: Store) -> None:
    add(store, "k1")
    wall = T0 + timedelta(hours=3)
    seen: list[datetime | None] = []

    def peek(message: OutgoingMessage) -> None:
        seen.append(store.outbox.get(message.key).lease_until)

    gw = ScriptedNotifier("gw", {"sms"}, clock=lambda: wall, before_send=peek)
    worker = OutboxWorker(
        store, FallbackChain([gw], timeout=5, clock=lambda: wall), owner="w1", lease=LEASE
    )
    assert worker.run_once(now=T0).sent == 1
    assert seen == [wall + LEASE]


def test_a_now_ahead_of_a_frozen_clock_stamps_leases_from_now(store: Store) -> None:
    # Test-style workers: the clock is frozen at T0 and each run says the time.
    # A second worker ticking a minute later must see the first one's claim live.
    add(store, "k1")
    real = [T0]
    sent: list[str] = []
    later = T0 + timedelta(hours=1)
    second = OutboxWorker(
        store,
        FallbackChain([_SlowLookupOnly("api", real, sent)], timeout=5, clock=lambda: T0),
        owner="w2",
        lease=LEASE,
    )
    second_reports: list[OutboxReport] = []

    def tick(message: OutgoingMessage) -> None:
        second_reports.append(second.run_once(now=later + timedelta(minutes=1)))

    first = OutboxWorker(
        store,
        FallbackChain([_SlowLookupOnly("api", real, sent, tick)], timeout=5, clock=lambda: T0),
        owner="w1",
        lease=LEASE,
    )
    assert first.run_once(now=later).sent == 1
    assert [r.processed for r in second_reports] == [0]
    assert sent == ["k1"]
    assert store.outbox.get("k1").attempts[0].started_at == later


# ------------------------------------------------------------------ 2. clock skew, errors


def test_clock_skew_does_not_strand_a_sent_entry(store: Store) -> None:
    created = T0 + timedelta(seconds=5)  # the enqueuing host's clock is 5 s ahead
    add(store, "k1", at=created)
    gw = ScriptedNotifier("gw", {"sms"}, clock=lambda: T0)
    worker = OutboxWorker(store, FallbackChain([gw], clock=lambda: T0), owner="w1")
    report = worker.run_once()
    assert (report.sent, [e.result for e in report.entries]) == (1, ["sent"])
    entry = store.outbox.get("k1")
    assert (entry.status, entry.sent_at, entry.provider) == (OutboxStatus.SENT, created, "gw")
    assert len(gw.deliveries) == 1


def test_clock_skew_on_reconciliation(store: Store) -> None:
    created = T0 + timedelta(seconds=5)
    add(store, "k1", at=created)
    gw = ScriptedNotifier(
        "gw", {"sms"}, ["timeout_after_send"], lookups=["down"], clock=lambda: T0
    )
    worker = OutboxWorker(store, FallbackChain([gw], clock=lambda: T0), owner="w1")
    assert worker.run_once().in_doubt == 1
    report = worker.run_once(now=T0 + timedelta(minutes=10))
    assert report.reconciled == 1
    entry = store.outbox.get("k1")
    assert (entry.status, entry.sent_at) == (OutboxStatus.SENT, created)
    assert len(gw.deliveries) == 1


class _FailingOutbox:
    """The store's outbox, failing once when ``key`` is saved as sent."""

    def __init__(self, inner: Any, key: str) -> None:
        self._inner = inner
        self._key = key
        self.failed = 0

    def save(self, entry: OutboxEntry) -> OutboxEntry:
        if entry.key == self._key and entry.status == OutboxStatus.SENT and not self.failed:
            self.failed += 1
            raise StoreError("disk I/O error")
        result: OutboxEntry = self._inner.save(entry)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _FailingStore:
    def __init__(self, inner: Store, key: str) -> None:
        self._inner = inner
        self.outbox = _FailingOutbox(inner.outbox, key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_an_error_on_one_entry_is_reported_and_the_batch_goes_on(store: Store) -> None:
    for key in ("k0", "k1", "k2"):
        add(store, key)
    flaky = _FailingStore(store, "k1")
    gw = ScriptedNotifier("gw", {"sms"}, clock=lambda: T0)
    worker = OutboxWorker(
        cast(Store, flaky), FallbackChain([gw], timeout=5, clock=lambda: T0), owner="w1"
    )
    report = worker.run_once(now=T0)
    assert [(e.key, e.result) for e in report.entries] == [
        ("k0", "sent"),
        ("k1", "error"),
        ("k2", "sent"),
    ]
    assert (report.sent, report.errors, report.processed) == (2, 1, 3)
    failed = report.entries[1]
    assert "StoreError: disk I/O error" in failed.detail
    assert isinstance(failed.exception, StoreError)
    # The provider had accepted k1; the entry is left claimed, and once its lease
    # is over the next run finds the receipt instead of sending again.
    left = store.outbox.get("k1")
    assert left.status is OutboxStatus.SENDING
    assert [a.outcome for a in left.attempts] == [AttemptOutcome.STARTED]
    assert worker.run_once(now=T0 + LEASE - timedelta(seconds=1)).processed == 0
    later = worker.run_once(now=T0 + LEASE)
    assert (later.reconciled, later.sent) == (1, 0)
    assert store.outbox.get("k1").status is OutboxStatus.SENT
    assert sorted(d.key for d in gw.deliveries) == ["k0", "k1", "k2"]


# ------------------------------------------------------------------ 4. bad numbers


def _chain(**options: Any) -> FallbackChain:
    return FallbackChain([ScriptedNotifier("a", {"sms"})], **options)


@pytest.mark.parametrize(
    ("make", "field", "value"),
    [
        (lambda: CircuitBreaker("a", reset_after=math.nan), "reset_after", math.nan),
        (lambda: CircuitBreaker("a", reset_after=math.inf), "reset_after", math.inf),
        (lambda: CircuitBreaker("a", reset_after=1e12), "reset_after", 1e12),
        (
            lambda: CircuitBreaker("a", reset_after=timedelta.max),
            "reset_after",
            timedelta.max,
        ),
        (lambda: _chain(timeout=math.inf), "timeout", math.inf),
        (lambda: _chain(timeout=-math.inf), "timeout", -math.inf),
        (lambda: _chain(timeout=math.nan), "timeout", math.nan),
        (lambda: _chain(timeout=1e12), "timeout", 1e12),
        (lambda: _chain(reset_after=math.nan), "reset_after", math.nan),
        (lambda: FallbackChain(5), "providers", 5),  # type: ignore[arg-type]
        (lambda: ScriptedNotifier("a", 5), "channels", 5),  # type: ignore[arg-type]
        (lambda: ScriptedNotifier("a", ["sms", 5]), "channels[1]", 5),  # type: ignore[list-item]
        (lambda: ScriptedNotifier("a", {"sms"}, 5), "script", 5),  # type: ignore[arg-type]
        (
            lambda: ScriptedNotifier("a", {"sms"}, lookups=5),  # type: ignore[arg-type]
            "lookups",
            5,
        ),
        (
            lambda: ScriptedNotifier("a", {"sms"}, state_path=5),  # type: ignore[arg-type]
            "state_path",
            5,
        ),
    ],
)
def test_bad_numbers_and_types_raise_invalid_input(
    make: Callable[[], object], field: str, value: object
) -> None:
    with pytest.raises(InvalidInput) as err:
        make()
    assert err.value.field == field
    got = err.value.value
    if isinstance(value, float) and math.isnan(value):
        assert isinstance(got, float)
        assert math.isnan(got)
    else:
        assert got == value


@pytest.mark.parametrize("field", ["lease", "backoff", "max_backoff"])
def test_worker_spans_are_bounded(field: str) -> None:
    chain = FallbackChain([ScriptedNotifier("a", {"sms"})], timeout=5)
    with pytest.raises(InvalidInput) as err:
        OutboxWorker(MemoryStore(), chain, owner="w1", **{field: timedelta.max})  # type: ignore[arg-type]
    assert (err.value.field, err.value.value) == (field, timedelta.max)


def test_a_long_backoff_after_many_rounds_does_not_overflow(store: Store) -> None:
    entry = add(store, "k1")
    failed = tuple(
        DeliveryAttempt(provider="a", started_at=T0, outcome=AttemptOutcome.FAILED)
        for _ in range(40)
    )
    store.outbox.save(entry.model_copy(update={"attempts": failed}))
    a = ScriptedNotifier("a", {"sms"}, ["fail"], clock=lambda: T0)
    worker = OutboxWorker(
        store,
        FallbackChain([a], timeout=5, clock=lambda: T0),
        owner="w1",
        max_attempts=1000,
        backoff=timedelta(days=1),
        max_backoff=timedelta(days=2),
    )
    report = worker.run_once(now=T0)
    assert [e.result for e in report.entries] == ["deferred"]
    assert store.outbox.get("k1").not_before == T0 + timedelta(days=2)


def test_limits_still_accept_sensible_values() -> None:
    assert CircuitBreaker("a", reset_after=timedelta(days=365)).reset_after == timedelta(days=365)
    assert _chain(timeout=0.5).timeout == 0.5


# ------------------------------------------------------------------ 5. breaker and lookups


class _Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def test_a_half_open_trial_that_delivered_closes_the_circuit() -> None:
    clock = _Clock()
    a = ScriptedNotifier("a", {"sms"}, ["fail", "timeout_after_send"], clock=clock)
    chain = FallbackChain([a], failure_threshold=1, reset_after=60, timeout=5, clock=clock)
    assert not chain.deliver(msg("m1")).sent
    assert chain.breaker("a").state is BreakerState.OPEN
    clock.now += timedelta(seconds=60)
    assert chain.breaker("a").state is BreakerState.HALF_OPEN
    result = chain.deliver(msg("m2"))
    assert (result.sent, result.delivered_by) == (True, "a")
    status = chain.breaker("a").status()
    assert (status.state, status.consecutive_failures) == (BreakerState.CLOSED, 0)
    assert chain.deliver(msg("m3")).delivered_by == "a"  # not skipped
    assert [d.key for d in a.deliveries] == ["m2", "m3"]


def test_a_lost_answer_found_by_lookup_is_not_a_failure() -> None:
    clock = _Clock()
    a = ScriptedNotifier("a", {"sms"}, ["timeout_after_send"] * 3, clock=clock)
    chain = FallbackChain([a], failure_threshold=2, reset_after=60, timeout=5, clock=clock)
    for key in ("m1", "m2", "m3"):
        assert chain.deliver(msg(key)).delivered_by == "a"
    status = chain.breaker("a").status()
    assert (status.state, status.consecutive_failures) == (BreakerState.CLOSED, 0)
    assert a.send_calls == 3


def test_a_timeout_that_sent_nothing_still_counts() -> None:
    clock = _Clock()
    a = ScriptedNotifier("a", {"sms"}, ["timeout_before_send", "down"], clock=clock)
    chain = FallbackChain([a], failure_threshold=2, reset_after=60, timeout=5, clock=clock)
    first = chain.deliver(msg("m1"))
    assert not first.sent
    assert not first.in_doubt
    assert chain.breaker("a").status().consecutive_failures == 1
    second = chain.deliver(msg("m2"))
    assert second.in_doubt  # lookup failed too
    assert chain.breaker("a").state is BreakerState.OPEN


# ------------------------------------------------------------------ 6. GSM-7 and NFC


def test_gsm7_safe_composes_accents() -> None:
    decomposed = "Caf" + "e\u0301" + " ou\u0300 ? A\u030a"  # é, ù, Å as base + combining mark
    safe = gsm7_safe(decomposed)
    assert safe == "Café où ? Å"
    assert is_gsm7(safe)
    assert sms_segments(safe).encoding == "GSM-7"
    assert sms_segments(decomposed).encoding == "UCS-2"  # counting itself is unchanged
    # A character that only composes once an invisible one is dropped.
    assert gsm7_safe("e\u200b\u0301") == "é"
    # No composed form in GSM-7: still UCS-2, letters are never altered.
    assert gsm7_safe("n\u0303o") == "ño"
    assert gsm7_safe("Łukasz") == "Łukasz"
