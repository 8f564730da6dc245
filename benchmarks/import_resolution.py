"""What resolving identities costs an import into SQLite.

Run from the project root::

    .venv/bin/python benchmarks/import_resolution.py            # 100,000 lines
    .venv/bin/python benchmarks/import_resolution.py --lines 20000

Writes a JSON Lines file of messages that arrive with only a raw identity (an
email address in mixed case, or a UK mobile number written with spaces) from
a pool of customers, then imports it twice into fresh SQLite files: as the
lines are (``prepare=None``), and resolving each line's customer with
``IdentityResolver.resolve_interaction``, as ``omnicontext import`` does by
default. Prints lines per second for both. Nothing here asserts on speed.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import random
import tempfile
import time
from pathlib import Path

from omnicontext.identity import IdentityResolver
from omnicontext.storage import SQLiteStore, import_jsonl


def make_lines(count: int, customers: int, seed: int) -> bytes:
    """``count`` messages from ``customers`` people, half by email, half by phone."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        person = rng.randrange(customers)
        if person % 2:
            identity = {"kind": "email", "value": f"Person.{person}@Example.com"}
        else:
            identity = {"kind": "phone", "value": f"+44 7911 {100000 + person:06d}"}
        minute, second = divmod(i // 10, 60)
        out.append(
            json.dumps(
                {
                    "id": f"m{i}",
                    "type": "message",
                    "occurred_at": f"2026-01-05T{9 + minute // 60:02d}:{minute % 60:02d}:"
                    f"{second:02d}Z",
                    "channel": "chat",
                    "identity": identity,
                    "actor": "customer",
                    "direction": "inbound",
                    "body": "Hello, my card stopped working.",
                }
            )
        )
    return ("\n".join(out) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=20260105)
    args = parser.parse_args()
    data = make_lines(args.lines, args.customers, args.seed)
    print(
        f"import of {args.lines:,} lines from {args.customers:,} customers into SQLite; "
        f"python {platform.python_version()}, {platform.machine()}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for resolve in (False, True):
            path = Path(folder) / f"resolve-{resolve}.db"
            with SQLiteStore(path) as store:
                prepare = IdentityResolver(store).resolve_interaction if resolve else None
                started = time.perf_counter()
                report = import_jsonl(store.interactions, io.BytesIO(data), prepare=prepare)
                elapsed = time.perf_counter() - started
                label = "resolving each line's customer" if resolve else "lines as they are"
                print(
                    f"  {label:<32} {elapsed:6.1f} s  {args.lines / elapsed:>9,.0f} lines/s"
                    f"  ({report.added:,} added, {store.customers.count():,} customers)"
                )


if __name__ == "__main__":
    main()
