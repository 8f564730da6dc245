"""The notification outbox: every notification delivered, none delivered twice.

A notification is first written to the store's outbox (:func:`enqueue`), in
the same transaction as the change that caused it if you like; an
:class:`OutboxWorker` then delivers what is due through a
:class:`~omnicontext.handoff.delivery.FallbackChain`. Workers may run in
several threads or processes against one store, and may die at any moment.

The exactly-once protocol, for one entry:

1. **Claim.** The worker saves the entry as ``sending`` with itself as
   ``lease_owner`` and ``lease_until`` = its clock's time + ``lease`` (a run
   given a ``now`` later than the clock counts from that ``now``, advancing
   in real time; see :meth:`OutboxWorker.run_once`). The save is optimistic
   (it names the version it read): if another worker saved first, the claim
   fails and this worker leaves the entry alone.
2. **Record before calling.** Just before a provider is called, the worker
   appends a :class:`~omnicontext.model.DeliveryAttempt` with outcome
   ``started`` for that provider and saves it (optimistically again: a worker
   whose claim was taken over stops here, having sent nothing). If the process
   dies from here on, the store still says which providers may hold the key.
3. **Call, then record.** The provider is called; the attempt's outcome
   replaces ``started`` (``sent``, ``failed``, ``timeout`` while in doubt,
   ``skipped`` for an open circuit). On success the entry becomes ``sent``,
   with ``provider``, ``provider_message_id`` and ``sent_at``, in the same
   save.

**Recovery.** An entry found ``sending`` with an expired lease (its worker
died or hung), or carrying a ``started``, ``timeout`` or ``sent`` attempt, is
reconciled *before* anything is sent: every provider named by such an attempt
is asked ``lookup(key)``. A receipt: the entry is marked ``sent`` without
sending. Every answer ``None``: those attempts are closed as ``failed`` (not
sent) and the entry is sent normally. A lookup that fails: the entry waits for
a later run (still in doubt; it is never sent twice). A stored ``timeout``
therefore always means "in doubt"; a timeout whose lookup proved nothing was
sent is stored as ``failed``.

**Errors.** An unexpected exception on one entry (a store failure, say) is
reported as that entry's ``error`` outcome and the run goes on with the next
one; the entry is left as the store last recorded it, and reconciled once its
lease runs out.

**Giving up.** Past its ``deadline`` an entry becomes ``failed`` (after
reconciliation, so one that was in fact delivered is marked ``sent``). So does
one whose provider calls reach ``max_attempts`` (skipped calls do not count),
or whose channel no provider carries. Otherwise a failed round is retried
after a back-off that doubles from ``backoff`` up to ``max_backoff``.

**What the guarantee needs.** Providers deduplicate by key or answer lookups
truthfully (both, ideally), and the lease is longer than a worst-case delivery
(:attr:`~omnicontext.handoff.delivery.FallbackChain.worst_case`, checked when
the worker is built), so a live worker's claim never expires under it; and the
workers' times roughly agree (a clock, or a ``now`` given to a run, far ahead
of the others counts their live claims as expired).

>>> from datetime import UTC, datetime
>>> from omnicontext.handoff.delivery import FallbackChain
>>> from omnicontext.storage import MemoryStore
>>> from omnicontext.testing.notifiers import ScriptedNotifier
>>> now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
>>> store = MemoryStore()
>>> entry = enqueue(store, key="notice-1", channel="sms", to="+447700900123",
...                 body="Your case REF-42 moved to a phone call.", at=now)
>>> gateway = ScriptedNotifier("gateway-a", {"sms"}, script=["fail"])
>>> worker = OutboxWorker(store, FallbackChain([gateway], clock=lambda: now), owner="w1")
>>> worker.run_once(now=now).deferred
1
>>> later = datetime(2026, 3, 2, 9, 5, tzinfo=UTC)
>>> worker.run_once(now=later).sent
1
>>> store.outbox.get("notice-1").status
<OutboxStatus.SENT: 'sent'>
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Literal

import attrs

from omnicontext.errors import ConflictError, FieldError, InvalidInput, NotFound
from omnicontext.handoff.delivery import (
    BreakerStatus,
    FallbackChain,
    OutgoingMessage,
    ProviderAttempt,
    ProviderError,
    SendReceipt,
)
from omnicontext.model import (
    AttemptOutcome,
    DeliveryAttempt,
    OutboxEntry,
    OutboxStatus,
)
from omnicontext.storage.protocols import Store

__all__ = ["EntryOutcome", "OutboxReport", "OutboxWorker", "enqueue"]

Clock = Callable[[], datetime]

# Attempts that say a provider may hold the key: checked before sending again.
_SUSPECT = frozenset({AttemptOutcome.STARTED, AttemptOutcome.TIMEOUT, AttemptOutcome.SENT})


def enqueue(
    store: Store,
    *,
    key: str,
    channel: str,
    to: str,
    body: str,
    subject: str | None = None,
    customer_id: str | None = None,
    case_id: str | None = None,
    at: datetime,
    not_before: datetime | None = None,
    deadline: datetime | None = None,
) -> OutboxEntry:
    """Put a notification in ``store``'s outbox and return the stored entry.

    ``key`` is the idempotency key: enqueueing the same message under the same
    key again changes nothing and returns the entry as stored (whatever its
    status); a *different* message under that key raises
    :class:`~omnicontext.errors.ConflictError`. ``at`` is when it was
    enqueued (aware); ``not_before`` holds it until then; past ``deadline`` it
    is given up. Bad input raises :class:`~omnicontext.errors.InvalidInput`.

    >>> from datetime import UTC, datetime
    >>> from omnicontext.storage import MemoryStore
    >>> store = MemoryStore()
    >>> at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    >>> first = enqueue(store, key="k-1", channel="email", to="ana@example.com",
    ...                 subject="Your case", body="We called you back.", at=at)
    >>> again = enqueue(store, key="k-1", channel="email", to="ana@example.com",
    ...                 subject="Your case", body="We called you back.", at=at)
    >>> (first.version, again.version, store.outbox.count())
    (1, 1, 1)
    """
    entry = OutboxEntry(
        key=key,
        channel=channel,
        to=to,
        body=body,
        subject=subject,
        customer_id=customer_id,
        case_id=case_id,
        created_at=at,
        not_before=not_before,
        deadline=deadline,
    )
    store.outbox.add(entry)
    return store.outbox.get(key)


EntryResult = Literal["sent", "reconciled", "failed", "in_doubt", "deferred", "contended", "error"]

# Each result and the OutboxReport count it adds to.
_COUNTS: dict[str, str] = {
    "sent": "sent",
    "reconciled": "reconciled",
    "failed": "failed",
    "in_doubt": "in_doubt",
    "deferred": "deferred",
    "contended": "contended",
    "error": "errors",
}


@attrs.frozen
class EntryOutcome:
    """What one run did with one entry.

    ``result``: ``sent`` (delivered now), ``reconciled`` (found already
    delivered, marked sent without sending), ``failed`` (given up),
    ``in_doubt`` (a provider may hold it and cannot say; retried later),
    ``deferred`` (not delivered this time; retried later), ``contended``
    (another worker had it) or ``error`` (an unexpected exception stopped the
    work on it, kept in ``exception``; retried once its lease runs out).
    ``detail`` says why in words.
    """

    key: str
    result: EntryResult
    detail: str = ""
    exception: Exception | None = attrs.field(default=None, eq=False, repr=False)
    """The unexpected exception of an ``error`` outcome, else ``None``."""


@attrs.frozen
class OutboxReport:
    """What :meth:`OutboxWorker.run_once` did: counts, each entry, and the
    providers' circuit breakers at the end of the run. ``errors`` counts the
    entries whose outcome is ``error``."""

    sent: int = 0
    failed: int = 0
    in_doubt: int = 0
    deferred: int = 0
    reconciled: int = 0
    contended: int = 0
    errors: int = 0
    entries: tuple[EntryOutcome, ...] = ()
    breakers: tuple[BreakerStatus, ...] = ()

    @property
    def processed(self) -> int:
        """Entries the run looked at."""
        return len(self.entries)


class _Stop(Exception):
    """Internal: stop working on an entry (its claim was lost or ran out)."""


def _evolve(entry: OutboxEntry, **changes: Any) -> OutboxEntry:
    """A validated copy of ``entry`` with ``changes``."""
    data = {name: getattr(entry, name) for name in type(entry).model_fields}
    data.update(changes)
    return type(entry)(**data)


# The longest a lease or a back-off may be: longer is a mistake, and would
# overflow the date arithmetic.
_MAX_SPAN = timedelta(days=365)


def _positive(value: object, field: str) -> timedelta:
    if not isinstance(value, timedelta) or not timedelta(0) < value <= _MAX_SPAN:
        raise InvalidInput(
            "outbox worker",
            [FieldError(field, value, f"must be a timedelta > 0, at most {_MAX_SPAN.days} days")],
        )
    return value


class OutboxWorker:
    """Delivers due outbox entries through a chain, exactly once per key.

    ``owner`` names this worker in the leases it takes (unique per worker).
    ``lease``: how long a claim holds; it must exceed the chain's
    :attr:`~omnicontext.handoff.delivery.FallbackChain.worst_case`.
    ``max_attempts``: provider calls (skipped ones aside) before giving up.
    ``backoff`` / ``max_backoff``: the wait after a failed round, doubling.
    ``lease``, ``backoff`` and ``max_backoff`` are timedeltas, more than 0
    and at most 365 days. ``clock``: the current aware time (the chain's
    clock by default); leases follow it even in a run given its own ``now``
    (counted from that ``now`` if it is later; see :meth:`run_once`). See the
    module docstring for the protocol.
    """

    def __init__(
        self,
        store: Store,
        chain: FallbackChain,
        *,
        owner: str,
        lease: timedelta = timedelta(minutes=5),
        max_attempts: int = 10,
        backoff: timedelta = timedelta(seconds=30),
        max_backoff: timedelta = timedelta(hours=1),
        clock: Clock | None = None,
    ) -> None:
        if not isinstance(chain, FallbackChain):
            raise InvalidInput(
                "outbox worker", [FieldError("chain", chain, "must be a FallbackChain")]
            )
        if not isinstance(owner, str) or not owner.strip() or len(owner) > 256:
            raise InvalidInput(
                "outbox worker", [FieldError("owner", owner, "must be a non-empty string")]
            )
        _positive(lease, "lease")
        if lease <= chain.worst_case:
            raise InvalidInput(
                "outbox worker",
                [
                    FieldError(
                        "lease",
                        lease,
                        f"must be longer than the chain's worst case ({chain.worst_case}), "
                        "or a live worker's claim could expire under it",
                    )
                ],
            )
        if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
            raise InvalidInput(
                "outbox worker",
                [FieldError("max_attempts", max_attempts, "must be a whole number >= 1")],
            )
        _positive(backoff, "backoff")
        _positive(max_backoff, "max_backoff")
        self._store = store
        self._chain = chain
        self._owner = owner
        self._lease = lease
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._max_backoff = max(max_backoff, backoff)
        self._clock: Clock = clock or chain.now

    @property
    def owner(self) -> str:
        """The name this worker claims entries under."""
        return self._owner

    def _read_clock(self) -> datetime:
        now = self._clock()
        if not isinstance(now, datetime) or now.utcoffset() is None:
            raise InvalidInput(
                "outbox worker",
                [FieldError("clock", now, "must return a timezone-aware time")],
            )
        return now

    def run_once(self, *, now: datetime | None = None, limit: int = 100) -> OutboxReport:
        """Deliver up to ``limit`` entries due at ``now`` (the clock's time if not given).

        ``now`` (aware), when given, is the run's time, read once. It selects
        what is due: pending entries whose ``not_before`` has come, and claims
        whose ``lease_until`` has passed. It is also the time the run writes
        and decides by: attempt start times, deadlines, and the back-off that
        sets ``not_before``.

        Leases follow real time instead. A run's *lease time* starts at the
        later of ``now`` and the worker's ``clock`` and advances as the clock
        does (without ``now`` it is the clock). A claim is stamped
        ``lease_until = lease time + lease``, and before each provider call the
        worker checks that the lease still has two timeouts to run by the lease
        time. So a run with a fixed ``now`` that lasts longer than the lease (a
        slow batch) stops before calling a provider under a claim that has run
        out, and its live claims never look expired to a worker on the real
        clock. What leases cannot protect against is a time *ahead* of the
        claimant's: to a run given a ``now`` later than the real time, live
        claims look expired, as they would to a worker with a fast clock. Pass
        such a ``now`` only where no live worker shares the store (tests,
        replays).

        An unexpected exception while handling one entry (a store failure, a
        bug) does not abandon the batch: that entry's outcome is ``error``,
        with the exception in :attr:`EntryOutcome.exception`, and the run goes
        on with the next entry. The entry keeps what the store last recorded;
        if it was claimed, the first run after its lease expires reconciles it
        (so nothing is sent twice). Exceptions that are not :class:`Exception`
        (``KeyboardInterrupt``, ``SystemExit``) end the run.
        """
        if now is not None and (not isinstance(now, datetime) or now.utcoffset() is None):
            raise InvalidInput(
                "outbox worker",
                [FieldError("now", now, "a timezone-aware time is required")],
            )
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise InvalidInput(
                "outbox worker", [FieldError("limit", limit, "must be a whole number >= 1")]
            )
        clock: Clock = self._read_clock
        lease_clock: Clock = self._read_clock
        if now is None:
            due_at = clock()
        else:
            due_at = now
            clock = _frozen(now)
            # Read here, so a broken clock fails the run rather than every entry.
            origin = self._read_clock()
            lease_clock = _advancing(max(now, origin), origin, self._read_clock)
        outcomes: list[EntryOutcome] = []
        for entry in self._store.outbox.due(due_at, limit=limit):
            try:
                outcomes.append(self._process(entry, clock, lease_clock))
            except Exception as exc:
                detail = f"unexpected {type(exc).__name__}: {exc}"
                outcomes.append(EntryOutcome(entry.key, "error", detail, exception=exc))
        counts = dict.fromkeys(_COUNTS.values(), 0)
        for outcome in outcomes:
            counts[_COUNTS[outcome.result]] += 1
        return OutboxReport(
            entries=tuple(outcomes), breakers=self._chain.breaker_states(), **counts
        )

    # ------------------------------------------------------------------ one entry

    def _process(self, entry: OutboxEntry, clock: Clock, lease_clock: Clock) -> EntryOutcome:
        if entry.status not in (OutboxStatus.PENDING, OutboxStatus.SENDING):
            return EntryOutcome(entry.key, "contended", f"already {entry.status}")
        suspects = _suspects(entry)
        recover = entry.status == OutboxStatus.SENDING or bool(suspects)
        try:
            entry = self._store.outbox.save(
                _evolve(
                    entry,
                    status=OutboxStatus.SENDING,
                    lease_owner=self._owner,
                    lease_until=lease_clock() + self._lease,
                )
            )
        except (ConflictError, NotFound):
            return EntryOutcome(entry.key, "contended", "another worker claimed it first")
        try:
            if recover:
                entry, settled = self._reconcile(entry, suspects, clock)
                if settled is not None:
                    return settled
            return self._deliver(entry, clock, lease_clock)
        except _Stop as stop:
            # Left claimed: once the lease expires, the next claim reconciles it.
            return EntryOutcome(entry.key, "deferred", str(stop))
        except (ConflictError, NotFound):
            return EntryOutcome(entry.key, "contended", "another worker took it over")

    def _reconcile(
        self, entry: OutboxEntry, suspects: list[str], clock: Clock
    ) -> tuple[OutboxEntry, EntryOutcome | None]:
        """Settle what earlier attempts left in doubt; an outcome if that settles the entry."""
        for attempt in entry.attempts:
            if attempt.outcome == AttemptOutcome.SENT:
                # Recorded as sent but the entry was not: trust the record.
                self._mark_sent(
                    entry,
                    attempt.provider,
                    attempt.provider_message_id or "",
                    attempt.finished_at or clock(),
                )
                return entry, EntryOutcome(
                    entry.key, "reconciled", f"{attempt.provider} had recorded it as sent"
                )
        unknown: list[str] = []
        cleared: list[str] = []
        for name in suspects:
            try:
                self._chain.provider(name)
            except InvalidInput:
                unknown.append(f"{name}: no longer in the chain, cannot look it up")
                continue
            try:
                receipt = self._chain.lookup(name, entry.key)
            except ProviderError as exc:
                unknown.append(f"{name}: lookup failed ({exc})")
                continue
            if receipt is not None:
                entry = self._resolve(
                    entry, name, AttemptOutcome.SENT, "lookup found the receipt", clock, receipt
                )
                self._mark_sent(entry, name, receipt.message_id, receipt.accepted_at)
                return entry, EntryOutcome(
                    entry.key, "reconciled", f"{name} had accepted it; marked sent, not resent"
                )
            cleared.append(name)
        for name in cleared:
            entry = self._resolve(
                entry, name, AttemptOutcome.FAILED, "lookup found no receipt: not sent", clock
            )
        if unknown:
            detail = "; ".join(unknown)
            if _past(entry, clock()):
                return entry, self._give_up(
                    entry, f"deadline passed while still in doubt ({detail})"
                )
            return entry, self._release(entry, clock, "in_doubt", f"still in doubt: {detail}")
        return entry, None

    def _deliver(self, entry: OutboxEntry, clock: Clock, lease_clock: Clock) -> EntryOutcome:
        now = clock()
        if _past(entry, now):
            assert entry.deadline is not None
            return self._give_up(
                entry, f"deadline {entry.deadline.isoformat()} passed before delivery"
            )
        used = _calls(entry)
        if used >= self._max_attempts:
            return self._give_up(
                entry, f"{used} provider calls made, max_attempts={self._max_attempts}"
            )
        if not self._chain.serves(entry.channel):
            return self._give_up(entry, f"no provider carries channel {entry.channel!r}")
        current = [entry]
        guard = self._chain.timeout * 2

        def before_send(name: str) -> None:
            # The lease is judged on the worker's clock, whatever time the run
            # was given: real time is what another worker's takeover follows.
            lease_until = current[0].lease_until
            if lease_until is None or (lease_until - lease_clock()).total_seconds() < guard:
                raise _Stop("the lease ran out before the provider was called")
            started = clock()
            current[0] = self._store.outbox.save(
                _evolve(
                    current[0],
                    attempts=(
                        *current[0].attempts,
                        DeliveryAttempt(provider=name, started_at=started),
                    ),
                )
            )

        def after_attempt(attempt: ProviderAttempt) -> None:
            if attempt.outcome is AttemptOutcome.SKIPPED:
                current[0] = _evolve(
                    current[0],
                    attempts=(
                        *current[0].attempts,
                        DeliveryAttempt(
                            provider=attempt.provider,
                            started_at=attempt.started_at,
                            outcome=AttemptOutcome.SKIPPED,
                            finished_at=attempt.finished_at,
                            detail=attempt.detail[:1024],
                        ),
                    ),
                )
                return
            outcome = attempt.outcome
            if outcome is AttemptOutcome.TIMEOUT and not attempt.in_doubt:
                outcome = AttemptOutcome.FAILED  # the lookup proved it was not sent
            updated = _finish_started(
                current[0],
                attempt.provider,
                outcome,
                attempt.detail,
                attempt.finished_at,
                attempt.receipt,
            )
            if outcome is AttemptOutcome.SENT:
                current[0] = updated  # saved with the status, below
            else:
                current[0] = self._store.outbox.save(updated)

        message = OutgoingMessage(
            key=entry.key,
            channel=entry.channel,
            to=entry.to,
            body=entry.body,
            subject=entry.subject,
        )
        result = self._chain.deliver(message, before_send=before_send, after_attempt=after_attempt)
        entry = current[0]
        if result.receipt is not None:
            name = result.delivered_by or result.receipt.provider
            self._mark_sent(entry, name, result.receipt.message_id, result.receipt.accepted_at)
            return EntryOutcome(entry.key, "sent", f"sent by {name}")
        if result.in_doubt:
            return self._release(
                entry,
                clock,
                "in_doubt",
                f"{result.in_doubt_provider} may hold it and cannot say; reconciled next run",
            )
        reasons = "; ".join(result.reasons) or "nothing tried"
        if _calls(entry) >= self._max_attempts:
            return self._give_up(entry, f"max_attempts={self._max_attempts} reached: {reasons}")
        return self._release(entry, clock, "deferred", reasons)

    # ------------------------------------------------------------------ writes

    def _mark_sent(
        self,
        entry: OutboxEntry,
        provider: str,
        message_id: str,
        accepted_at: datetime,
    ) -> OutboxEntry:
        # Clocks disagree: a provider (or this host) may be behind the host that
        # enqueued the entry. A send is never dated before the entry existed.
        sent_at = max(accepted_at, entry.created_at)
        return self._store.outbox.save(
            _evolve(
                entry,
                status=OutboxStatus.SENT,
                provider=provider,
                provider_message_id=message_id or None,
                sent_at=sent_at,
                lease_owner=None,
                lease_until=None,
            )
        )

    def _release(
        self, entry: OutboxEntry, clock: Clock, result: EntryResult, detail: str
    ) -> EntryOutcome:
        now = clock()
        rounds = max(1, _calls(entry))
        delay = self._backoff
        for _ in range(rounds - 1):  # doubled once per earlier round, up to max_backoff
            if delay >= self._max_backoff:
                break
            delay *= 2
        delay = min(delay, self._max_backoff)
        retry_at = now + delay
        if entry.deadline is not None and retry_at > entry.deadline:
            retry_at = max(entry.deadline, now)
        self._store.outbox.save(
            _evolve(
                entry,
                status=OutboxStatus.PENDING,
                lease_owner=None,
                lease_until=None,
                not_before=max(retry_at, entry.created_at),
            )
        )
        return EntryOutcome(entry.key, result, f"{detail}; next try at {retry_at.isoformat()}")

    def _give_up(self, entry: OutboxEntry, reason: str) -> EntryOutcome:
        self._store.outbox.save(
            _evolve(
                entry,
                status=OutboxStatus.FAILED,
                lease_owner=None,
                lease_until=None,
                failure_reason=reason[:1024],
            )
        )
        return EntryOutcome(entry.key, "failed", reason)

    def _resolve(
        self,
        entry: OutboxEntry,
        provider: str,
        outcome: AttemptOutcome,
        detail: str,
        clock: Clock,
        receipt: SendReceipt | None = None,
    ) -> OutboxEntry:
        """Close every open attempt of ``provider`` with ``outcome`` (not saved)."""
        return _finish_open(entry, provider, outcome, detail, clock(), receipt)


# ---------------------------------------------------------------------- helpers


def _frozen(now: datetime) -> Clock:
    """A clock that always reads ``now``."""
    return lambda: now


def _advancing(start: datetime, origin: datetime, clock: Clock) -> Clock:
    """A clock that read ``start`` when ``clock`` read ``origin``, and advances as it does."""
    return lambda: start + (clock() - origin)


def _past(entry: OutboxEntry, now: datetime) -> bool:
    return entry.deadline is not None and now >= entry.deadline


def _calls(entry: OutboxEntry) -> int:
    return sum(1 for a in entry.attempts if a.outcome != AttemptOutcome.SKIPPED)


def _suspects(entry: OutboxEntry) -> list[str]:
    """Providers that may hold the key, in the order they were first tried."""
    names: list[str] = []
    for attempt in entry.attempts:
        if attempt.outcome in _SUSPECT and attempt.provider not in names:
            names.append(attempt.provider)
    return names


def _finish_started(
    entry: OutboxEntry,
    provider: str,
    outcome: AttemptOutcome,
    detail: str,
    finished_at: datetime,
    receipt: SendReceipt | None,
) -> OutboxEntry:
    """Replace ``provider``'s last ``started`` attempt by its outcome."""
    attempts = list(entry.attempts)
    for i in range(len(attempts) - 1, -1, -1):
        if attempts[i].provider == provider and attempts[i].outcome == AttemptOutcome.STARTED:
            attempts[i] = _closed(attempts[i], outcome, detail, finished_at, receipt)
            break
    return _evolve(entry, attempts=tuple(attempts))


def _finish_open(
    entry: OutboxEntry,
    provider: str,
    outcome: AttemptOutcome,
    detail: str,
    at: datetime,
    receipt: SendReceipt | None,
) -> OutboxEntry:
    """Close every ``started`` or ``timeout`` attempt of ``provider``."""
    attempts = tuple(
        _closed(a, outcome, _joined(a.detail, detail), at, receipt)
        if a.provider == provider and a.outcome in (AttemptOutcome.STARTED, AttemptOutcome.TIMEOUT)
        else a
        for a in entry.attempts
    )
    return _evolve(entry, attempts=attempts)


def _joined(before: str, after: str) -> str:
    prefix = before or "no outcome recorded (the worker stopped)"
    return f"{prefix}; at reconciliation: {after}"


def _closed(
    attempt: DeliveryAttempt,
    outcome: AttemptOutcome,
    detail: str,
    finished_at: datetime,
    receipt: SendReceipt | None,
) -> DeliveryAttempt:
    return DeliveryAttempt(
        provider=attempt.provider,
        started_at=attempt.started_at,
        outcome=outcome,
        finished_at=max(finished_at, attempt.started_at),
        detail=detail[:1024],
        provider_message_id=receipt.message_id if receipt is not None else None,
    )
