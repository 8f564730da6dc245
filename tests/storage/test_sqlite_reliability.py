"""A JSON Lines import into SQLite killed with SIGKILL leaves whole batches only,
an intact database, and re-running the import completes it exactly.

A child process imports a generated file with ``import_jsonl(batch_size=1000)``;
its progress callback (called after each committed batch) reports on a pipe.
Once a few batches are in, the parent kills it with SIGKILL, so the child gets
no chance to clean up. Two kill points:

* ``inside-write``: the child stops itself deep inside the next batch's write
  transaction (a SQLite progress handler), with a page cache so small that the
  uncommitted pages have already spilled into the WAL; the kill lands there.
* ``mid-batch``: the kill lands a short delay after a progress report, while
  the child is parsing or writing the next batch, wherever that happens to be.

The checks hold wherever the kill lands; the delays only aim it.
"""

from __future__ import annotations

import json
import queue
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any

import pytest

from omnicontext.errors import NotFound
from omnicontext.model import parse_interaction_json
from omnicontext.storage import SQLiteStore, import_jsonl

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not hasattr(signal, "SIGKILL") or sys.platform == "win32",
        reason="needs SIGKILL (POSIX only)",
    ),
]

TOTAL = 40_000
BATCH = 1_000
KILL_AFTER = 5 * BATCH
"""The parent kills once the child reports at least this many lines committed."""
PAUSE = 0.02
"""Seconds the child's progress callback sleeps after each batch. It only widens
the window in which the kill lands mid-import; it changes nothing about what is
committed, since the callback runs after a batch's transaction has committed."""
GATE = TOTAL - BATCH
"""After this many lines are committed the child's callback blocks, so even a
badly delayed parent kills it before the last batch: the import can never
finish in the child (the kill normally lands long before)."""
TIMEOUT = 60.0

CHILD = """
import sys, time
from omnicontext.storage import SQLiteStore, import_jsonl

path, source, mode = sys.argv[1], sys.argv[2], sys.argv[3]
batch, pause = int(sys.argv[4]), float(sys.argv[5])
gate, arm_at = int(sys.argv[6]), int(sys.argv[7])
store = SQLiteStore(path)

def say(text):
    sys.stdout.write(text + "\\n")
    sys.stdout.flush()

def freeze_inside_the_next_write():
    # White-box, child only: a tiny page cache makes SQLite spill the open
    # transaction's dirty pages into the WAL (uncommitted frames), and a progress
    # handler stops the child deep inside the next batch's INSERTs, transaction
    # open, so the parent's SIGKILL lands there.
    db = store._db
    db.execute("PRAGMA cache_size = 16")
    calls = 0

    def handler():
        nonlocal calls
        if db.in_transaction:
            calls += 1
            if calls == 200:  # ~20,000 VM steps: a third or so into the batch
                say("inside-write")
                while True:
                    time.sleep(1)
        return 0

    db.set_progress_handler(handler, 100)

def progress(lines, consumed):
    # Runs after each batch is committed: tell the parent, then dawdle a little.
    say(str(lines))
    if mode == "inside-write" and lines == arm_at:
        freeze_inside_the_next_write()
    while lines >= gate:
        time.sleep(1)  # never finish: the parent kills us first
    time.sleep(pause)

import_jsonl(store.interactions, source, batch_size=batch, progress=progress)
say("finished")
"""

_OFFSETS = tuple(timezone(timedelta(minutes=m)) for m in (0, 60, -300, 330, 540))
_WORDS = (
    *("card", "blocked", "abroad", "refund", "parcel", "late", "invoice", "login", "reset"),
    *("café", "Zürich", "Привет", "東京", "🙂", "naïve", "thanks", "please", "help", "today"),
)


def _line(rng: random.Random, i: int) -> dict[str, Any]:
    at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(90 * 86400))
    at = at.astimezone(rng.choice(_OFFSETS))
    record: dict[str, Any] = {
        "id": f"int-{i:06d}-{rng.getrandbits(32):08x}",
        "occurred_at": at.isoformat(),
        "customer_id": f"cus_{rng.randrange(2000)}",
    }
    if rng.random() < 0.7:
        record["case_id"] = f"case_{rng.randrange(5000)}"
    body = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(5, 60)))
    kind = rng.choice(("message", "message", "message", "call", "note", "survey"))
    if kind == "message":
        record.update(type="message", channel=rng.choice(("email", "chat", "sms")))
        record.update(actor="customer", direction="inbound", body=body)
    elif kind == "call":
        answered = at + timedelta(seconds=rng.randrange(600))
        record.update(type="call", channel="phone", actor="customer", direction="inbound")
        record.update(
            answered_at=answered.isoformat(),
            ended_at=(answered + timedelta(seconds=rng.randrange(30, 900))).isoformat(),
            wrap_up_seconds=float(rng.randrange(120)),
            agent_id=f"ag_{rng.randrange(50)}",
        )
    elif kind == "note":
        record.update(type="note", channel="chat", actor="agent", agent_id="ag_1", body=body)
    else:
        record.update(type="survey", channel="email", actor="customer", csat=rng.randint(1, 5))
    return record


@pytest.fixture(scope="module")
def jsonl_lines() -> list[bytes]:
    rng = random.Random(20260105)
    return [json.dumps(_line(rng, i), ensure_ascii=False).encode() + b"\n" for i in range(TOTAL)]


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line.strip())
    lines.put(None)


def _integrity(path: Path) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA integrity_check").fetchall()
    finally:
        db.close()


def _kill_mid_import(db_path: Path, source: Path, tmp_path: Path, mode: str) -> int:
    """Run the child, kill it mid-import; return the most lines it reported committed.

    ``mode`` says when: ``inside-write`` once the child reports it is stopped
    inside a write transaction; ``mid-batch`` a few batches in, after a delay
    that lands the kill while the child parses or writes the next batch.
    """
    delay = PAUSE + random.Random(7).uniform(0, 0.03) if mode == "mid-batch" else 0.0
    reported = 0
    lines: queue.Queue[str | None] = queue.Queue()
    with (tmp_path / "child.stderr").open("w+") as stderr:
        argv = [sys.executable, "-c", CHILD, str(db_path), str(source), mode]
        argv += [str(BATCH), str(PAUSE), str(GATE), str(KILL_AFTER)]
        with subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=stderr, text=True, cwd=tmp_path
        ) as proc:
            assert proc.stdout is not None
            reader = threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True)
            reader.start()
            try:
                deadline = time.monotonic() + TIMEOUT
                while True:
                    try:
                        line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
                    except queue.Empty:
                        pytest.fail(f"no progress from the import child in {TIMEOUT} s")
                    if line is None or line == "finished":
                        stderr.seek(0)
                        pytest.fail(f"the import child ended on its own:\n{stderr.read()}")
                    if line == "inside-write":
                        break
                    reported = int(line)
                    if mode == "mid-batch" and reported >= KILL_AFTER:
                        break
                time.sleep(delay)
                proc.send_signal(signal.SIGKILL)
                assert proc.wait(timeout=TIMEOUT) == -signal.SIGKILL
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(timeout=TIMEOUT)
                reader.join(timeout=TIMEOUT)
    # Lines the child reported after we decided to kill were committed too.
    while (line := lines.get_nowait()) is not None:
        if line != "inside-write":
            reported = max(reported, int(line))
    return reported


@pytest.mark.parametrize("mode", ["inside-write", "mid-batch"])
def test_import_killed_with_sigkill_leaves_whole_batches_and_resumes(
    mode: str, tmp_path: Path, jsonl_lines: list[bytes]
) -> None:
    source = tmp_path / "interactions.jsonl"
    source.write_bytes(b"".join(jsonl_lines))
    db_path = tmp_path / "store.db"
    SQLiteStore(db_path).close()  # the schema exists before the child starts

    reported = _kill_mid_import(db_path, source, tmp_path, mode)

    assert _integrity(db_path) == [("ok",)]
    with SQLiteStore(db_path) as store:
        before = store.interactions.count()
        # Whole batches only, none of the reported (committed) ones lost, not finished.
        assert before % BATCH == 0, before
        assert KILL_AFTER <= reported <= before < TOTAL, (reported, before)
        if mode == "inside-write":
            # Killed inside the open transaction after the last reported batch
            # (its uncommitted pages already spilled into the WAL): none of it shows.
            assert before == reported
        # Batches are appended in file order: the first `before` lines, exactly.
        for raw in jsonl_lines[:before]:
            expected = parse_interaction_json(raw)
            assert store.interactions.get(expected.id) == expected
        with pytest.raises(NotFound):
            store.interactions.get(parse_interaction_json(jsonl_lines[before]).id)

        report = import_jsonl(store.interactions, source, batch_size=BATCH)
        assert (report.lines, report.rejected_count) == (TOTAL, 0)
        assert report.added == TOTAL - before
        assert report.duplicates == before
        assert store.interactions.count() == TOTAL
        for raw in jsonl_lines[before::97]:
            expected = parse_interaction_json(raw)
            assert store.interactions.get(expected.id) == expected

        again = import_jsonl(store.interactions, source, batch_size=BATCH)
        assert (again.added, again.duplicates, again.rejected_count) == (0, TOTAL, 0)
        assert store.interactions.count() == TOTAL
    assert _integrity(db_path) == [("ok",)]
