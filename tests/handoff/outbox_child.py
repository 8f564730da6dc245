"""Runs one outbox worker in a child process and kills it at a chosen point.

Used by test_outbox_crash.py: ``python outbox_child.py DB STATE_DIR POINT``.
The providers keep their memory in STATE_DIR, so what they delivered survives
the kill. POINT is where the process dies (SIGKILL, no clean-up):

``after_claim``
    the first entry is saved as ``sending``, no provider called yet;
``after_started``
    the ``started`` attempt for provider ``a`` is saved, ``a`` not called;
``after_started_b``
    ``a`` refused, the ``started`` attempt for ``b`` is saved, ``b`` not called;
``after_accept``
    ``a`` refused, ``b`` delivered the message, nothing more recorded.
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def die(*_: object) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class _ExitAfterClaim:
    def __init__(self, outbox: Any) -> None:
        self._outbox = outbox

    def __getattr__(self, name: str) -> Any:
        return getattr(self._outbox, name)

    def save(self, entry: Any) -> Any:
        saved = self._outbox.save(entry)
        if saved.status == "sending" and not saved.attempts:
            die()
        return saved


class _StoreView:
    def __init__(self, store: Any) -> None:
        self.outbox = _ExitAfterClaim(store.outbox)


def main(db: str, state_dir: str, point: str) -> None:
    from omnicontext.handoff.delivery import FallbackChain
    from omnicontext.handoff.outbox import OutboxWorker
    from omnicontext.storage import SQLiteStore
    from omnicontext.testing.notifiers import ScriptedNotifier

    state = Path(state_dir)
    a = ScriptedNotifier(
        "a",
        {"sms"},
        [] if point in ("after_claim", "after_started") else ["fail"],
        state_path=state / "a.json",
        clock=lambda: T0,
        before_send=die if point == "after_started" else None,
    )
    b = ScriptedNotifier(
        "b",
        {"sms"},
        state_path=state / "b.json",
        clock=lambda: T0,
        before_send=die if point == "after_started_b" else None,
        after_accept=die if point == "after_accept" else None,
    )
    store = SQLiteStore(db)
    view: Any = _StoreView(store) if point == "after_claim" else store
    chain = FallbackChain([a, b], timeout=5, clock=lambda: T0)
    OutboxWorker(view, chain, owner="child").run_once(now=T0)
    store.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
