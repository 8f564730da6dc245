"""The notification outbox: messages to customers waiting to be delivered,
each under an idempotency key, with every delivery attempt recorded.

An entry is written before any provider is called, so no notification is lost
when a provider (or the process) fails; a worker claims it with a lease
(``sending``), records an attempt as ``started`` *before* calling the provider,
and settles it as ``sent`` or ``failed``. An attempt still ``started`` after
the worker died is in doubt: the provider may or may not have delivered.
"""

from __future__ import annotations

import enum
from typing import Annotated, ClassVar, Self

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from omnicontext.model._base import Model, invalid
from omnicontext.model._types import Id
from omnicontext.model.channels import ChannelName

__all__ = ["AttemptOutcome", "DeliveryAttempt", "OutboxEntry", "OutboxStatus"]

_Provider = Annotated[str, StringConstraints(min_length=1, max_length=64)]
_Text = Annotated[str, StringConstraints(min_length=1, max_length=1024)]

MESSAGE_FIELDS: tuple[str, ...] = (
    "key",
    "channel",
    "to",
    "subject",
    "body",
    "customer_id",
    "case_id",
)
"""The fields that make up an outbox entry's message; they never change once
the entry is stored (see :meth:`OutboxEntry.same_message`)."""


class OutboxStatus(enum.StrEnum):
    """Where an outbox entry stands."""

    PENDING = "pending"
    """Waiting to be sent (maybe not before ``not_before``)."""
    SENDING = "sending"
    """Claimed by a worker until ``lease_until``; in doubt if the worker died."""
    SENT = "sent"
    """Delivered to a provider, which accepted it."""
    FAILED = "failed"
    """Given up (attempts exhausted or deadline passed)."""


class AttemptOutcome(enum.StrEnum):
    """How one delivery attempt ended."""

    STARTED = "started"
    """Recorded *before* calling the provider; left as is if the process dies."""
    SENT = "sent"
    FAILED = "failed"
    TIMEOUT = "timeout"
    SKIPPED = "skipped"
    """Not tried: the provider's circuit was open."""


class DeliveryAttempt(Model):
    """One try at handing an outbox entry to a provider.

    >>> a = DeliveryAttempt(provider="smtp", started_at="2026-06-12T09:30:00Z")
    >>> a.outcome
    <AttemptOutcome.STARTED: 'started'>
    >>> a.model_copy(update={"outcome": AttemptOutcome.SENT}).outcome.value
    'sent'
    """

    _subject: ClassVar[str] = "delivery attempt"

    provider: _Provider
    started_at: AwareDatetime
    outcome: AttemptOutcome = AttemptOutcome.STARTED
    finished_at: AwareDatetime | None = None
    detail: Annotated[str, StringConstraints(max_length=1024)] = ""
    """What the provider said (an error message, a status code)."""
    provider_message_id: str | None = None
    """The provider's own id for the message, when it gave one."""

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.finished_at is not None and self.finished_at < self.started_at:
            raise invalid("finished_at", "an attempt cannot finish before it started")
        return self


class OutboxEntry(Model):
    """A notification to deliver once: the message, where it stands, and every
    attempt made.

    ``key`` is the idempotency key: adding the same message twice under one key
    stores it once. ``version`` is the optimistic-concurrency counter, as for
    customers and cases.

    >>> e = OutboxEntry(key="case_1:moved-to-phone", channel="sms",
    ...     to="+442079460958", body="We will call you in 5 minutes.",
    ...     customer_id="cus_1", created_at="2026-06-12T09:30:00Z")
    >>> e.status
    <OutboxStatus.PENDING: 'pending'>
    >>> e.same_message(e.model_copy(update={"status": OutboxStatus.FAILED}))
    True
    >>> OutboxEntry(key="k", channel="sms", to="+442079460958", body="Hi",
    ...     created_at="2026-06-12T09:30:00Z", status="sent")
    Traceback (most recent call last):
    ...
    omnicontext.errors.InvalidInput: invalid outbox entry: sent_at=None: a sent entry says when ...
    """

    _subject: ClassVar[str] = "outbox entry"

    key: Id
    """The idempotency key."""
    channel: ChannelName
    to: Annotated[str, StringConstraints(min_length=1, max_length=512)]
    """The address on ``channel`` (a phone number, an email address, a handle)."""
    body: Annotated[str, StringConstraints(min_length=1)]
    subject: str | None = None
    customer_id: Id | None = None
    case_id: Id | None = None
    created_at: AwareDatetime
    not_before: AwareDatetime | None = None
    """Do not send before this time (a quiet-hours delay, a scheduled update)."""
    deadline: AwareDatetime | None = None
    """Not worth sending after this time; the entry fails instead."""
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: tuple[DeliveryAttempt, ...] = ()
    """Every attempt, oldest first."""
    lease_owner: str | None = None
    """The worker holding a ``sending`` entry."""
    lease_until: AwareDatetime | None = None
    """When the worker's claim runs out; another worker may then take it over."""
    provider: str | None = None
    """Who delivered it."""
    provider_message_id: str | None = None
    sent_at: AwareDatetime | None = None
    failure_reason: Annotated[str, StringConstraints(max_length=1024)] | None = None
    """Why a ``failed`` entry was given up (deadline passed, attempts used up, no
    provider for the channel)."""
    version: Annotated[int, Field(ge=0, strict=True)] = 0

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.not_before is not None and self.not_before < self.created_at:
            raise invalid("not_before", "cannot be before created_at")
        if self.deadline is not None and self.deadline < self.created_at:
            raise invalid("deadline", "cannot be before created_at")
        if self.status is OutboxStatus.SENT:
            if self.sent_at is None:
                raise invalid("sent_at", "a sent entry says when it was sent")
            if self.provider is None:
                raise invalid("provider", "a sent entry names the provider that delivered it")
        elif self.sent_at is not None:
            raise invalid("sent_at", f"only a sent entry has a send time, not a {self.status}")
        if self.sent_at is not None and self.sent_at < self.created_at:
            raise invalid("sent_at", "cannot be before created_at")
        if self.status is OutboxStatus.SENDING:
            if self.lease_owner is None:
                raise invalid("lease_owner", "a sending entry names the worker holding it")
            if self.lease_until is None:
                raise invalid("lease_until", "a sending entry says when its lease runs out")
        return self

    def same_message(self, other: OutboxEntry) -> bool:
        """True when ``other`` carries the same message: key, channel, address,
        subject, body, customer and case; status, attempts and the rest aside.

        >>> e = OutboxEntry(key="k1", channel="email", to="ada@example.com",
        ...     body="Your refund is on its way.", created_at="2026-06-12T09:30:00Z")
        >>> e.same_message(e.model_copy(update={"body": "Something else."}))
        False
        """
        return all(getattr(self, f) == getattr(other, f) for f in MESSAGE_FIELDS)

    def message_differences(self, other: OutboxEntry) -> tuple[str, ...]:
        """The message fields in which ``other`` differs from this entry, in
        declaration order (empty when :meth:`same_message`).

        >>> e = OutboxEntry(key="k1", channel="email", to="ada@example.com",
        ...     body="Hello", created_at="2026-06-12T09:30:00Z")
        >>> e.message_differences(e.model_copy(update={"to": "bo@example.com"}))
        ('to',)
        """
        return tuple(f for f in MESSAGE_FIELDS if getattr(self, f) != getattr(other, f))
