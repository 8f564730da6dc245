"""Renderings of a handoff packet: JSON-ready data, plain text and Markdown."""

from __future__ import annotations

import re
import textwrap
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from omnicontext.errors import FieldError, InvalidInput

if TYPE_CHECKING:
    from omnicontext.handoff.packet import HandoffPacket, HistoryEntry

_UTC = ZoneInfo("UTC")


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def _entry_dict(entry: HistoryEntry | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "channel": entry.channel,
        "actor": entry.actor,
        "kind": entry.kind,
        "text": entry.text,
        "truncated": entry.truncated,
    }


def packet_dict(packet: HandoffPacket) -> dict[str, Any]:
    """The packet as JSON-ready data; parts withheld are absent, not null."""
    out: dict[str, Any] = {
        "case_id": packet.case_id,
        "customer_id": packet.customer_id,
        "built_at": packet.built_at.isoformat(),
        "viewer": {"id": packet.viewer.id, "role": packet.viewer.role},
        "from_channel": packet.from_channel,
        "to_channel": packet.to_channel,
        "redacted": packet.redacted,
        "redactions": packet.redactions,
        "shown": list(packet.shown),
        "withheld": list(packet.withheld),
        "access_id": packet.access_id,
    }
    if packet.customer is not None:
        c = packet.customer
        out["customer"] = {
            "id": c.id,
            "name": c.name,
            "language": c.language,
            "time_zone": c.time_zone,
            "vip": c.vip,
        }
        if c.identities is not None:
            out["identities"] = [
                {
                    "kind": i.kind,
                    "scope": i.scope,
                    "value": i.value,
                    "verified": i.verified,
                    "method": i.method,
                    "verified_at": _iso(i.verified_at),
                }
                for i in c.identities
            ]
    if packet.case is not None:
        k = packet.case
        out["case"] = {
            "id": k.id,
            "subject": k.subject,
            "status": k.status,
            "priority": k.priority,
            "intent": k.intent,
            "tags": list(k.tags),
        }
    if packet.journey is not None:
        out["journey"] = [s.to_dict() for s in packet.journey]
        out["switches"] = [s.to_dict() for s in packet.switches or ()]
        out["switches_omitted"] = packet.switches_omitted
    if packet.history is not None:
        out["history"] = [_entry_dict(e) for e in packet.history]
        out["history_omitted"] = packet.history_omitted
    if packet.notes is not None:
        out["notes"] = [_entry_dict(e) for e in packet.notes]
        out["notes_omitted"] = packet.notes_omitted
    if packet.checkpoints_done is not None:
        out["checkpoints"] = {
            "done": [c.to_dict() for c in packet.checkpoints_done],
            "pending": list(packet.checkpoints_pending or ()),
        }
    if "open_question" in packet.shown:
        out["open_question"] = _entry_dict(packet.open_question)
    if packet.flags is not None:
        f = packet.flags
        out["flags"] = {
            "sensitive": list(f.sensitive),
            "escalated": f.escalated,
            "vip": f.vip,
            "poor_satisfaction": f.poor_satisfaction,
        }
    if packet.clocks is not None:
        k2 = packet.clocks
        out["clocks"] = {
            "first_contact_at": _iso(k2.first_contact_at),
            "since_first_contact_seconds": _seconds(k2.since_first_contact),
            "first_response_at": _iso(k2.first_response_at),
            "first_response_due": _iso(k2.first_response_due),
            "first_response_overdue": k2.first_response_overdue,
        }
    if packet.checklist is not None:
        out["checklist"] = {
            "handoff_id": packet.takeover_id,
            "items": [
                {"name": i.name, "label": i.label, "done_at": _iso(i.done_at)}
                for i in packet.checklist
            ],
        }
    return out


def _zone(name: str | None) -> tzinfo:
    if name is None:
        return _UTC
    if not isinstance(name, str):
        raise InvalidInput(
            "packet rendering", [FieldError("time_zone", name, "must be an IANA time zone name")]
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInput(
            "packet rendering", [FieldError("time_zone", name, "unknown IANA time zone")]
        ) from None


def _span(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 3600:
        return f"{sign}{seconds // 60} min"
    if seconds < 86400:
        return f"{sign}{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    return f"{sign}{seconds // 86400} d {seconds % 86400 // 3600} h"


class _Clock:
    def __init__(self, zone: tzinfo, built_at: datetime) -> None:
        self.zone = zone
        self.day = built_at.astimezone(zone).date()

    def __call__(self, value: datetime | None) -> str:
        if value is None:
            return "-"
        local = value.astimezone(self.zone)
        if local.date() == self.day:
            return local.strftime("%H:%M")
        return local.strftime("%d %b %H:%M")


def _lines(packet: HandoffPacket, clock: _Clock, zone_label: str) -> list[tuple[str, str]]:
    """(section, text) pairs shared by the text and Markdown renderings."""
    rows: list[tuple[str, str]] = []
    c = packet.customer
    if c is not None:
        bits = [c.name or c.id]
        if c.vip:
            bits.append("VIP")
        bits.extend(b for b in (c.language, c.time_zone) if b)
        rows.append(("Customer", " · ".join(bits)))
        for i in c.identities or ():
            label = f"{i.kind}:{i.scope}" if i.scope else i.kind
            state = "verified" if i.verified else "NOT verified"
            if i.verified and (i.method or i.verified_at):
                how = ", ".join(b for b in (i.method, clock(i.verified_at)) if b)
                state += f" ({how})"
            rows.append(("identity", f"{label} {i.value} — {state}"))
    k = packet.case
    if k is not None:
        bits = [k.subject or "(no subject)", k.status, k.priority]
        if k.intent:
            bits.append(f"intent {k.intent}")
        if k.tags:
            bits.append("tags " + ", ".join(k.tags))
        rows.append(("Case", f"{k.id}: " + " · ".join(bits)))
    if packet.journey is not None:
        channels = [s.channel for s in packet.journey]
        if not channels or channels[-1] != packet.to_channel:
            channels.append(packet.to_channel)
        rows.append(("Journey", " -> ".join(channels) + " (now)"))
        if packet.switches_omitted:
            rows.append(("switch", f"({packet.switches_omitted} earlier switches not shown)"))
        for s in packet.switches or ():
            rows.append(
                (
                    "switch",
                    f"{clock(s.at)} {s.from_channel} -> {s.to_channel}: {s.reason.value}"
                    f" ({s.evidence})",
                )
            )
    f = packet.flags
    if f is not None:
        flags = []
        if f.vip:
            flags.append("VIP")
        if f.sensitive:
            flags.append("sensitive: " + ", ".join(f.sensitive))
        if f.escalated:
            flags.append(f"escalated: {f.escalated}")
        if f.poor_satisfaction:
            flags.append(f"earlier poor satisfaction: {f.poor_satisfaction}")
        rows.append(("Flags", "; ".join(flags) if flags else "none"))
    t = packet.clocks
    if t is not None:
        bits = []
        if t.first_contact_at is not None and t.since_first_contact is not None:
            bits.append(
                f"first contact {clock(t.first_contact_at)} ({_span(t.since_first_contact)} ago)"
            )
        if t.first_response_at is not None:
            bits.append(f"first response {clock(t.first_response_at)}")
        elif t.first_response_due is not None:
            state = "OVERDUE" if t.first_response_overdue else "due"
            bits.append(f"first response {state} {clock(t.first_response_due)}")
        else:
            bits.append("no response yet")
        rows.append(("Clocks", "; ".join(bits) + f" [{zone_label}]"))
    if packet.checkpoints_done is not None:
        done = [
            f"{cp.name} ({cp.channel or '-'}, {clock(cp.done_at)}"
            + "".join(f"; {key}: {value}" for key, value in cp.detail.items())
            + ")"
            for cp in packet.checkpoints_done
        ]
        rows.append(("Done", "; ".join(done) if done else "nothing yet"))
        rows.append(("Pending", ", ".join(packet.checkpoints_pending or ()) or "nothing"))
    if "open_question" in packet.shown:
        q = packet.open_question
        rows.append(
            (
                "Open question",
                "none: the customer's last message was answered"
                if q is None
                else f"{clock(q.at)} {q.channel}: “{q.text}”",
            )
        )
    return rows


def _entry_line(entry: HistoryEntry, clock: _Clock) -> str:
    more = " […]" if entry.truncated else ""
    return _plain(f"{clock(entry.at)} {entry.channel} {entry.actor}: {entry.text}{more}")


def packet_text(packet: HandoffPacket, *, width: int = 80, time_zone: str | None = None) -> str:
    """Plain text, ``width`` columns, times in ``time_zone`` (default UTC)."""
    if isinstance(width, bool) or not isinstance(width, int) or width < 40:
        raise InvalidInput("packet rendering", [FieldError("width", width, "must be 40 or more")])
    zone = _zone(time_zone)
    clock = _Clock(zone, packet.built_at)
    label = time_zone or "UTC"
    head = f"HANDOFF {packet.case_id} -> {packet.to_channel}"
    who = f"for {packet.viewer.id} ({packet.viewer.role})"
    out = [head, who + (" · personal data masked" if packet.redacted else ""), "=" * width]
    indent = " " * 15

    def put(section: str, text: str) -> None:
        first = f"{section:<14} " if section[0].isupper() else indent
        out.extend(
            textwrap.wrap(
                text,
                width=width,
                initial_indent=first if section[0].isupper() else indent + "  ",
                subsequent_indent=indent + ("  " if not section[0].isupper() else ""),
                break_long_words=True,
                break_on_hyphens=False,
            )
            or [first.rstrip()]
        )

    for section, text in _lines(packet, clock, label):
        put(section, _plain(text))
    if packet.history is not None:
        shown = len(packet.history)
        total = shown + packet.history_omitted
        out.append("")
        out.append(f"History ({shown} of {total}; times {label})")
        for entry in packet.history:
            out.extend(
                textwrap.wrap(
                    _entry_line(entry, clock),
                    width=width,
                    initial_indent="  ",
                    subsequent_indent="        ",
                    break_on_hyphens=False,
                )
            )
    if packet.notes:
        out.append("")
        out.append("Notes")
        for entry in packet.notes:
            out.extend(
                textwrap.wrap(
                    _entry_line(entry, clock),
                    width=width,
                    initial_indent="  ",
                    subsequent_indent="        ",
                    break_on_hyphens=False,
                )
            )
    if packet.checklist is not None:
        out.append("")
        out.append("Takeover checklist")
        for item in packet.checklist:
            box = "[x]" if item.done else "[ ]"
            when = f" ({clock(item.done_at)})" if item.done_at else ""
            out.append(f"  {box} {item.label}{when}")
    if packet.withheld:
        out.append("")
        out.append("Not shown to this role: " + ", ".join(packet.withheld))
    return "\n".join(out) + "\n"


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def _plain(text: str) -> str:
    """``text`` without control characters (terminal escapes, stray carriage
    returns), each replaced by a space; tabs and newlines are kept."""
    return _CONTROL.sub(" ", text)


def _md(text: str) -> str:
    """``text`` as inert Markdown: on one line, with every character Markdown
    or HTML could act on escaped, so a customer's words never become markup."""
    flat = " ".join(_plain(text).split())
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", flat)


def packet_markdown(packet: HandoffPacket, *, time_zone: str | None = None) -> str:
    """Markdown: a heading, a table of the headline parts, then lists."""
    zone = _zone(time_zone)
    clock = _Clock(zone, packet.built_at)
    label = time_zone or "UTC"
    out = [
        f"## Handoff: case {packet.case_id} to {packet.to_channel}",
        "",
        f"For **{_md(packet.viewer.id)}** ({packet.viewer.role})"
        + (", personal data masked." if packet.redacted else "."),
        "",
        "| | |",
        "|---|---|",
    ]
    for section, text in _lines(packet, clock, label):
        name = section if section[0].isupper() else f"↳ {section}"
        out.append(f"| {name} | {_md(text)} |")
    if packet.history is not None:
        shown = len(packet.history)
        out += [
            "",
            f"### History ({shown} of {shown + packet.history_omitted}, times {label})",
            "",
        ]
        out += [f"- {_md(_entry_line(e, clock))}" for e in packet.history]
    if packet.notes:
        out += ["", "### Notes", ""]
        out += [f"- {_md(_entry_line(e, clock))}" for e in packet.notes]
    if packet.checklist is not None:
        out += ["", "### Takeover checklist", ""]
        out += [
            f"- [{'x' if i.done else ' '}] {i.label}"
            + (f" ({clock(i.done_at)})" if i.done_at else "")
            for i in packet.checklist
        ]
    if packet.withheld:
        out += ["", "_Not shown to this role: " + ", ".join(packet.withheld) + "._"]
    return "\n".join(out) + "\n"
