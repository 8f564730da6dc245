"""A chat escalates to a phone call: the packet the phone agent sees, and the
text the customer gets.

Run it: ``python examples/chat_to_phone.py``. It keeps everything in memory.

1. A customer writes in the shop's chat about a parcel that never came; the
   chat agent checks the order and notes it.
2. The customer asks for a call. ``advise_case`` agrees (a long exchange on
   an asynchronous channel would too; here the customer says so), and
   ``prepare_handoff`` builds what the phone agent needs, recorded in the
   access log.
3. The move is recorded and the customer is told on the chat; the evening
   update goes by SMS, after quiet hours, through a gateway with a backup.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from omnicontext.handoff import (
    FallbackChain,
    HandoffSettings,
    OutboxWorker,
    QuietHours,
    Viewer,
    prepare_handoff,
    queue_move_notice,
    queue_update,
    record_handoff,
    tick,
)
from omnicontext.model import Case, Checkpoint, ContactConsent, Customer, Identity, Message, Note
from omnicontext.storage import MemoryStore
from omnicontext.testing import ScriptedNotifier

T0 = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def say(id: str, minutes: float, actor: str, body: str) -> Message:
    agent = actor == "agent"
    return Message(
        id=id,
        occurred_at=at(minutes),
        channel="chat",
        case_id="case_parcel",
        customer_id="cus_jo",
        actor=actor,
        agent_id="ag_mia" if agent else None,
        direction="outbound" if agent else "inbound",
        body=body,
    )


def main() -> None:
    store = MemoryStore()
    store.customers.save(
        Customer(
            id="cus_jo",
            display_name="Jo Bloggs",
            time_zone="Europe/London",
            preferred_channels=("sms",),
            consent={"sms": ContactConsent(granted=True)},
            identities=[Identity(kind="phone", value="+447700900456", verified=True)],
        )
    )
    store.cases.save(
        Case(
            id="case_parcel",
            customer_id="cus_jo",
            subject="Parcel never arrived",
            intent="missing_parcel",
            checkpoints=[Checkpoint(name="order_found", done_at=at(3), channel="chat")],
        )
    )
    store.interactions.append_many(
        [
            say("c1", 0, "customer", "My parcel for order 48213377 never came. It's been 9 days."),
            say("c2", 2, "agent", "Sorry Jo! I can see the order. Let me check with the courier."),
            Note(
                id="n1",
                occurred_at=at(4),
                channel="chat",
                case_id="case_parcel",
                customer_id="cus_jo",
                actor="agent",
                agent_id="ag_mia",
                body="Courier says delivered to a safe place; customer disputes it.",
            ),
            say(
                "c3",
                6,
                "customer",
                "Nothing was left here. Can someone call me? I'm on 07700 900456.",
            ),
        ]
    )

    # The phone agent's packet; personal data shows because the agent may see it.
    settings = HandoffSettings(
        required_checkpoints={"missing_parcel": ("order_found", "claim_opened")}
    )
    packet = prepare_handoff(
        store,
        "case_parcel",
        to_channel="phone",
        viewer=Viewer("ag_sam"),
        at=at(7),
        settings=settings,
    )
    print(packet.to_text(width=78, time_zone="Europe/London"))

    # Record the move, tell the customer, and tick the first checklist item.
    handoff = record_handoff(
        store,
        packet,
        reason="Customer disputes the delivery; call back.",
        agent_id="ag_mia",
        at=at(8),
    )
    tick(store, "case_parcel", "history_reviewed", agent_id="ag_sam", at=at(9))
    told = queue_move_notice(
        store,
        "case_parcel",
        key=f"move:{handoff.id}",
        from_channel="chat",
        to_channel="phone",
        brand="Parcelly",
        next_steps=["Keep your phone nearby: we'll call within 10 minutes."],
        expected_wait=timedelta(minutes=10),
        at=at(8),
    )
    later = queue_update(
        store,
        "case_parcel",
        key="update:claim",
        text="Your claim is open and a replacement ships tomorrow.",
        brand="Parcelly",
        at=at(8 * 60),  # 22:00 in London: quiet hours
        conversation_channel="phone",
        quiet_hours=QuietHours(start=time(21), end=time(8)),
    )

    # Fake providers on the example's own clock (real ones stamp their own time).
    now = [at(8)]

    def clock() -> datetime:
        return now[0]

    gateway = ScriptedNotifier("sms-gateway", {"sms"}, then="fail", clock=clock)
    backup = ScriptedNotifier("sms-backup", {"sms"}, clock=clock)
    widget = ScriptedNotifier("chat-widget", {"chat"}, clock=clock)
    chain = FallbackChain([widget, gateway, backup], clock=clock)
    worker = OutboxWorker(store, chain, owner="worker-1")
    for moment in (at(8), at(8 * 60), at(18 * 60)):
        now[0] = moment
        worker.run_once(now=moment)

    print(f"\nTold on {told.plan.channel}: {told.notice.body if told.notice else '-'}")
    entry = store.outbox.get("update:claim")
    assert later.notice is not None
    assert later.notice.sms is not None
    print(
        f"Update by {entry.channel} to {entry.to}: {entry.status.value} at "
        f"{entry.sent_at:%H:%M} UTC via {entry.provider} "
        f"({later.notice.sms.segments} segment, {later.notice.sms.encoding}); "
        f"planned: {'; '.join(later.plan.reasons)}"
    )
    print(f"Access log: {store.access_log.count()} look(s) at cus_jo's context")


if __name__ == "__main__":
    main()
