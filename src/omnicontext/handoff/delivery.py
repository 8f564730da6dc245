"""Notification providers, the fallback chain and per-provider circuit breakers.

A :class:`Notifier` is anything that can carry a message on some channels: an
SMS gateway, an email API, a messaging platform. Providers fail; a
:class:`FallbackChain` tries them in order, skipping any whose
:class:`CircuitBreaker` is open, and never risks delivering one message twice:

* a :class:`ProviderError` means the provider definitely did **not** send the
  message, so the next provider is tried;
* a :class:`ProviderTimeout` means the message is **in doubt**. The chain asks
  the same provider whether it accepted the message's key
  (:meth:`Notifier.lookup`): a receipt means it was sent; ``None`` means it was
  not, and the next provider is tried; a lookup that fails too stops the chain
  with the message in doubt, because trying another provider could deliver it
  twice. The outbox (:mod:`omnicontext.handoff.outbox`) retries such a message
  later, reconciling with ``lookup`` first.

>>> from datetime import UTC, datetime
>>> from omnicontext.testing.notifiers import ScriptedNotifier
>>> clock = lambda: datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
>>> primary = ScriptedNotifier("gateway-a", {"sms"}, script=["fail"], clock=clock)
>>> backup = ScriptedNotifier("gateway-b", {"sms"}, clock=clock)
>>> chain = FallbackChain([primary, backup], clock=clock)
>>> result = chain.deliver(OutgoingMessage(key="n-1", channel="sms", to="+447700900123",
...                                        body="Your case REF-42 moved to phone."))
>>> result.sent, result.receipt.provider
(True, 'gateway-b')
>>> [(a.provider, str(a.outcome)) for a in result.attempts]
[('gateway-a', 'failed'), ('gateway-b', 'sent')]
"""

from __future__ import annotations

import enum
import math
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

import attrs

from omnicontext.errors import FieldError, InvalidInput, OmnicontextError
from omnicontext.model import AttemptOutcome

__all__ = [
    "BreakerState",
    "BreakerStatus",
    "CircuitBreaker",
    "DeliveryResult",
    "FallbackChain",
    "Notifier",
    "OutgoingMessage",
    "Permit",
    "ProviderAttempt",
    "ProviderError",
    "ProviderTimeout",
    "SendReceipt",
]

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime, *, subject: str, field: str) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidInput(
            subject,
            [
                FieldError(
                    field,
                    value,
                    "a timezone-aware time is required (naive times are never guessed)",
                )
            ],
        )
    return value


def _text(subject: str, field: str, value: object, *, empty_ok: bool = False) -> None:
    if not isinstance(value, str) or (not empty_ok and not value.strip()):
        raise InvalidInput(subject, [FieldError(field, value, "must be a non-empty string")])


# The longest a provider call's timeout or a breaker's cool-down may be: longer
# is a mistake (and would overflow the date arithmetic of leases and retries).
_MAX_SPAN = timedelta(days=365)
_TOO_LONG = f"must be at most {_MAX_SPAN.days} days"


def _seconds(value: object, *, subject: str, field: str) -> timedelta:
    if isinstance(value, timedelta):
        span = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise InvalidInput(
                subject, [FieldError(field, value, "must be a finite number of seconds")]
            )
        if value <= 0:
            raise InvalidInput(subject, [FieldError(field, value, "must be greater than 0")])
        if value > _MAX_SPAN.total_seconds():
            raise InvalidInput(subject, [FieldError(field, value, _TOO_LONG)])
        span = timedelta(seconds=value)
    else:
        raise InvalidInput(
            subject, [FieldError(field, value, "must be a timedelta or a number of seconds")]
        )
    if span <= timedelta(0):
        raise InvalidInput(subject, [FieldError(field, value, "must be greater than 0")])
    if span > _MAX_SPAN:
        raise InvalidInput(subject, [FieldError(field, value, _TOO_LONG)])
    return span


def _clock(value: object, *, subject: str) -> Clock | None:
    if value is not None and not callable(value):
        raise InvalidInput(
            subject, [FieldError("clock", value, "must be a function returning the time")]
        )
    return value


# --------------------------------------------------------------------------- messages


@attrs.frozen
class OutgoingMessage:
    """What a provider sends: one message to one address on one channel.

    ``key`` is the idempotency key: a provider that already accepted a message
    with this key must not deliver it again (see :class:`Notifier`).

    >>> OutgoingMessage(key="n-1", channel="email", to="ana@example.com",
    ...                 body="Hello", subject="Your case").subject
    'Your case'
    >>> OutgoingMessage(key=" ", channel="sms", to="+447700900123", body="Hi")
    Traceback (most recent call last):
    ...
    omnicontext.errors.InvalidInput: invalid outgoing message: key=' ': must be a non-empty string
    """

    key: str
    channel: str
    to: str
    body: str
    subject: str | None = None

    def __attrs_post_init__(self) -> None:
        for field in ("key", "channel", "to", "body"):
            _text("outgoing message", field, getattr(self, field))
        if self.subject is not None:
            _text("outgoing message", "subject", self.subject, empty_ok=True)


@attrs.frozen
class SendReceipt:
    """A provider's word that it accepted a message.

    ``message_id`` is the provider's own id for it; ``accepted_at`` when it
    accepted it (aware).

    >>> from datetime import UTC, datetime
    >>> SendReceipt("gateway-a", "m-1", datetime(2026, 3, 2, 9, 0, tzinfo=UTC)).message_id
    'm-1'
    """

    provider: str
    message_id: str
    accepted_at: datetime

    def __attrs_post_init__(self) -> None:
        _text("send receipt", "provider", self.provider)
        _text("send receipt", "message_id", self.message_id)
        _aware(self.accepted_at, subject="send receipt", field="accepted_at")


class ProviderError(OmnicontextError):
    """The provider refused the message or failed: it was definitely **not** sent.

    Raise it from :meth:`Notifier.send` only when the provider's answer proves
    nothing was accepted (an HTTP 4xx/5xx with a body that says so, a refused
    connection). When in doubt, raise :class:`ProviderTimeout` instead.
    ``provider`` names the provider, when known.

    >>> str(ProviderError("quota exceeded", provider="gateway-a"))
    'quota exceeded'
    """

    def __init__(self, message: str, *, provider: str | None = None) -> None:
        self.provider = provider
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_provider_error, (type(self), str(self), self.provider))


class ProviderTimeout(ProviderError):
    """No answer in time: the message is **in doubt** (it may or may not have been sent).

    Also what :meth:`Notifier.lookup` raises when the provider cannot tell.

    >>> issubclass(ProviderTimeout, ProviderError)
    True
    """


def _rebuild_provider_error(
    cls: type[ProviderError], message: str, provider: str | None
) -> ProviderError:
    return cls(message, provider=provider)


@runtime_checkable
class Notifier(Protocol):
    """A notification provider: carries messages on some channels.

    ``name`` identifies the provider (unique within a chain); ``channels`` are
    the channel names it can carry.

    The contract every provider keeps, on which "never delivered twice" rests:

    * :meth:`send` **deduplicates by** ``message.key``: sending a key it already
      accepted returns the original receipt and delivers nothing new;
    * :meth:`lookup` says whether it accepted a key.

    A provider API without idempotency keys can still keep the contract: keep
    a key -> receipt table on your side of the API, consult it before calling
    the API, and record the receipt as soon as the API answers (see the
    "Delivering notifications" page of the guide for a worked wrapper).
    """

    name: str
    channels: frozenset[str]

    def send(self, message: OutgoingMessage, *, timeout: float) -> SendReceipt:
        """Send ``message``, waiting at most ``timeout`` seconds for the answer.

        Returns the receipt (the original one for a key already accepted).
        Raises :class:`ProviderError` when the message was definitely not sent
        and :class:`ProviderTimeout` when that cannot be known.
        """
        ...

    def lookup(self, key: str, *, timeout: float) -> SendReceipt | None:
        """The receipt of the message accepted under ``key``, or ``None`` if none was.

        Raises :class:`ProviderError` (or :class:`ProviderTimeout`) when the
        provider cannot tell.
        """
        ...


# --------------------------------------------------------------------------- breaker


class BreakerState(enum.StrEnum):
    """Where a :class:`CircuitBreaker` stands.

    ``closed``: calls go through. ``open``: calls are refused until the
    cool-down ends. ``half_open``: the cool-down is over; one trial call goes
    through, and its result closes or re-opens the circuit.
    """

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@attrs.frozen
class BreakerStatus:
    """A breaker's state for reports, as of ``at``.

    ``consecutive_failures`` counts failures since the last success;
    ``opened_at`` is when the circuit last opened (``None`` while closed);
    ``retry_at`` when an open circuit lets a trial call through.
    """

    provider: str
    state: BreakerState
    consecutive_failures: int
    opened_at: datetime | None
    retry_at: datetime | None
    at: datetime


@attrs.frozen
class Permit:
    """Leave to make one call through a :class:`CircuitBreaker`.

    Hand it back with :meth:`CircuitBreaker.record` once the call is over.
    ``trial`` is true for the single call a half-open circuit lets through.
    """

    provider: str
    trial: bool
    generation: int


class CircuitBreaker:
    """A circuit breaker for one provider.

    Closed, it lets calls through and counts consecutive failures (a timeout
    counts, unless the lookup that follows finds the message was accepted: the
    provider is up, only its answer was lost); after ``failure_threshold`` of
    them it opens. Open, it refuses
    calls for ``reset_after`` (a :class:`~datetime.timedelta` or seconds, more
    than 0 and at most 365 days; anything else raises
    :class:`~omnicontext.errors.InvalidInput`); then
    it is half-open and lets **one** trial call through: success closes it,
    failure opens it again for another ``reset_after``. ``clock`` returns the
    current aware time (injectable for tests). Thread-safe: the provider call
    itself runs outside the breaker's lock.

    >>> from datetime import UTC, datetime, timedelta
    >>> now = [datetime(2026, 3, 2, 9, 0, tzinfo=UTC)]
    >>> breaker = CircuitBreaker("gateway-a", failure_threshold=2, reset_after=30,
    ...                          clock=lambda: now[0])
    >>> for _ in range(2):
    ...     breaker.record(breaker.acquire(), success=False)
    >>> breaker.state, breaker.acquire()
    (<BreakerState.OPEN: 'open'>, None)
    >>> now[0] += timedelta(seconds=30)
    >>> trial = breaker.acquire()
    >>> trial.trial, breaker.acquire()
    (True, None)
    >>> breaker.record(trial, success=True)
    >>> breaker.state
    <BreakerState.CLOSED: 'closed'>
    """

    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        reset_after: timedelta | float = timedelta(seconds=60),
        clock: Clock | None = None,
    ) -> None:
        _text("circuit breaker", "name", name)
        if (
            isinstance(failure_threshold, bool)
            or not isinstance(failure_threshold, int)
            or failure_threshold < 1
        ):
            raise InvalidInput(
                "circuit breaker",
                [
                    FieldError(
                        "failure_threshold", failure_threshold, "must be a whole number >= 1"
                    )
                ],
            )
        self._name = name
        self._threshold = failure_threshold
        self._reset_after = _seconds(reset_after, subject="circuit breaker", field="reset_after")
        self._clock: Clock = _clock(clock, subject="circuit breaker") or _utc_now
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at: datetime | None = None
        self._trial_out = False
        # Bumped at every state change, so a late result of a call admitted
        # under an earlier state is told apart from the trial's.
        self._generation = 0

    @property
    def name(self) -> str:
        """The provider this breaker guards."""
        return self._name

    @property
    def failure_threshold(self) -> int:
        """Consecutive failures that open the circuit."""
        return self._threshold

    @property
    def reset_after(self) -> timedelta:
        """How long the circuit stays open before a trial call."""
        return self._reset_after

    def _now(self) -> datetime:
        return _aware(self._clock(), subject="circuit breaker", field="clock")

    def _refresh(self, now: datetime) -> None:
        # Caller holds the lock. An open circuit whose cool-down is over is half-open.
        if (
            self._state is BreakerState.OPEN
            and self._opened_at is not None
            and now >= self._opened_at + self._reset_after
        ):
            self._state = BreakerState.HALF_OPEN
            self._trial_out = False
            self._generation += 1

    def _open(self, now: datetime) -> None:
        self._state = BreakerState.OPEN
        self._opened_at = now
        self._trial_out = False
        self._generation += 1

    @property
    def state(self) -> BreakerState:
        """The state now (an open circuit whose cool-down is over reads half-open)."""
        return self.status().state

    def status(self) -> BreakerStatus:
        """The state, failure count and opening time, for reports."""
        now = self._now()
        with self._lock:
            self._refresh(now)
            retry_at = None
            if self._state is BreakerState.OPEN and self._opened_at is not None:
                retry_at = self._opened_at + self._reset_after
            return BreakerStatus(
                provider=self._name,
                state=self._state,
                consecutive_failures=self._failures,
                opened_at=None if self._state is BreakerState.CLOSED else self._opened_at,
                retry_at=retry_at,
                at=now,
            )

    def acquire(self) -> Permit | None:
        """Leave to make one call, or ``None`` if the circuit refuses it now.

        Every permit must be handed back with :meth:`record`, whatever
        happens, or a half-open circuit keeps waiting for its trial.
        """
        now = self._now()
        with self._lock:
            self._refresh(now)
            if self._state is BreakerState.CLOSED:
                return Permit(self._name, False, self._generation)
            if self._state is BreakerState.HALF_OPEN and not self._trial_out:
                self._trial_out = True
                return Permit(self._name, True, self._generation)
            return None

    def record(self, permit: Permit, *, success: bool | None) -> None:
        """Report how the call made under ``permit`` went.

        ``success=True``: the provider is up (it answered, or its answer was
        lost but a lookup found it had accepted the message); ``False``: it
        failed or timed out; ``None``: the call was not made (the trial slot is
        freed, nothing is counted).
        """
        if not isinstance(permit, Permit) or permit.provider != self._name:
            raise InvalidInput(
                "circuit breaker",
                [FieldError("permit", permit, f"not a permit of {self._name!r}")],
            )
        now = self._now()
        with self._lock:
            self._refresh(now)
            current = permit.generation == self._generation
            if permit.trial:
                if not current or self._state is not BreakerState.HALF_OPEN:
                    return
                if success is None:
                    self._trial_out = False
                elif success:
                    self._close()
                else:
                    self._failures += 1
                    self._open(now)
                return
            if self._state is not BreakerState.CLOSED or success is None:
                # A late result of a call admitted while closed: the trial decides now.
                return
            if success:
                self._failures = 0
            else:
                self._failures += 1
                if self._failures >= self._threshold:
                    self._open(now)

    def _close(self) -> None:
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = None
        self._trial_out = False
        self._generation += 1

    def reset(self) -> None:
        """Close the circuit now and forget the failures (an operator's override)."""
        with self._lock:
            self._close()

    def __repr__(self) -> str:
        return f"CircuitBreaker({self._name!r}, state={self.state.value!r})"


# --------------------------------------------------------------------------- chain


@attrs.frozen
class ProviderAttempt:
    """One provider tried (or skipped) by a :class:`FallbackChain`.

    ``outcome`` is ``sent``, ``failed``, ``timeout`` or ``skipped`` (circuit
    open). A ``timeout`` is followed by a lookup: ``in_doubt`` stays true only
    when the lookup failed too, so nobody knows whether the provider sent it;
    a ``timeout`` with ``in_doubt`` false was confirmed **not** sent. A
    ``sent`` attempt carries the ``receipt``. ``detail`` says what happened in
    words.
    """

    provider: str
    outcome: AttemptOutcome
    started_at: datetime
    finished_at: datetime
    detail: str = ""
    receipt: SendReceipt | None = None
    in_doubt: bool = False


@attrs.frozen
class DeliveryResult:
    """What :meth:`FallbackChain.deliver` did with one message.

    ``attempts`` lists every provider tried or skipped, in order. ``receipt``
    is set when some provider accepted the message. ``in_doubt`` is true when
    the chain stopped because one provider's answer was lost and it could not
    tell whether it sent the message (:attr:`in_doubt_provider` names it).
    """

    key: str
    channel: str
    attempts: tuple[ProviderAttempt, ...]
    receipt: SendReceipt | None = None
    in_doubt: bool = False
    note: str = ""
    """Why nothing was tried, when nothing was (no provider carries the channel)."""

    @property
    def sent(self) -> bool:
        """Whether some provider accepted the message."""
        return self.receipt is not None

    @property
    def delivered_by(self) -> str | None:
        """The provider that accepted the message (its name in the chain)."""
        for attempt in self.attempts:
            if attempt.outcome is AttemptOutcome.SENT:
                return attempt.provider
        return None

    @property
    def in_doubt_provider(self) -> str | None:
        """The provider that may or may not hold the message, when in doubt."""
        for attempt in self.attempts:
            if attempt.in_doubt:
                return attempt.provider
        return None

    @property
    def reasons(self) -> tuple[str, ...]:
        """``"provider: detail"`` for every attempt that did not send, plus the note."""
        found = tuple(
            f"{a.provider}: {a.detail}"
            for a in self.attempts
            if a.outcome is not AttemptOutcome.SENT
        )
        return (self.note, *found) if self.note else found


class FallbackChain:
    """Providers tried in order until one accepts the message, never twice.

    Only providers whose ``channels`` include the message's channel are
    tried; a provider whose circuit is open is skipped. Each provider has its
    own :class:`CircuitBreaker` (``failure_threshold``, ``reset_after``);
    ``timeout`` (seconds or a timedelta, more than 0 and at most 365 days) is
    passed to every call; ``clock`` returns the current aware time. Bad
    arguments raise :class:`~omnicontext.errors.InvalidInput`. See the module
    docstring for the rules.

    >>> from omnicontext.testing.notifiers import ScriptedNotifier
    >>> flaky = ScriptedNotifier("gateway-a", {"sms"}, script=["timeout_after_send"])
    >>> chain = FallbackChain([flaky, ScriptedNotifier("gateway-b", {"sms"})])
    >>> result = chain.deliver(OutgoingMessage(key="n-2", channel="sms", to="+447700900123",
    ...                                        body="We will call you at 10:00."))
    >>> result.delivered_by
    'gateway-a'
    >>> print(result.attempts[0].detail)
    no answer in time (gateway-a did not answer); lookup found the receipt, so it was sent
    """

    def __init__(
        self,
        providers: Sequence[Notifier],
        *,
        failure_threshold: int = 5,
        reset_after: timedelta | float = timedelta(seconds=60),
        timeout: timedelta | float = 10.0,
        clock: Clock | None = None,
    ) -> None:
        listed = (
            list(providers)
            if isinstance(providers, Iterable) and not isinstance(providers, str | bytes)
            else None
        )
        if not listed:
            raise InvalidInput(
                "fallback chain",
                [FieldError("providers", providers, "must list at least one provider")],
            )
        names: set[str] = set()
        for i, provider in enumerate(listed):
            if not isinstance(provider, Notifier):
                raise InvalidInput(
                    "fallback chain",
                    [
                        FieldError(
                            f"providers[{i}]",
                            provider,
                            "must be a Notifier (name, channels, send, lookup)",
                        )
                    ],
                )
            _text("fallback chain", f"providers[{i}].name", provider.name)
            if provider.name in names:
                raise InvalidInput(
                    "fallback chain",
                    [FieldError(f"providers[{i}].name", provider.name, "provider named twice")],
                )
            names.add(provider.name)
        self._providers: tuple[Notifier, ...] = tuple(listed)
        self._timeout = _seconds(timeout, subject="fallback chain", field="timeout")
        self._clock: Clock = _clock(clock, subject="fallback chain") or _utc_now
        self._breakers = {
            p.name: CircuitBreaker(
                p.name,
                failure_threshold=failure_threshold,
                reset_after=reset_after,
                clock=self._clock,
            )
            for p in self._providers
        }

    @property
    def providers(self) -> tuple[Notifier, ...]:
        """The providers, in the order they are tried."""
        return self._providers

    @property
    def timeout(self) -> float:
        """Seconds each provider call may take."""
        return self._timeout.total_seconds()

    @property
    def worst_case(self) -> timedelta:
        """The longest one delivery may take if every provider call uses its whole
        timeout: a send and a lookup per provider, plus a lookup per provider
        when reconciling first. The outbox's lease must be longer than this."""
        return self._timeout * 3 * len(self._providers)

    def now(self) -> datetime:
        """The chain's clock reading (aware)."""
        return _aware(self._clock(), subject="fallback chain", field="clock")

    def provider(self, name: str) -> Notifier:
        """The provider called ``name`` (:class:`InvalidInput` if none is)."""
        for p in self._providers:
            if p.name == name:
                return p
        raise InvalidInput(
            "fallback chain", [FieldError("provider", name, "no provider of that name")]
        )

    def breaker(self, name: str) -> CircuitBreaker:
        """The circuit breaker guarding provider ``name``."""
        try:
            return self._breakers[name]
        except KeyError:
            raise InvalidInput(
                "fallback chain", [FieldError("provider", name, "no provider of that name")]
            ) from None

    def breaker_states(self) -> tuple[BreakerStatus, ...]:
        """Every provider's breaker status, in chain order (for reports)."""
        return tuple(self._breakers[p.name].status() for p in self._providers)

    def serves(self, channel: str) -> bool:
        """Whether some provider carries ``channel``."""
        return any(channel in p.channels for p in self._providers)

    def lookup(self, name: str, key: str) -> SendReceipt | None:
        """Ask provider ``name`` whether it accepted ``key``.

        Returns its receipt or ``None``; raises :class:`ProviderError` when
        the provider cannot tell (any unexpected failure of the provider is
        reported as a :class:`ProviderError` too).
        """
        provider = self.provider(name)
        try:
            found = provider.lookup(key, timeout=self.timeout)
        except ProviderError:
            raise
        except Exception as exc:
            raise ProviderError(
                f"lookup failed: {type(exc).__name__}: {exc}", provider=name
            ) from exc
        if found is not None and not isinstance(found, SendReceipt):
            raise ProviderError(
                f"lookup answered {found!r}, not a SendReceipt or None", provider=name
            )
        return found

    def deliver(
        self,
        message: OutgoingMessage,
        *,
        before_send: Callable[[str], None] | None = None,
        after_attempt: Callable[[ProviderAttempt], None] | None = None,
        exclude: Iterable[str] = (),
    ) -> DeliveryResult:
        """Deliver ``message`` through the first provider that accepts it.

        ``before_send(provider_name)`` runs just before each provider is
        called (the outbox records a ``started`` attempt there); if it raises,
        the chain stops and the exception propagates, nothing sent by that
        provider. ``after_attempt(attempt)`` runs after each attempt, skipped
        ones included. Providers named in ``exclude`` are not tried.
        """
        if not isinstance(message, OutgoingMessage):
            raise InvalidInput(
                "fallback chain", [FieldError("message", message, "must be an OutgoingMessage")]
            )
        excluded = set(exclude)
        candidates = [
            p for p in self._providers if message.channel in p.channels and p.name not in excluded
        ]
        if not candidates:
            return DeliveryResult(
                key=message.key,
                channel=message.channel,
                attempts=(),
                note=f"no provider carries channel {message.channel!r}",
            )
        attempts: list[ProviderAttempt] = []

        def done(attempt: ProviderAttempt) -> ProviderAttempt:
            attempts.append(attempt)
            if after_attempt is not None:
                after_attempt(attempt)
            return attempt

        for provider in candidates:
            breaker = self._breakers[provider.name]
            permit = breaker.acquire()
            if permit is None:
                now = self.now()
                status = breaker.status()
                until = (
                    f" until {status.retry_at.isoformat()}"
                    if status.retry_at
                    else " (its one trial call is out)"
                )
                done(
                    ProviderAttempt(
                        provider.name,
                        AttemptOutcome.SKIPPED,
                        now,
                        now,
                        f"circuit {status.state.value}{until}",
                    )
                )
                continue
            try:
                if before_send is not None:
                    before_send(provider.name)
            except BaseException:
                breaker.record(permit, success=None)
                raise
            attempt = self._try(provider, message, breaker, permit)
            done(attempt)
            if attempt.outcome is AttemptOutcome.SENT:
                return DeliveryResult(
                    message.key, message.channel, tuple(attempts), receipt=attempt.receipt
                )
            if attempt.in_doubt:
                return DeliveryResult(message.key, message.channel, tuple(attempts), in_doubt=True)
        return DeliveryResult(message.key, message.channel, tuple(attempts))

    def _try(
        self,
        provider: Notifier,
        message: OutgoingMessage,
        breaker: CircuitBreaker,
        permit: Permit,
    ) -> ProviderAttempt:
        started = self.now()
        doubt: str
        try:
            receipt = provider.send(message, timeout=self.timeout)
        except ProviderTimeout as exc:
            doubt = f"no answer in time ({exc})" if str(exc) else "no answer in time"
        except ProviderError as exc:
            breaker.record(permit, success=False)
            return ProviderAttempt(
                provider.name, AttemptOutcome.FAILED, started, self.now(), f"refused: {exc}"
            )
        except Exception as exc:
            # Not one of ours: nobody can say whether it was sent. Treat as a timeout.
            doubt = f"unexpected {type(exc).__name__}: {exc}"
        except BaseException:
            breaker.record(permit, success=None)
            raise
        else:
            if isinstance(receipt, SendReceipt):
                breaker.record(permit, success=True)
                return ProviderAttempt(
                    provider.name,
                    AttemptOutcome.SENT,
                    started,
                    self.now(),
                    "accepted",
                    receipt=receipt,
                )
            doubt = f"answered {receipt!r}, not a SendReceipt"
        # The answer was lost. The breaker hears how the call went once the lookup
        # has said: a receipt means the provider is up (it sent the message), so a
        # half-open trial that delivered closes the circuit instead of re-opening it.
        try:
            attempt = self._settle(provider, message.key, started, doubt)
        except BaseException:
            breaker.record(permit, success=False)
            raise
        breaker.record(permit, success=attempt.outcome is AttemptOutcome.SENT)
        return attempt

    def _settle(
        self, provider: Notifier, key: str, started: datetime, doubt: str
    ) -> ProviderAttempt:
        """After a lost answer: ask the provider whether it accepted ``key``."""
        try:
            found = self.lookup(provider.name, key)
        except ProviderError as exc:
            return ProviderAttempt(
                provider.name,
                AttemptOutcome.TIMEOUT,
                started,
                self.now(),
                f"{doubt}; lookup failed too ({exc}): in doubt, no other provider tried",
                in_doubt=True,
            )
        if found is not None:
            return ProviderAttempt(
                provider.name,
                AttemptOutcome.SENT,
                started,
                self.now(),
                f"{doubt}; lookup found the receipt, so it was sent",
                receipt=found,
            )
        return ProviderAttempt(
            provider.name,
            AttemptOutcome.TIMEOUT,
            started,
            self.now(),
            f"{doubt}; lookup found no receipt, so it was not sent",
        )
