"""import_jsonl and read_jsonl: batches, bad lines, conflicts, progress."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from omnicontext.errors import ConflictError, InvalidInput
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


class _Crash(Exception):
    """Stands in for the process dying during a write."""


class _CrashingLog:
    """An interaction log whose process dies right after its ``crash_on``-th write
    call (of either kind) has committed: between two commits."""

    def __init__(self, log: Any, crash_on: int) -> None:
        self._log = log
        self._writes = 0
        self._crash_on = crash_on

    def _wrote(self) -> None:
        self._writes += 1
        if self._writes == self._crash_on:
            raise _Crash

    def append(self, item: Any) -> bool:
        try:
            return bool(self._log.append(item))
        finally:
            self._wrote()

    def append_many(self, items: Any) -> Any:
        try:
            return self._log.append_many(items)
        finally:
            self._wrote()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._log, name)


def test_a_batch_with_a_conflict_is_still_written_all_or_nothing() -> None:
    # Dying between two commits after a conflict leaves the batch's other lines
    # all stored or none, never some.
    store = MemoryStore()
    store.interactions.append(f.message("m2", body="original"))
    data = _lines(f.message("m1"), f.message("m2", body="changed"), f.message("m3"))
    log = _CrashingLog(store.interactions, crash_on=2)
    with pytest.raises(_Crash):
        import_jsonl(log, io.BytesIO(data), batch_size=10)  # type: ignore[arg-type]
    stored = {i.id for chunk in store.interactions.scan() for i in chunk}
    assert stored in ({"m2"}, {"m1", "m2", "m3"})


def test_conflicts_inside_one_batch_reject_the_later_line_and_keep_the_first() -> None:
    store = MemoryStore()
    data = _lines(
        f.message("m1", body="first"),
        f.message("m2"),
        f.message("m1", body="second"),
        f.message("m1", body="first"),
    )
    report = import_jsonl(store.interactions, io.BytesIO(data), batch_size=10)
    assert (report.added, report.duplicates, report.rejected_count) == (2, 1, 1)
    assert report.rejected[0].line == 3
    assert store.interactions.get("m1").body == "first"  # type: ignore[union-attr]


def test_a_batch_of_clashes_is_written_in_one_call_after_the_check() -> None:
    store = MemoryStore()
    for i in range(0, 50, 2):
        store.interactions.append(f.message(f"m{i}", body="original"))
    data = _lines(*(f.message(f"m{i}", body="changed") for i in range(50)))
    calls: list[int] = []

    class Counting(_CrashingLog):
        def append_many(self, items: Any) -> Any:
            calls.append(1)
            return super().append_many(items)

    log = Counting(store.interactions, crash_on=0)
    report = import_jsonl(log, io.BytesIO(data), batch_size=50)  # type: ignore[arg-type]
    assert (report.added, report.rejected_count) == (25, 25)
    assert [r.line for r in report.rejected] == list(range(1, 50, 2))
    assert len(calls) == 2  # the failed attempt, then the batch without its clashes


class _PickyLog(_CrashingLog):
    """A log whose adapter refuses one id for reasons of its own."""

    def __init__(self, log: Any, refused: str) -> None:
        super().__init__(log, crash_on=0)
        self._refused = refused

    def append_many(self, items: Any) -> Any:
        items = list(items)
        if any(i.id == "m2" for i in items):
            raise ConflictError("refused by the adapter", kind="interaction", id=self._refused)
        return super().append_many(items)


def test_a_conflict_the_check_cannot_see_rejects_the_id_the_store_named() -> None:
    store = MemoryStore()
    data = _lines(f.message("m1"), f.message("m2"), f.message("m3"))
    log = _PickyLog(store.interactions, refused="m2")
    report = import_jsonl(log, io.BytesIO(data), batch_size=10)  # type: ignore[arg-type]
    assert (report.added, report.rejected_count) == (2, 1)
    assert str(report.rejected[0]) == "line 2: id='m2': refused by the adapter"


def test_a_conflict_naming_no_line_of_the_batch_is_raised() -> None:
    log = _PickyLog(MemoryStore().interactions, refused="elsewhere")
    with pytest.raises(ConflictError, match="refused"):
        import_jsonl(log, io.BytesIO(_lines(f.message("m2"))))  # type: ignore[arg-type]
