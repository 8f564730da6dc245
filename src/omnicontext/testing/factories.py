"""Plain factories for valid records, for tests (ours and yours).

Each takes only what a test usually cares about and fills in the rest with
valid defaults; any model field can be overridden by keyword.

>>> from omnicontext.testing import factories as f
>>> m = f.message("m1", at=f.T0, customer_id="cus_1", body="Hello")
>>> m.channel, m.direction.value, m.occurred_at.isoformat()
('chat', 'inbound', '2026-01-05T09:00:00+00:00')
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from omnicontext.model import (
    Assignment,
    Call,
    Case,
    Customer,
    Evidence,
    Handoff,
    Identity,
    MergeRecord,
    MergeSuggestion,
    Message,
    Note,
    StatusChange,
    Survey,
)

__all__ = [
    "T0",
    "assignment",
    "call",
    "case",
    "customer",
    "handoff",
    "identity",
    "merge_record",
    "message",
    "minutes",
    "note",
    "status",
    "suggestion",
    "survey",
]

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
"""A fixed Monday morning, 09:00 UTC, so tests never depend on the clock."""


def minutes(n: float) -> datetime:
    """``T0`` plus ``n`` minutes."""
    return T0 + timedelta(minutes=n)


def identity(kind: str = "email", value: str = "ada@example.com", **fields: Any) -> Identity:
    """An identity; social ones default to platform ``twitter``, external to ``crm``."""
    if kind == "social":
        fields.setdefault("platform", "twitter")
    if kind == "external":
        fields.setdefault("system", "crm")
    return Identity(kind=kind, value=value, **fields)


def customer(id: str = "cus_1", **fields: Any) -> Customer:
    """A customer with a display name."""
    fields.setdefault("display_name", "Ada Lovelace")
    return Customer(id=id, **fields)


def case(id: str = "case_1", customer_id: str = "cus_1", **fields: Any) -> Case:
    """An open case with a subject."""
    fields.setdefault("subject", "Card blocked abroad")
    return Case(id=id, customer_id=customer_id, **fields)


def merge_record(
    id: str = "mrg_1",
    survivor_id: str = "cus_1",
    absorbed_id: str = "cus_2",
    at: datetime | None = None,
    **fields: Any,
) -> MergeRecord:
    """A merge of ``absorbed_id`` into ``survivor_id`` by agent ``ag_1``, with
    minimal before and after snapshots."""
    fields.setdefault("reason", "same verified email")
    fields.setdefault("actor", "ag_1")
    fields.setdefault("survivor_before", customer(survivor_id))
    fields.setdefault("absorbed_before", customer(absorbed_id))
    fields.setdefault("survivor_after", customer(survivor_id))
    return MergeRecord(
        id=id,
        survivor_id=survivor_id,
        absorbed_id=absorbed_id,
        merged_at=T0 if at is None else at,
        **fields,
    )


def suggestion(
    id: str = "sug_1",
    customer_ids: tuple[str, str] = ("cus_1", "cus_2"),
    at: datetime | None = None,
    **fields: Any,
) -> MergeSuggestion:
    """A pending suggestion that two customers are one, on a same-name hint."""
    fields.setdefault("score", 0.4)
    fields.setdefault("evidence", [Evidence(kind="same_name", weight=0.4, detail="Ada Lovelace")])
    return MergeSuggestion(
        id=id, customer_ids=customer_ids, created_at=T0 if at is None else at, **fields
    )


def _common(
    id: str, at: datetime | None, fields: dict[str, Any], *, actor: str = "customer"
) -> dict[str, Any]:
    fields.setdefault("channel", "chat")
    fields.setdefault("actor", actor)
    if fields["actor"] == "agent":
        fields.setdefault("agent_id", "ag_1")
    if not any(k in fields for k in ("customer_id", "identity", "case_id")):
        fields["customer_id"] = "cus_1"
    return {"id": id, "occurred_at": at or T0, **fields}


def message(id: str, at: datetime | None = None, **fields: Any) -> Message:
    """An inbound customer message (``direction="outbound"`` makes it an agent reply)."""
    outbound = fields.get("direction") == "outbound"
    fields.setdefault("direction", "inbound")
    fields.setdefault("body", "Hello, my card stopped working.")
    return Message(**_common(id, at, fields, actor="agent" if outbound else "customer"))


def call(id: str, at: datetime | None = None, **fields: Any) -> Call:
    """An inbound call answered after 30 s, talked 5 min, 60 s of wrap-up, by ``ag_1``."""
    start = at or T0
    fields.setdefault("channel", "phone")
    fields.setdefault("direction", "inbound")
    if "answered_at" not in fields:
        fields["answered_at"] = start + timedelta(seconds=30)
    if fields["answered_at"] is not None:
        fields.setdefault("ended_at", fields["answered_at"] + timedelta(minutes=5))
        fields.setdefault("wrap_up_seconds", 60.0)
        fields.setdefault("agent_id", "ag_1")
    return Call(**_common(id, start, fields))


def note(id: str, at: datetime | None = None, **fields: Any) -> Note:
    """An internal note by agent ``ag_1``."""
    fields.setdefault("body", "Customer verified by security questions.")
    return Note(**_common(id, at, fields, actor="agent"))


def status(id: str, at: datetime | None = None, **fields: Any) -> StatusChange:
    """A status change to ``solved`` by agent ``ag_1``."""
    fields.setdefault("status", "solved")
    return StatusChange(**_common(id, at, fields, actor="agent"))


def assignment(id: str, at: datetime | None = None, **fields: Any) -> Assignment:
    """The case assigned to ``ag_1`` by the system."""
    fields.setdefault("agent_id", "ag_1")
    return Assignment(**_common(id, at, fields, actor="system"))


def survey(id: str, at: datetime | None = None, **fields: Any) -> Survey:
    """A csat 5 answer (pass ``nps=...`` and ``csat=None`` for an NPS answer)."""
    if "nps" not in fields:
        fields.setdefault("csat", 5)
    return Survey(**_common(id, at, fields))


def handoff(id: str, at: datetime | None = None, **fields: Any) -> Handoff:
    """A move from ``social_public`` to ``social_private`` for sensitivity."""
    fields.setdefault("from_channel", "social_public")
    fields.setdefault("to_channel", "social_private")
    fields.setdefault("reason", "sensitivity")
    fields.setdefault("channel", fields["to_channel"])
    return Handoff(**_common(id, at, fields, actor="system"))
