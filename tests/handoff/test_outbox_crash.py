"""A worker killed at each dangerous point: every key still delivered exactly once.

A child process (``outbox_child.py``) runs a worker over three entries in a
SQLite file, with providers whose memory lives in JSON files, and is killed
with SIGKILL on the first entry: after the claim, after a ``started`` attempt
is saved, after a provider accepted the message but before anything more was
recorded. A fresh worker then runs in the test: before the dead worker's
lease expires it leaves that entry alone; after, it reconciles it. The
providers' own files must show every key delivered exactly once.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from omnicontext.handoff.delivery import FallbackChain
from omnicontext.handoff.outbox import OutboxWorker, enqueue
from omnicontext.model import AttemptOutcome, OutboxStatus
from omnicontext.storage import SQLiteStore
from omnicontext.testing.notifiers import ScriptedNotifier

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

CHILD = Path(__file__).with_name("outbox_child.py")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)
KEYS = ["n-0", "n-1", "n-2"]

# point -> the first entry's attempts as the dead worker left them
LEFT = {
    "after_claim": [],
    "after_started": [("a", AttemptOutcome.STARTED)],
    "after_started_b": [("a", AttemptOutcome.FAILED), ("b", AttemptOutcome.STARTED)],
    "after_accept": [("a", AttemptOutcome.FAILED), ("b", AttemptOutcome.STARTED)],
}


@pytest.mark.parametrize("point", sorted(LEFT))
def test_killed_worker_is_recovered_without_a_second_delivery(point: str, tmp_path: Path) -> None:
    db = tmp_path / "outbox.db"
    with SQLiteStore(db) as store:
        for key in KEYS:
            enqueue(store, key=key, channel="sms", to="+447700900123", body=f"Notice {key}", at=T0)
    child = subprocess.run(
        [sys.executable, str(CHILD), str(db), str(tmp_path), point],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr

    a = ScriptedNotifier("a", {"sms"}, state_path=tmp_path / "a.json", clock=lambda: T0)
    b = ScriptedNotifier("b", {"sms"}, state_path=tmp_path / "b.json", clock=lambda: T0)
    with SQLiteStore(db) as store:
        stranded = store.outbox.get("n-0")
        assert (stranded.status, stranded.lease_owner) == (OutboxStatus.SENDING, "child")
        assert [(x.provider, x.outcome) for x in stranded.attempts] == LEFT[point]
        held_by_b = [d.key for d in b.deliveries]
        assert held_by_b == (["n-0"] if point == "after_accept" else [])

        chain = FallbackChain([a, b], timeout=5, clock=lambda: T0)
        worker = OutboxWorker(store, chain, owner="fresh", lease=LEASE)
        early = worker.run_once(now=T0 + timedelta(minutes=1))
        assert sorted(e.key for e in early.entries) == ["n-1", "n-2"]
        assert store.outbox.get("n-0").status is OutboxStatus.SENDING

        late = worker.run_once(now=T0 + LEASE)
        assert [e.key for e in late.entries] == ["n-0"]
        expected = "reconciled" if point == "after_accept" else "sent"
        assert late.entries[0].result == expected
        for key in KEYS:
            assert store.outbox.get(key).status is OutboxStatus.SENT
        assert store.outbox.get("n-0").provider == ("b" if point == "after_accept" else "a")

    every = [d.key for d in a.deliveries] + [d.key for d in b.deliveries]
    assert sorted(every) == KEYS, f"delivered: {every}"
