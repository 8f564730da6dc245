"""The demo's handoffs: at each switch of Ada's journey, the packet the next
agent saw and the notices Ada received.

The packets are built as of the moment of each handoff (later records are not
shown), with the default access policy: on the public channel personal data is
masked. The notices are queued in the store's outbox and delivered by an
:class:`~omnicontext.handoff.outbox.OutboxWorker` through scripted providers;
the bank's primary SMS gateway fails, so the backup carries the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs

from omnicontext.handoff.access import Viewer
from omnicontext.handoff.delivery import FallbackChain
from omnicontext.handoff.notices import QuietHours
from omnicontext.handoff.notify import QueuedNotice, queue_move_notice, queue_update
from omnicontext.handoff.outbox import OutboxWorker
from omnicontext.handoff.packet import HandoffPacket, HandoffSettings, prepare_handoff
from omnicontext.handoff.switches import ChannelSwitch, detect_switches
from omnicontext.handoff.timeline import case_timeline
from omnicontext.model import Interaction, OutboxEntry
from omnicontext.storage import Store
from omnicontext.testing.notifiers import ScriptedNotifier

__all__ = ["BRAND", "Leg", "legs"]

BRAND = "Northbank"
SETTINGS = HandoffSettings(
    history_chars=420,
    recent=2,
    required_checkpoints={"*": ("identity_verified", "card_frozen", "emergency_cash")},
)
NEXT_STEPS = {
    "social_private": (
        "Open the direct message we just sent you.",
        "Never post card or account details in public.",
    ),
    "chat": (
        "Tap the secure chat link in our message.",
        "Have your debit card to hand.",
    ),
    "phone": (
        "Call us on the number on the back of your card.",
        "Quote your reference: you won't need to explain again.",
    ),
}
UPDATE = "Your new debit card was posted today; it arrives within 2 working days."
QUIET = QuietHours(start=time(21, 0), end=time(8, 0))


@attrs.frozen
class Leg:
    """One handoff of the journey: the switch (``None`` for the public reply),
    the packet the next agent saw and the notices queued."""

    at: datetime
    switch: ChannelSwitch | None
    packet: HandoffPacket
    notices: tuple[QueuedNotice, ...]


def _next_agent(timeline: Sequence[Interaction], channel: str, after: datetime) -> str:
    for item in timeline:
        if item.channel == channel and item.occurred_at >= after and item.agent_id:
            return item.agent_id
    return "next_agent"


def legs(
    store: Store, case_id: str
) -> tuple[tuple[Leg, ...], QueuedNotice, tuple[OutboxEntry, ...]]:
    """Every handoff of ``case_id``, the update sent after the call, and the
    customer's outbox once delivered. Notices are delivered as they are queued."""
    timeline = case_timeline(store, case_id)
    first = timeline[0]
    outbox = _Outbox(store, first.occurred_at)
    found: list[Leg] = []
    # The social team's first look, on the public channel: masked.
    reply_at = first.occurred_at + timedelta(minutes=1)
    viewer = Viewer(_next_agent(timeline, first.channel, first.occurred_at), "agent")
    packet = prepare_handoff(
        store, case_id, to_channel=first.channel, viewer=viewer, at=reply_at, settings=SETTINGS
    )
    found.append(Leg(at=reply_at, switch=None, packet=packet, notices=()))
    for switch in detect_switches(timeline):
        at = switch.at
        if switch.handoff_id is not None:
            at = store.interactions.get(switch.handoff_id).occurred_at
        viewer = Viewer(_next_agent(timeline, switch.to_channel, at), "agent")
        packet = prepare_handoff(
            store, case_id, to_channel=switch.to_channel, viewer=viewer, at=at, settings=SETTINGS
        )
        notice = queue_move_notice(
            store,
            case_id,
            key=f"move:{switch.handoff_id or switch.to_interaction_id}",
            from_channel=switch.from_channel,
            to_channel=switch.to_channel,
            brand=BRAND,
            next_steps=NEXT_STEPS.get(switch.to_channel, ("We'll be in touch shortly.",)),
            at=at,
            customer_present=True,
        )
        outbox.run(at)
        found.append(Leg(at=at, switch=switch, packet=packet, notices=(notice,)))
    # That evening, away from every conversation: the update waits for the morning.
    zone = ZoneInfo(store.customers.get(packet.customer_id).time_zone or "UTC")
    local = timeline[-1].occurred_at.astimezone(zone)
    evening = local.replace(hour=21, minute=30, second=0, microsecond=0)
    update = queue_update(
        store,
        case_id,
        key="update:new-card",
        text=UPDATE,
        brand=BRAND,
        at=evening,
        conversation_channel=timeline[-1].channel,
        customer_present=False,
        quiet_hours=QUIET,
    )
    outbox.run(evening)
    if update.plan.not_before is not None:
        outbox.run(update.plan.not_before)
    return tuple(found), update, tuple(store.outbox.for_customer(packet.customer_id))


class _Outbox:
    """An outbox worker on a settable clock, with the demo's providers: the
    primary SMS gateway fails every time, so its backup carries the texts."""

    def __init__(self, store: Store, start: datetime) -> None:
        self.now = start
        providers = [
            ScriptedNotifier("social-api", {"social_public", "social_private"}, clock=self.clock),
            ScriptedNotifier("chat-widget", {"chat"}, clock=self.clock),
            ScriptedNotifier("sms-primary", {"sms"}, then="fail", clock=self.clock),
            ScriptedNotifier("sms-backup", {"sms"}, clock=self.clock),
            ScriptedNotifier("mailer", {"email"}, clock=self.clock),
        ]
        chain = FallbackChain(providers, clock=self.clock)
        self.worker = OutboxWorker(store, chain, owner="demo-worker")

    def clock(self) -> datetime:
        return self.now

    def run(self, at: datetime) -> None:
        self.now = at
        self.worker.run_once(now=at)
