"""Reading and importing the interchange format (JSON Lines, one interaction a line).

>>> import io
>>> from omnicontext.storage import MemoryStore, import_jsonl
>>> lines = io.BytesIO(
...     b'{"id": "m1", "type": "message", "occurred_at": "2026-01-05T09:00:00Z", '
...     b'"channel": "chat", "customer_id": "c1", "actor": "customer", '
...     b'"direction": "inbound", "body": "Hello"}\\n'
...     b'{"id": "m2", "type": "survey", "occurred_at": "2026-01-05T09:30:00Z", '
...     b'"channel": "chat", "customer_id": "c1", "actor": "customer", "csat": 9}\\n')
>>> report = import_jsonl(MemoryStore().interactions, lines)
>>> report.added, report.rejected_count
(1, 1)
>>> print(report.rejected[0])
line 2: csat=9: Input should be less than or equal to 5
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import attrs

from omnicontext.errors import ConflictError, FieldError, InvalidInput, NotFound
from omnicontext.model import ChannelRegistry, Interaction, parse_interaction_json
from omnicontext.storage.protocols import InteractionLog

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "ImportReport",
    "Prepare",
    "RejectedLine",
    "import_jsonl",
    "read_jsonl",
]

DEFAULT_BATCH_SIZE = 5000
"""Lines per all-or-nothing batch unless told otherwise.

Bigger batches import faster into SQLite (fewer commits, each rewriting fewer
index pages per line) but hold more models in memory and redo more work after
a crash; 5,000 is about 1.5x the speed of 1,000 at a few megabytes."""

MAX_KEPT_REJECTIONS = 1000
"""How many rejected lines an :class:`ImportReport` keeps in full (all are counted)."""


@attrs.frozen
class RejectedLine:
    """A line that was not imported: its number (from 1) and every reason."""

    line: int
    errors: tuple[FieldError, ...]

    def __str__(self) -> str:
        return f"line {self.line}: " + "; ".join(str(e) for e in self.errors)


@attrs.define
class ImportReport:
    """What an import did. ``ok`` is true when no line was rejected."""

    lines: int = 0
    added: int = 0
    duplicates: int = 0
    rejected_count: int = 0
    rejected: list[RejectedLine] = attrs.field(factory=list)

    @property
    def ok(self) -> bool:
        """True when every line was imported or already present."""
        return self.rejected_count == 0

    def _reject(self, line: int, errors: tuple[FieldError, ...]) -> None:
        self.rejected_count += 1
        if len(self.rejected) < MAX_KEPT_REJECTIONS:
            self.rejected.append(RejectedLine(line, errors))


Source = str | os.PathLike[str] | BinaryIO
"""A path to a ``.jsonl`` file, or a binary file object open for reading."""


def read_jsonl(
    source: Source, *, channels: ChannelRegistry | None = None
) -> Iterator[tuple[int, Interaction | InvalidInput]]:
    """Yield ``(line_number, interaction_or_error)`` for each non-blank line.

    A bad line yields the :class:`InvalidInput` describing it instead of
    stopping the read, so a caller can report it and go on.
    """
    if isinstance(source, str | os.PathLike):
        with Path(source).open("rb") as handle:
            yield from _read(handle, channels)
    else:
        yield from _read(source, channels)


def _read(
    handle: BinaryIO, channels: ChannelRegistry | None
) -> Iterator[tuple[int, Interaction | InvalidInput]]:
    for number, raw in enumerate(handle, start=1):
        if not raw.strip():
            continue
        try:
            yield number, parse_interaction_json(raw, channels=channels)
        except InvalidInput as exc:
            yield number, exc


Progress = Callable[[int, int], None]
"""Called as ``progress(lines_read, bytes_read)`` after each batch."""

Prepare = Callable[[Interaction], Interaction]
"""Called on each valid line's interaction before it is stored; returns the
record to store. Raising ``InvalidInput`` rejects the line with its errors.
Identity resolution plugs in here (``IdentityResolver.resolve_interaction``)."""


def import_jsonl(
    log: InteractionLog,
    source: Source,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    channels: ChannelRegistry | None = None,
    progress: Progress | None = None,
    prepare: Prepare | None = None,
) -> ImportReport:
    """Validate a JSON Lines file and append its interactions in batches.

    Each batch is appended all or nothing, so an interrupted import leaves only
    whole batches behind, and running it again completes it: lines already
    stored are counted as ``duplicates``, not added twice. A bad line (invalid
    JSON, a field breaking the contract, an id already stored with other
    content) is reported in the result with its line number, field and reason;
    the other lines are still imported. ``prepare`` (see :data:`Prepare`)
    transforms each record before it is stored, for example to resolve its
    customer from the identity it arrived with.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InvalidInput(
            "import", [FieldError("batch_size", batch_size, "must be a positive integer")]
        )
    report = ImportReport()
    if isinstance(source, str | os.PathLike):
        with Path(source).open("rb") as handle:
            _import(log, handle, batch_size, channels, progress, prepare, report)
    else:
        _import(log, source, batch_size, channels, progress, prepare, report)
    return report


def _import(
    log: InteractionLog,
    handle: BinaryIO,
    batch_size: int,
    channels: ChannelRegistry | None,
    progress: Progress | None,
    prepare: Prepare | None,
    report: ImportReport,
) -> None:
    batch: list[tuple[int, Interaction]] = []
    consumed = 0
    for number, raw in enumerate(handle, start=1):
        consumed += len(raw)
        report.lines = number
        if not raw.strip():
            continue
        try:
            item = parse_interaction_json(raw, channels=channels)
            if prepare is not None:
                item = prepare(item)
            batch.append((number, item))
        except InvalidInput as exc:
            report._reject(number, exc.errors)
        if len(batch) >= batch_size:
            _flush(log, batch, report)
            batch = []
            if progress is not None:
                progress(report.lines, consumed)
    if batch:
        _flush(log, batch, report)
    if progress is not None:
        progress(report.lines, consumed)


def _flush(
    log: InteractionLog, batch: list[tuple[int, Interaction]], report: ImportReport
) -> None:
    """Append one batch in a single call, so it commits all or nothing.

    When a line clashes with a stored record (or with an earlier line of the
    batch), the clashing lines are rejected and the rest of the batch is
    appended again in one call: never line by line, which would leave a partial
    batch behind if the process died part way.
    """
    pending = batch
    checked = False
    while pending:
        try:
            result = log.append_many(item for _, item in pending)
        except ConflictError as exc:
            kept = pending if checked else _drop_clashes(log, pending, report)
            checked = True
            if len(kept) == len(pending):
                # The check found nothing (a concurrent writer, or an adapter that
                # compares content differently): reject what the store named.
                kept = [(n, i) for n, i in pending if i.id != exc.id]
                if len(kept) == len(pending):
                    raise
                for number, item in pending:
                    if item.id == exc.id:
                        report._reject(number, (FieldError("id", item.id, str(exc)),))
            pending = kept
        else:
            report.added += result.added
            report.duplicates += result.duplicates
            return


def _drop_clashes(
    log: InteractionLog, batch: list[tuple[int, Interaction]], report: ImportReport
) -> list[tuple[int, Interaction]]:
    """Reject each line whose id is stored, or came earlier, with other content."""
    first: dict[str, tuple[Interaction, str]] = {}
    kept: list[tuple[int, Interaction]] = []
    for number, item in batch:
        if item.id not in first:
            try:
                first[item.id] = (log.get(item.id), "the store")
            except NotFound:
                first[item.id] = (item, "an earlier line")
        reference, where = first[item.id]
        if reference == item:
            kept.append((number, item))
        else:
            reason = f"interaction {item.id!r} is already in {where} with other content"
            report._reject(number, (FieldError("id", item.id, reason),))
    return kept
