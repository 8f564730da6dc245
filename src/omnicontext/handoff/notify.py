"""Telling the customer, end to end: plan, compose and queue a notice.

:func:`queue_move_notice` and :func:`queue_update` read the case and its
customer from the store, decide where and when the notice goes
(:func:`~omnicontext.handoff.notices.plan_delivery`: consent, preferred
channels, quiet hours in the customer's time zone), compose it for that
channel (:func:`~omnicontext.handoff.notices.compose_move_notice`,
:func:`~omnicontext.handoff.notices.compose_update`) and put it in the store's
outbox (:func:`~omnicontext.handoff.outbox.enqueue`), from where an
:class:`~omnicontext.handoff.outbox.OutboxWorker` delivers it exactly once.

``key`` is the notice's idempotency key: queueing again under the same key
(a retried request, a replayed event) changes nothing. Use something that
names the event, such as the handoff's id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import attrs

from omnicontext.errors import FieldError, InvalidInput
from omnicontext.handoff.notices import (
    DeliveryPlan,
    Notice,
    QuietHours,
    compose_move_notice,
    compose_update,
    plan_delivery,
)
from omnicontext.handoff.outbox import enqueue
from omnicontext.identity import IdentityResolver
from omnicontext.model import Case, ChannelRegistry, Customer, OutboxEntry
from omnicontext.storage import Store

__all__ = ["QueuedNotice", "queue_move_notice", "queue_update"]


@attrs.frozen
class QueuedNotice:
    """What became of a notice: where it was planned to go, what it says, and
    its outbox entry (``None`` when the plan held it: nowhere to send)."""

    plan: DeliveryPlan
    notice: Notice | None
    entry: OutboxEntry | None

    @property
    def held(self) -> bool:
        """True when no channel could carry the notice."""
        return self.entry is None


def _customer(store: Store, case: Case) -> Customer:
    """The case's customer, or the profile it was merged into."""
    return IdentityResolver(store).current(case.customer_id)


def _check_key(key: str) -> None:
    if not isinstance(key, str) or not key.strip():
        raise InvalidInput("notice", [FieldError("key", key, "must be a non-empty string")])


def _queue(
    store: Store,
    case: Case,
    customer: Customer,
    plan: DeliveryPlan,
    notice: Notice | None,
    *,
    key: str,
    at: datetime,
    deadline: datetime | None,
) -> QueuedNotice:
    if notice is None or plan.channel is None:
        return QueuedNotice(plan=plan, notice=None, entry=None)
    entry = enqueue(
        store,
        key=key,
        channel=plan.channel,
        # In-conversation channels (chat, app) have no address of their own:
        # the conversation is the case.
        to=plan.to if plan.to is not None else f"case:{case.id}",
        body=notice.body,
        subject=notice.subject,
        customer_id=customer.id,
        case_id=case.id,
        at=at,
        not_before=plan.not_before,
        deadline=deadline,
    )
    return QueuedNotice(plan=plan, notice=notice, entry=entry)


def queue_move_notice(
    store: Store,
    case_id: str,
    *,
    key: str,
    from_channel: str,
    to_channel: str,
    brand: str,
    next_steps: Sequence[str],
    at: datetime,
    customer_present: bool = True,
    quiet_hours: QuietHours | None = None,
    agent_name: str | None = None,
    expected_wait: timedelta | None = None,
    reference: str | None = None,
    deadline: datetime | None = None,
    channels: ChannelRegistry | None = None,
) -> QueuedNotice:
    """Tell the customer of case ``case_id`` that the conversation moves.

    While the customer is present the notice goes on ``from_channel`` (the
    conversation they are in, public or not: it names no personal data there);
    while away, on the channel :func:`~omnicontext.handoff.notices.plan_delivery`
    picks. ``reference`` defaults to the case id.
    """
    _check_key(key)
    case = store.cases.get(case_id)
    customer = _customer(store, case)
    plan = plan_delivery(
        customer,
        at=at,
        conversation_channel=from_channel,
        customer_present=customer_present,
        quiet_hours=quiet_hours,
        channels=channels,
        kind="move",
    )
    notice = None
    if plan.channel is not None:
        notice = compose_move_notice(
            on_channel=plan.channel,
            from_channel=from_channel,
            to_channel=to_channel,
            brand=brand,
            reference=reference or case.id,
            next_steps=next_steps,
            customer_name=customer.display_name,
            agent_name=agent_name,
            expected_wait=expected_wait,
            channels=channels,
        )
    return _queue(store, case, customer, plan, notice, key=key, at=at, deadline=deadline)


def queue_update(
    store: Store,
    case_id: str,
    *,
    key: str,
    text: str,
    brand: str,
    at: datetime,
    conversation_channel: str | None,
    customer_present: bool = False,
    quiet_hours: QuietHours | None = None,
    subject: str | None = None,
    reference: str | None = None,
    deadline: datetime | None = None,
    channels: ChannelRegistry | None = None,
) -> QueuedNotice:
    """Send the customer of case ``case_id`` a progress update.

    While they are away from the conversation it goes on the first channel
    they prefer and consented to (never a public one), deferred past quiet
    hours in their time zone; while present, in the conversation.
    """
    _check_key(key)
    case = store.cases.get(case_id)
    customer = _customer(store, case)
    plan = plan_delivery(
        customer,
        at=at,
        conversation_channel=conversation_channel,
        customer_present=customer_present,
        quiet_hours=quiet_hours,
        channels=channels,
        kind="update",
    )
    notice = None
    if plan.channel is not None:
        notice = compose_update(
            on_channel=plan.channel,
            brand=brand,
            reference=reference or case.id,
            text=text,
            customer_name=customer.display_name,
            subject=subject,
            channels=channels,
        )
    return _queue(store, case, customer, plan, notice, key=key, at=at, deadline=deadline)
