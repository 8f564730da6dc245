"""import_jsonl and read_jsonl: batches, bad lines, conflicts, progress."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from omnicontext.errors import InvalidInput
from omnicontext.model import BUILTIN_CHANNELS, ChannelProfile
from omnicontext.storage import MemoryStore, import_jsonl, read_jsonl
from omnicontext.storage.importer import MAX_KEPT_REJECTIONS
from omnicontext.testing import factories as f


def _lines(*records: Any) -> bytes:
    out = []
    for r in records:
        out.append(r if isinstance(r, str) else r.to_json())
    return ("\n".join(out) + "\n").encode()


def test_import_counts_added_duplicates_and_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(_lines(*(f.message(f"m{i}", at=f.minutes(i)) for i in range(25))))
    store = MemoryStore()
    first = import_jsonl(store.interactions, path, batch_size=10)
    assert (first.lines, first.added, first.duplicates, first.rejected_count) == (25, 25, 0, 0)
    assert first.ok
    second = import_jsonl(store.interactions, str(path), batch_size=7)
    assert (second.added, second.duplicates) == (0, 25)
    assert store.interactions.count() == 25


def test_bad_lines_are_reported_with_line_field_and_reason_and_the_rest_imported() -> None:
    good = f.message("m1").to_dict()
    data = _lines(
        f.message("m1"),
        json.dumps({**good, "id": "naive", "occurred_at": "2026-01-05T09:00:00"}),
        "{not json",
        "",
        json.dumps({**good, "id": "pager", "channel": "pager"}),
        f.survey("s1"),
        json.dumps({**f.survey("s2").to_dict(), "csat": 9}),
    )
    store = MemoryStore()
    report = import_jsonl(store.interactions, io.BytesIO(data), batch_size=2)
    assert report.added == 2
    assert not report.ok
    got = {(r.line, r.errors[0].field) for r in report.rejected}
    assert got == {(2, "occurred_at"), (3, "interaction"), (5, "channel"), (7, "csat")}
    by_line = {r.line: r for r in report.rejected}
    assert by_line[2].errors[0].value == "2026-01-05T09:00:00"
    assert "known channels" not in str(by_line[5])  # the field error itself
    assert by_line[5].errors[0].reason == "unknown channel"
    assert str(by_line[7]).startswith("line 7: csat=9:")


def test_a_conflicting_line_is_pinned_and_the_rest_of_its_batch_lands() -> None:
    store = MemoryStore()
    store.interactions.append(f.message("m2", body="original"))
    data = _lines(f.message("m1"), f.message("m2", body="changed"), f.message("m3"))
    report = import_jsonl(store.interactions, io.BytesIO(data), batch_size=10)
    assert (report.added, report.rejected_count) == (2, 1)
    assert report.rejected[0].line == 2
    assert report.rejected[0].errors[0].field == "id"
    assert report.rejected[0].errors[0].value == "m2"
    assert store.interactions.get("m2").body == "original"  # type: ignore[union-attr]


def test_progress_is_reported_per_batch_and_at_the_end() -> None:
    calls: list[tuple[int, int]] = []
    data = _lines(*(f.message(f"m{i}") for i in range(5)))
    import_jsonl(
        MemoryStore().interactions,
        io.BytesIO(data),
        batch_size=2,
        progress=lambda lines, done: calls.append((lines, done)),
    )
    assert [c[0] for c in calls] == [2, 4, 5]
    assert calls[-1][1] == len(data)


@pytest.mark.parametrize("size", [0, -1, True, 1.5])
def test_batch_size_must_be_a_positive_integer(size: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        import_jsonl(MemoryStore().interactions, io.BytesIO(b""), batch_size=size)
    assert caught.value.field == "batch_size"


def test_rejections_kept_in_full_are_capped_but_all_counted() -> None:
    data = b"{}\n" * (MAX_KEPT_REJECTIONS + 5)
    report = import_jsonl(MemoryStore().interactions, io.BytesIO(data))
    assert report.rejected_count == MAX_KEPT_REJECTIONS + 5
    assert len(report.rejected) == MAX_KEPT_REJECTIONS


def test_read_jsonl_yields_records_and_errors_with_line_numbers() -> None:
    data = _lines(f.message("m1"), "", "[]", f.note("n1"))
    got = list(read_jsonl(io.BytesIO(data)))
    assert [n for n, _ in got] == [1, 3, 4]
    assert isinstance(got[1][1], InvalidInput)
    assert got[2][1].id == "n1"  # type: ignore[union-attr]


def test_custom_channels_are_accepted_when_registered() -> None:
    line = json.dumps({**f.message("m1").to_dict(), "channel": "line"}).encode()
    store = MemoryStore()
    assert import_jsonl(store.interactions, io.BytesIO(line)).rejected_count == 1
    channels = BUILTIN_CHANNELS.with_channels(ChannelProfile(name="line", mode="async"))
    assert import_jsonl(store.interactions, io.BytesIO(line), channels=channels).added == 1


def test_invalid_utf8_is_a_rejected_line_not_a_crash() -> None:
    data = _lines(f.message("m1")) + b'{"id": "\xff\xfe"}\n'
    report = import_jsonl(MemoryStore().interactions, io.BytesIO(data))
    assert (report.added, report.rejected_count) == (1, 1)
    assert report.rejected[0].line == 2
