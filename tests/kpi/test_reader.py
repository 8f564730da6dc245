"""The fast reader accepts exactly what the models accept, and reads the same values.

The msgspec schema repeats the models' rules; these tests generate valid
lines and then break them in every way the data contract forbids, and check
that the fast path never accepts a line the models refuse.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnicontext.errors import InvalidInput
from omnicontext.kpi import compute, fast_reader_available, scan_jsonl
from omnicontext.kpi import reader as reader_module
from omnicontext.model import BUILTIN_CHANNELS, ChannelProfile, parse_interaction_json
from omnicontext.storage import read_jsonl
from omnicontext.testing import strategies

from .worked import feed

pytestmark = pytest.mark.skipif(not fast_reader_available(), reason="msgspec is not installed")

_FIELDS = (
    "id",
    "occurred_at",
    "channel",
    "case_id",
    "customer_id",
    "actor",
    "agent_id",
    "direction",
    "body",
    "answered_at",
    "ended_at",
    "wrap_up_seconds",
    "status",
    "queue",
    "csat",
    "nps",
    "from_channel",
    "to_channel",
    "reason",
)

# Values that break a rule somewhere: wrong types, out of range, white space at
# the ends of ids, naive or malformed times, unknown names.
_BAD_VALUES = [
    None,
    "",
    " ",
    "x ",
    " x",
    "a\nb",
    "x\u00a0",
    "\u2003y",
    "x\x1f",
    0,
    -1,
    6,
    11,
    3.5,
    True,
    "5",
    [],
    {},
    "2026-03-02T09:00:00",
    "2026-03-02 09:00:00Z",
    "2026-03-02T09:00:00z",
    "2026-03-02T09:00:00+25:00",
    "2026-02-30T09:00:00Z",
    "1999-01-01T00:00:00Z",
    "2099-12-31T23:59:59-08:00",
    1_700_000_000,
    "carrier_pigeon",
    "chat",
    "phone",
    "agent",
    "customer",
    "bot",
    "system",
    "inbound",
    "outbound",
    "solved",
    "reopened",
    "x" * 257,
    "x" * 129,
    float("inf"),
    1e308,
]


def _decoded(raw: bytes) -> Any | None:
    """What the fast path alone makes of a line, or ``None`` if it declines."""
    decoder = reader_module._DECODER
    try:
        record = decoder.decode(raw)
    except reader_module._DECODE_ERRORS:
        return None
    known = set(BUILTIN_CHANNELS)
    if record.channel not in known:
        return None
    if record.type == "handoff" and not {record.from_channel, record.to_channel} <= known:
        return None
    return record


def _same(record: Any, model: Any) -> None:
    assert record.type == model.type
    for name in _FIELDS:
        if not hasattr(model, name):
            assert not hasattr(record, name) or getattr(record, name) in (None, 0.0)
            continue
        ours, theirs = getattr(record, name), getattr(model, name)
        if isinstance(theirs, datetime):
            assert ours.timestamp() == theirs.timestamp(), name
            assert ours.utcoffset() == theirs.utcoffset(), name
        elif theirs is None:
            assert ours is None, name
        else:
            assert ours == theirs, name
            assert type(ours) in (type(theirs), str), name


@st.composite
def lines(draw: st.DrawFn) -> bytes:
    item = draw(strategies.interactions())
    data: dict[str, Any] = json.loads(item.to_json())
    for _ in range(draw(st.integers(0, 3))):
        action = draw(st.sampled_from(["set", "drop", "add"]))
        if action == "drop" and data:
            data.pop(draw(st.sampled_from(sorted(data))), None)
        elif action == "add":
            data[draw(st.sampled_from([*_FIELDS, "type", "identity", "extra"]))] = draw(
                st.sampled_from(_BAD_VALUES)
            )
        else:
            key = draw(st.sampled_from([*sorted(data), "type"]))
            data[key] = draw(st.sampled_from(_BAD_VALUES))
    return json.dumps(data).encode() + b"\n"


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
@given(lines())
def test_the_fast_path_never_accepts_what_the_models_refuse(raw: bytes) -> None:
    record = _decoded(raw)
    try:
        model = parse_interaction_json(raw)
    except InvalidInput:
        assert record is None, raw
        return
    if record is not None:
        _same(record, model)


@settings(max_examples=300)
@given(st.lists(strategies.interactions(), max_size=20))
def test_valid_lines_are_read_fast_with_the_same_values(items: list[Any]) -> None:
    raw = b"".join(i.to_json().encode() + b"\n" for i in items)
    for (number, record), (_, model) in zip(
        scan_jsonl(io.BytesIO(raw)), read_jsonl(io.BytesIO(raw)), strict=True
    ):
        assert not isinstance(model, InvalidInput), number
        _same(record, model)
        # Lines with a raw identity go through the models, whose rules check it.
        assert (type(record) is type(model)) == (model.identity is not None)


def test_bad_lines_get_the_models_error_and_blank_lines_are_skipped() -> None:
    good = feed[0].to_json().encode()
    bad = good.replace(b'"chat"', b'"carrier_pigeon"')
    found = list(scan_jsonl(io.BytesIO(b"\n".join([good, b"", b"   ", bad, good]) + b"\n")))
    assert [n for n, _ in found] == [1, 4, 5]
    error = found[1][1]
    assert isinstance(error, InvalidInput)
    assert (error.field, error.value) == ("channel", "carrier_pigeon")


def test_a_custom_channel_registry() -> None:
    kiosk = BUILTIN_CHANNELS.with_channels(ChannelProfile(name="kiosk", mode="live"))
    line = feed[0].to_json().replace('"chat"', '"kiosk"').encode() + b"\n"
    [(_, unknown)] = scan_jsonl(io.BytesIO(line))
    assert isinstance(unknown, InvalidInput)
    [(_, known)] = scan_jsonl(io.BytesIO(line), channels=kiosk)
    assert known.channel == "kiosk"


def test_without_msgspec_every_line_goes_through_the_models(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reader_module, "_DECODER", None)
    assert not fast_reader_available()
    raw = b"".join(i.to_json().encode() + b"\n" for i in feed)
    read = [item for _, item in scan_jsonl(io.BytesIO(raw))]
    assert read == feed


def test_a_path_and_the_same_numbers_either_way(tmp_path: Any) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text("".join(i.to_json() + "\n" for i in feed), encoding="utf-8")
    fast = compute(item for _, item in scan_jsonl(path))
    models = compute(item for _, item in read_jsonl(path))
    assert fast.to_dict() == models.to_dict() == compute(feed).to_dict()
