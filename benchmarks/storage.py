"""Storage benchmark: SQLiteStore (and MemoryStore) at a realistic size.

Run from the project root::

    .venv/bin/python benchmarks/storage.py            # 1,000,000 interactions (a few minutes)
    .venv/bin/python benchmarks/storage.py --quick    # 50,000 interactions (seconds)

What it measures, in this order, printing one plain-text table at the end:

1. generating the input as plain dicts (JSON-like, times as ISO-8601 strings with
   several UTC offsets), then building the models with ``parse_interaction``;
   both timed but kept out of the ingest figure;
2. ``SQLiteStore.interactions.append_many`` in batches (the ingest figure), and
   end-to-end (model building + ingest: what an import pays);
3. a reference peer: plain ``sqlite3`` ``executemany`` of the same rows (JSON
   pre-serialised) into a bare table with the same columns, pragmas and indexes;
4. ``MemoryStore`` ingest and timeline at the same size;
5. ``customer_timeline`` of the heavy customer (200 newest, 1,000 calls after
   20 warm-up calls), the following pages through cursors, ``case_timeline``;
6. a full ``scan(chunk_size=1000)`` in a fresh child process, so its peak-RSS
   growth is not hidden by the memory this process already holds;
7. file sizes after a WAL checkpoint, and the peak RSS of this process.

The input, seeded (``--seed``): messages, calls, notes, status changes,
assignments and surveys over email, chat, phone, SMS and public and private
social channels; message bodies of 40-400 characters, some non-ASCII; 90 days
of timestamps in several UTC offsets, in time order (as an export comes);
about 70% carry a ``case_id``; ids are random UUID-style strings, as most
systems produce (which matters: random keys are the costly ones to index).
``--path FILE`` keeps the SQLite file for inspection.

Nothing here asserts on speed: the targets are printed next to the figures.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import math
import os
import platform
import pstats
import random
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pydantic
from _report import (
    Row,
    mb,
    print_table,
    rate,
    reset_peak_rss,
    rss_now_bytes,
    rss_peak_bytes,
    verdict,
    vm_hwm_bytes,
)

from omnicontext.model import Interaction, parse_interaction
from omnicontext.storage import MemoryStore, SQLiteStore

TARGET_INGEST_PER_S = 50_000
TARGET_TIMELINE_P95_MS = 5.0
TIMELINE_LIMIT = 200
TIMELINE_CALLS = 1_000
WARMUP_CALLS = 20
SCAN_CHUNK = 1_000
TRACEMALLOC_SAMPLE = 100_000

START = datetime(2026, 1, 1, tzinfo=UTC)
SPAN_MS = 90 * 24 * 3600 * 1000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)

OFFSETS = tuple(
    timezone(timedelta(minutes=m)) for m in (0, 0, 0, 60, 120, -300, -180, 330, 540, -480)
)
MESSAGE_CHANNELS = ("email", "chat", "sms", "social_public", "social_private")
ALL_CHANNELS = (*MESSAGE_CHANNELS, "phone")
SURVEY_CHANNELS = ("email", "chat", "sms")
TYPES = ("message", "call", "note", "status", "assignment", "survey")
TYPE_WEIGHTS = (55, 12, 10, 10, 8, 5)
STATUSES = ("open", "pending", "solved", "closed")
QUEUES = ("billing", "tech", "cards", "returns", "vip")
HEAVY_CASES = 50
CASES_PER_CUSTOMER = 3
AGENTS = 500
# status and assignment always carry a case (18% of the mix); the others carry
# one with this probability, so about 70% of all interactions have a case_id.
CASE_PROBABILITY = (0.70 - 0.18) / 0.82


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


ASCII_WORDS = _words(
    "hello hi thanks thank you please order card blocked abroad refund delivery parcel "
    "late missing invoice account password reset login app crashes again payment failed "
    "twice charged subscription cancel upgrade plan address change phone number email "
    "verify code never arrived store pickup warranty broken screen replacement shipping "
    "tracking number customer service waiting since yesterday urgent help needed today "
    "could you check status of my request ticket still open solved closed agent called "
    "back voicemail appointment monday tuesday friday morning afternoon evening weekend"
)
NON_ASCII_WORDS = _words(
    "café naïve Zürich München São Paulo Łódź Ærø façade crème brûlée señor niño Straße "
    "Привет спасибо заказ Ελλάδα ευχαριστώ 東京 注文 ありがとう 배송 감사합니다 شكرا "
    "धन्यवाद 🙂 👍 🚚 €49,90 £12.50 ¥3000 “quoted” — …"
)


# -- input generation -----------------------------------------------------------


def _corpus(rng: random.Random, words: Sequence[str], extra: Sequence[str], share: float) -> str:
    picked = [
        rng.choice(extra) if rng.random() < share else rng.choice(words) for _ in range(60_000)
    ]
    return " ".join(picked)


@dataclass
class Dataset:
    dicts: list[dict[str, Any]]
    heavy_customer: str
    customers: int


def _iso(moment: datetime, offset: timezone) -> str:
    text = moment.astimezone(offset).isoformat(timespec="milliseconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def generate(n: int, customers: int, heavy: int, seed: int) -> Dataset:
    """``n`` interaction dicts, time-ordered, ``heavy`` of them for one customer."""
    if not 0 < heavy <= n or customers < 2:
        raise SystemExit("need 0 < --heavy <= --interactions and --customers >= 2")
    rng = random.Random(seed)
    plain = _corpus(rng, ASCII_WORDS, NON_ASCII_WORDS, 0.0)
    mixed = _corpus(rng, ASCII_WORDS, NON_ASCII_WORDS, 0.15)
    heavy_id = "cus_heavy"
    heavy_slots = set(rng.sample(range(n), heavy))
    stamps = sorted(rng.randrange(SPAN_MS) for _ in range(n))
    agents = [f"ag_{k:03d}" for k in range(AGENTS)]
    out: list[dict[str, Any]] = []
    choices = rng.choices
    for i in range(n):
        if i in heavy_slots:
            customer, cust_key, n_cases = heavy_id, "heavy", HEAVY_CASES
        else:
            k = rng.randrange(1, customers)
            customer, cust_key, n_cases = f"cus_{k:06d}", str(k), CASES_PER_CUSTOMER
        kind = choices(TYPES, TYPE_WEIGHTS)[0]
        offset = rng.choice(OFFSETS)
        at = START + timedelta(milliseconds=stamps[i])
        h = f"{rng.getrandbits(128):032x}"
        d: dict[str, Any] = {
            "id": f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}",
            "type": kind,
            "occurred_at": _iso(at, offset),
            "customer_id": customer,
        }
        if kind in ("status", "assignment") or rng.random() < CASE_PROBABILITY:
            d["case_id"] = f"case_{cust_key}_{rng.randrange(n_cases)}"
        if kind == "message":
            channel = rng.choice(MESSAGE_CHANNELS)
            roll = rng.random()
            if roll < 0.5:
                d.update(actor="customer", direction="inbound")
                if rng.random() < 0.3:
                    d["identity"] = _identity(channel, cust_key)
            elif roll < 0.9:
                d.update(actor="agent", direction="outbound", agent_id=rng.choice(agents))
            else:
                d.update(actor="bot", direction="outbound")
            d["channel"] = channel
            d["body"] = _body(rng, mixed if rng.random() < 0.15 else plain)
        elif kind == "call":
            d["channel"] = "phone"
            if rng.random() < 0.8:
                d.update(actor="customer", direction="inbound")
            else:
                d.update(actor="agent", direction="outbound", agent_id=rng.choice(agents))
            wait = timedelta(seconds=rng.randrange(0, 600))
            if rng.random() < 0.85:
                answered = at + wait
                d["answered_at"] = _iso(answered, offset)
                d["ended_at"] = _iso(answered + timedelta(seconds=rng.randrange(30, 1800)), offset)
                d["wrap_up_seconds"] = float(rng.randrange(0, 180))
                d.setdefault("agent_id", rng.choice(agents))
            else:
                d["ended_at"] = _iso(at + wait, offset)
        elif kind == "note":
            d.update(channel=rng.choice(ALL_CHANNELS), actor="agent", agent_id=rng.choice(agents))
            d["body"] = _body(rng, mixed if rng.random() < 0.15 else plain)
        elif kind == "status":
            d["channel"] = rng.choice(ALL_CHANNELS)
            if rng.random() < 0.7:
                d.update(actor="agent", agent_id=rng.choice(agents))
            else:
                d["actor"] = "system"
            d["status"] = rng.choice(STATUSES)
        elif kind == "assignment":
            d.update(channel=rng.choice(ALL_CHANNELS), actor="system", agent_id=rng.choice(agents))
            if rng.random() < 0.6:
                d["queue"] = rng.choice(QUEUES)
        else:  # survey
            d.update(channel=rng.choice(SURVEY_CHANNELS), actor="customer")
            if rng.random() < 0.7:
                d["csat"] = rng.randint(1, 5)
            else:
                d["nps"] = rng.randint(0, 10)
        out.append(d)
    return Dataset(dicts=out, heavy_customer=heavy_id, customers=customers)


def _body(rng: random.Random, corpus: str) -> str:
    length = rng.randint(40, 400)
    start = rng.randrange(len(corpus) - length)
    return corpus[start : start + length].strip()


def _identity(channel: str, cust_key: str) -> dict[str, Any]:
    if channel == "email":
        return {"kind": "email", "value": f"user{cust_key}@example.com"}
    if channel == "sms":
        return {"kind": "phone", "value": f"+4479{int(cust_key, 36) % 10**8:08d}"}
    if channel in ("social_public", "social_private"):
        return {"kind": "social", "platform": "twitter", "value": f"@user_{cust_key}"}
    return {"kind": "external", "system": "shop", "value": f"shop-{cust_key}"}


# -- measuring helpers ----------------------------------------------------------


def _percentile(sorted_ns: Sequence[int], q: float) -> float:
    """Nearest-rank percentile of sorted nanosecond samples, in milliseconds."""
    rank = min(len(sorted_ns), max(1, math.ceil(q / 100 * len(sorted_ns))))
    return sorted_ns[rank - 1] / 1e6


@dataclass
class Latency:
    calls: int
    p50: float
    p95: float
    p99: float
    max: float


def latency(fn: Callable[[int], object], calls: int, warmup: int = WARMUP_CALLS) -> Latency:
    """Call ``fn(i)`` ``warmup`` times, then time ``calls`` calls one by one."""
    for i in range(warmup):
        fn(i)
    samples: list[int] = []
    clock = time.perf_counter_ns
    for i in range(calls):
        t0 = clock()
        fn(i)
        samples.append(clock() - t0)
    samples.sort()
    return Latency(
        calls,
        _percentile(samples, 50),
        _percentile(samples, 95),
        _percentile(samples, 99),
        samples[-1] / 1e6,
    )


def _batches(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Stopwatch:
    """``with Stopwatch() as sw: ...`` then ``sw.seconds``."""

    def __init__(self) -> None:
        self._t0 = 0
        self.seconds = 0.0

    def __enter__(self) -> Stopwatch:
        self._t0 = time.perf_counter_ns()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.seconds = (time.perf_counter_ns() - self._t0) / 1e9


# -- the raw-SQLite reference peer -------------------------------------------------

RAW_DDL = (
    """CREATE TABLE interactions (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        ts INTEGER NOT NULL,
        customer_id TEXT,
        case_id TEXT,
        identity_key TEXT,
        doc TEXT NOT NULL)""",
    """CREATE INDEX ix_interactions_customer ON interactions (customer_id, ts, id)
        WHERE customer_id IS NOT NULL""",
    """CREATE INDEX ix_interactions_case ON interactions (case_id, ts, id)
        WHERE case_id IS NOT NULL""",
    "CREATE INDEX ix_interactions_time ON interactions (ts, id)",
    """CREATE INDEX ix_interactions_unresolved ON interactions (identity_key)
        WHERE customer_id IS NULL AND identity_key IS NOT NULL""",
)
RawRow = tuple[str, int, str | None, str | None, str | None, str]


def raw_connect(path: Path) -> sqlite3.Connection:
    """A connection with the pragmas ``SQLiteStore`` uses."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA secure_delete = ON")
    db.execute("PRAGMA cache_size = -65536")
    db.execute("PRAGMA temp_store = MEMORY")
    return db


def raw_rows(models: Sequence[Interaction]) -> list[RawRow]:
    """The rows SQLiteStore would write, JSON included, built before timing."""
    return [
        (
            m.id,
            (m.occurred_at - EPOCH) // MICROSECOND,
            m.customer_id,
            m.case_id,
            None if m.identity is None else m.identity.key,
            m.to_json(),
        )
        for m in models
    ]


def raw_ingest(db: sqlite3.Connection, rows: Sequence[RawRow], batch: int) -> None:
    for part in _batches(rows, batch):
        db.execute("BEGIN IMMEDIATE")
        db.executemany(
            "INSERT OR IGNORE INTO interactions "
            "(id, ts, customer_id, case_id, identity_key, doc) VALUES (?, ?, ?, ?, ?, ?)",
            part,
        )
        db.execute("COMMIT")


def checkpoint_sizes(path: Path) -> tuple[int, int]:
    """Checkpoint the WAL into the file; return (file bytes, WAL bytes left)."""
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        db.close()
    wal = Path(f"{path}-wal")
    return path.stat().st_size, wal.stat().st_size if wal.exists() else 0


# -- the scan, in a fresh process -----------------------------------------------------


def scan_child(store_path: str, raw_path: str, chunk: int, sample: int) -> dict[str, Any]:
    """Run in a child: time a full scan and measure its memory, print JSON."""
    gc.collect()
    store = SQLiteStore(store_path)
    rss_before = rss_now_bytes()
    hwm = reset_peak_rss() and vm_hwm_bytes() is not None
    peak_before = vm_hwm_bytes() if hwm else rss_peak_bytes()
    count = 0
    t0 = time.perf_counter_ns()
    for part in store.interactions.scan(chunk_size=chunk):
        count += len(part)
    scan_s = (time.perf_counter_ns() - t0) / 1e9
    peak_after = vm_hwm_bytes() if hwm else rss_peak_bytes()

    tracemalloc.start()
    traced = 0
    for part in store.interactions.scan(chunk_size=chunk):
        traced += len(part)
        if traced >= sample:
            break
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    store.close()

    raw = raw_connect(Path(raw_path))
    raw_count = 0
    after: tuple[int, str] | None = None
    t0 = time.perf_counter_ns()
    while True:
        if after is None:
            rows = raw.execute(
                "SELECT ts, id, doc FROM interactions ORDER BY ts, id LIMIT ?", (chunk,)
            ).fetchall()
        else:
            rows = raw.execute(
                "SELECT ts, id, doc FROM interactions WHERE (ts, id) > (?, ?) "
                "ORDER BY ts, id LIMIT ?",
                (*after, chunk),
            ).fetchall()
        if not rows:
            break
        raw_count += len(rows)
        after = (rows[-1][0], rows[-1][1])
    raw_s = (time.perf_counter_ns() - t0) / 1e9
    raw.close()
    return {
        "count": count,
        "seconds": scan_s,
        "rss_before": rss_before,
        "peak_before": peak_before,
        "peak_method": "VmHWM, reset before the scan" if hwm else "ru_maxrss",
        "peak_after": peak_after,
        "traced": traced,
        "traced_peak": traced_peak,
        "raw_count": raw_count,
        "raw_seconds": raw_s,
    }


def run_scan_child(store_path: Path, raw_path: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [
            sys.executable,
            __file__,
            "--scan-child",
            str(store_path),
            str(raw_path),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    if proc.returncode != 0:
        raise SystemExit(f"scan child failed ({proc.returncode}):\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# -- report ------------------------------------------------------------------------


def _lat(lat: Latency, full: bool = True) -> str:
    text = f"p50 {lat.p50:.2f}  p95 {lat.p95:.2f}"
    if full:
        text += f"  p99 {lat.p99:.2f}  max {lat.max:.2f}"
    return text + " ms"


# -- profiling (optional) -------------------------------------------------------------


def profile(models: Sequence[Interaction], heavy: str, batch: int, folder: Path) -> None:
    """cProfile a slice of the ingest and 200 timeline calls; print the top functions."""
    sample = models[: min(len(models), 100_000)]
    with SQLiteStore(folder / "profile.db") as store:
        prof = cProfile.Profile()
        prof.enable()
        for part in _batches(sample, batch):
            store.interactions.append_many(part)
        prof.disable()
        print(f"\n== cProfile: append_many of {len(sample):,} interactions (by tottime) ==")
        pstats.Stats(prof).sort_stats("tottime").print_stats(15)
        busiest = Counter(m.customer_id for m in sample).most_common(1)[0][0] or heavy
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(200):
            store.interactions.customer_timeline(busiest, limit=TIMELINE_LIMIT, newest_first=True)
        prof.disable()
    print("== cProfile: 200 customer_timeline calls (by tottime) ==")
    pstats.Stats(prof).sort_stats("tottime").print_stats(15)


# -- main ---------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--heavy", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=20260105)
    parser.add_argument("--path", type=Path, help="SQLite file to build (default: a temp folder)")
    parser.add_argument(
        "--quick", action="store_true", help="50,000 interactions, 5,000 customers, heavy 2,000"
    )
    parser.add_argument("--profile", action="store_true", help="also cProfile ingest and timeline")
    parser.add_argument(
        "--no-gc-freeze",
        dest="gc_freeze",
        action="store_false",
        help="do not gc.freeze() the pre-built models during the timed phases",
    )
    parser.add_argument("--scan-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.scan_child:
        print(
            json.dumps(
                scan_child(args.scan_child[0], args.scan_child[1], SCAN_CHUNK, TRACEMALLOC_SAMPLE)
            )
        )
        return 0
    if args.quick:
        args.interactions, args.customers, args.heavy = 50_000, 5_000, 2_000

    with tempfile.TemporaryDirectory(prefix="omnicontext-bench-") as tmp:
        folder = Path(tmp)
        store_path: Path = args.path or folder / "store.db"
        if store_path.exists():
            raise SystemExit(f"{store_path} exists; pass a new --path")
        return run(args, folder, store_path)


def build_input(args: argparse.Namespace) -> tuple[float, float, list[Interaction], str]:
    """Generate the dicts, then build the models; return both times, the models
    and the heavy customer's id. The dicts are dropped before returning.

    With ``--gc-freeze`` (the default) the dicts, then each batch of models as
    it is built, are ``gc.freeze()``d: an import holds one batch at a time, so
    its collections never re-scan a million live objects, and this benchmark's
    should not either.
    """
    with Stopwatch() as gen:
        data = generate(args.interactions, args.customers, args.heavy, args.seed)
    if args.gc_freeze:
        gc.collect()
        gc.freeze()
    models: list[Interaction] = []
    with Stopwatch() as parse:
        for part in _batches(data.dicts, args.batch):
            models.extend([parse_interaction(d) for d in part])
            if args.gc_freeze:
                gc.freeze()
    return gen.seconds, parse.seconds, models, data.heavy_customer


def bench_raw_ingest(models: Sequence[Interaction], path: Path, batch: int) -> tuple[float, float]:
    """Serialise the rows (untimed for the rate), then time the raw peer's ingest."""
    with Stopwatch() as prep:
        rows = raw_rows(models)
    raw = raw_connect(path)
    try:
        for ddl in RAW_DDL:
            raw.execute(ddl)
        gc.collect()
        with Stopwatch() as ingest:
            raw_ingest(raw, rows, batch)
    finally:
        raw.close()
    return prep.seconds, ingest.seconds


def bench_memory(models: Sequence[Interaction], heavy: str, batch: int) -> tuple[float, Latency]:
    """MemoryStore ingest time and heavy-customer timeline latency."""
    mem = MemoryStore()
    gc.collect()
    with Stopwatch() as sw:
        for part in _batches(models, batch):
            mem.interactions.append_many(part)
    lat = latency(
        lambda i: mem.interactions.customer_timeline(
            heavy, limit=TIMELINE_LIMIT, newest_first=True
        ),
        TIMELINE_CALLS,
    )
    mem.close()
    return sw.seconds, lat


def run(args: argparse.Namespace, folder: Path, store_path: Path) -> int:
    n: int = args.interactions
    batch: int = args.batch
    raw_path = folder / "raw.db"
    print(f"building {n:,} interactions ...", file=sys.stderr, flush=True)
    gen_s, parse_s, models, heavy = build_input(args)
    case_sizes = Counter(m.case_id for m in models if m.case_id is not None)
    heavy_cases = Counter(
        m.case_id for m in models if m.customer_id == heavy and m.case_id is not None
    )
    biggest_case, biggest_case_size = heavy_cases.most_common(1)[0]
    case_ids = sorted(case_sizes)
    non_ascii = sum(1 for m in models if any(ord(ch) > 127 for ch in getattr(m, "body", "")))
    type_mix = Counter(m.type for m in models)

    # SQLiteStore ingest: the headline figure.
    print("SQLiteStore ingest ...", file=sys.stderr, flush=True)
    store = SQLiteStore(store_path)
    gc.collect()
    with Stopwatch() as sw:
        for part in _batches(models, batch):
            store.interactions.append_many(part)
    ingest_s = sw.seconds
    stored = store.interactions.count()

    print("raw sqlite3 peer ...", file=sys.stderr, flush=True)
    prep_s, raw_s = bench_raw_ingest(models, raw_path, batch)
    print("MemoryStore ...", file=sys.stderr, flush=True)
    mem_s, mem_tl = bench_memory(models, heavy, batch)
    if args.profile:
        profile(models, heavy, batch, folder)
    del models
    gc.unfreeze()
    gc.collect()
    raw = raw_connect(raw_path)

    # Queries on the SQLiteStore.
    print("timeline queries ...", file=sys.stderr, flush=True)
    log = store.interactions
    tl = latency(
        lambda i: log.customer_timeline(heavy, limit=TIMELINE_LIMIT, newest_first=True),
        TIMELINE_CALLS,
    )
    cursors: list[str] = []
    page = log.customer_timeline(heavy, limit=TIMELINE_LIMIT, newest_first=True)
    paged = len(page)
    while page.next_cursor is not None:
        cursors.append(page.next_cursor)
        page = log.customer_timeline(
            heavy, limit=TIMELINE_LIMIT, cursor=page.next_cursor, newest_first=True
        )
        paged += len(page)
    next_tl = (
        latency(
            lambda i: log.customer_timeline(
                heavy, limit=TIMELINE_LIMIT, cursor=cursors[i % len(cursors)], newest_first=True
            ),
            TIMELINE_CALLS,
        )
        if cursors
        else None
    )
    case_tl = latency(
        lambda i: log.case_timeline(biggest_case, limit=TIMELINE_LIMIT, newest_first=True),
        TIMELINE_CALLS,
    )
    pick = random.Random(args.seed + 1)
    random_cases = [pick.choice(case_ids) for _ in range(TIMELINE_CALLS + WARMUP_CALLS)]
    avg_case = sum(case_sizes[c] for c in random_cases) / len(random_cases)
    case_rand = latency(
        lambda i: log.case_timeline(random_cases[i], limit=TIMELINE_LIMIT, newest_first=True),
        TIMELINE_CALLS,
    )
    raw_sql = (
        "SELECT ts, id, doc FROM interactions WHERE customer_id = ? "
        "ORDER BY ts DESC, id DESC LIMIT ?"
    )
    raw_tl = latency(
        lambda i: raw.execute(raw_sql, (heavy, TIMELINE_LIMIT + 1)).fetchall(), TIMELINE_CALLS
    )
    raw_tl_json = latency(
        lambda i: [json.loads(r[2]) for r in raw.execute(raw_sql, (heavy, TIMELINE_LIMIT + 1))],
        TIMELINE_CALLS,
    )
    raw.close()
    store.close()

    store_bytes, store_wal = checkpoint_sizes(store_path)
    raw_bytes, raw_wal = checkpoint_sizes(raw_path)

    print("scan (child process) ...", file=sys.stderr, flush=True)
    scan = run_scan_child(store_path, raw_path)
    peak = rss_peak_bytes()

    # -- the table --
    e2e_s = parse_s + ingest_s
    header = [
        f"interactions {n:,}  customers {args.customers:,}  heavy customer {args.heavy:,} "
        f"({heavy})  batch {batch:,}  seed {args.seed}",
        "mix: "
        + ", ".join(f"{k} {v / n:.0%}" for k, v in sorted(type_mix.items()))
        + f"; with case_id {sum(case_sizes.values()) / n:.0%}; non-ASCII bodies {non_ascii:,}",
        f"python {platform.python_version()}  sqlite {sqlite3.sqlite_version}  "
        f"pydantic {pydantic.VERSION}  {platform.machine()} {platform.system()}  "
        f"cpus {os.cpu_count()}",
        f"database {store_path}",
    ]
    input_rows = [
        Row("generate dicts (not part of any rate)", f"{gen_s:,.2f} s"),
        Row("build models: parse_interaction(dict)", f"{parse_s:,.2f} s  {rate(n, parse_s)}"),
        Row("serialise raw-peer rows (to_json, untimed)", f"{prep_s:,.2f} s"),
    ]
    ok_ingest = n / ingest_s >= TARGET_INGEST_PER_S
    ok_e2e = n / e2e_s >= TARGET_INGEST_PER_S
    ingest_rows = [
        Row(
            "SQLiteStore append_many (models -> disk)",
            f"{ingest_s:,.2f} s  {rate(n, ingest_s)}",
            f">= {TARGET_INGEST_PER_S:,} /s",
            verdict(ok_ingest),
        ),
        Row(
            "end-to-end: parse_interaction + append_many",
            f"{e2e_s:,.2f} s  {rate(n, e2e_s)}",
            f">= {TARGET_INGEST_PER_S:,} /s",
            verdict(ok_e2e),
        ),
        Row("peer: raw sqlite3 executemany (same rows)", f"{raw_s:,.2f} s  {rate(n, raw_s)}"),
        Row("SQLiteStore time / raw sqlite3 time", f"{ingest_s / raw_s:,.2f} x"),
        Row("MemoryStore append_many", f"{mem_s:,.2f} s  {rate(n, mem_s)}"),
        Row("stored after ingest (SQLiteStore)", f"{stored:,}"),
    ]
    p95_ok = tl.p95 <= TARGET_TIMELINE_P95_MS
    target = f"p95 <= {TARGET_TIMELINE_P95_MS:g} ms"
    query_rows = [
        Row(
            f"customer_timeline heavy, {TIMELINE_LIMIT} newest ({tl.calls:,} calls)",
            _lat(tl),
            target,
            verdict(p95_ok),
        ),
    ]
    if next_tl is not None:
        query_rows.append(
            Row(
                f"  next pages via cursor ({len(cursors)} distinct, {paged:,} items walked)",
                _lat(next_tl),
                target,
                verdict(next_tl.p95 <= TARGET_TIMELINE_P95_MS),
            )
        )
    query_rows += [
        Row(
            f"case_timeline biggest case ({biggest_case_size} items), {TIMELINE_LIMIT} newest",
            _lat(case_tl),
            target,
            verdict(case_tl.p95 <= TARGET_TIMELINE_P95_MS),
        ),
        Row(
            f"case_timeline random cases (avg {avg_case:.1f} items)",
            _lat(case_rand),
            target,
            verdict(case_rand.p95 <= TARGET_TIMELINE_P95_MS),
        ),
        Row("peer: raw SQL of the same timeline (no parsing)", _lat(raw_tl)),
        Row("peer: raw SQL + json.loads of each doc", _lat(raw_tl_json)),
        Row(
            "MemoryStore customer_timeline heavy",
            _lat(mem_tl),
            target,
            verdict(mem_tl.p95 <= TARGET_TIMELINE_P95_MS),
        ),
    ]
    peak_before, peak_after = scan["peak_before"], scan["peak_after"]
    rss_start = scan["rss_before"]
    if peak_after is None or rss_start is None:
        growth = "n/a"
    elif scan["peak_method"] != "ru_maxrss" or peak_after > peak_before:
        # The peak was reached during the scan.
        growth = mb(peak_after - rss_start)
    else:
        # ru_maxrss never rose during the scan (a child inherits its parent's): a bound only.
        growth = "<= " + mb(peak_after - rss_start)
    scan_rows = [
        Row(
            f"scan(chunk_size={SCAN_CHUNK}) all, fresh process",
            f"{scan['seconds']:,.2f} s  {rate(scan['count'], scan['seconds'])}",
        ),
        Row("  interactions seen", f"{scan['count']:,}"),
        Row("  RSS when the scan starts (/proc/self/statm)", mb(rss_start)),
        Row(f"  peak RSS during the scan ({scan['peak_method']})", mb(peak_after)),
        Row("  peak-RSS growth during the scan", growth),
        Row(
            f"  tracemalloc peak, first {scan['traced']:,} scanned",
            mb(scan["traced_peak"]),
        ),
        Row(
            "peer: raw keyset scan of docs (no parsing)",
            f"{scan['raw_seconds']:,.2f} s  {rate(scan['raw_count'], scan['raw_seconds'])}",
        ),
    ]
    disk_rows = [
        Row("SQLiteStore file after WAL checkpoint", f"{mb(store_bytes)}  (WAL {mb(store_wal)})"),
        Row("  bytes per interaction", f"{store_bytes / max(stored, 1):,.0f} B"),
        Row("raw peer file after WAL checkpoint", f"{mb(raw_bytes)}  (WAL {mb(raw_wal)})"),
        Row("peak RSS of this process (ru_maxrss)", mb(peak)),
    ]
    print_table(
        "omnicontext storage benchmark",
        header,
        [
            ("input", input_rows),
            ("ingest", ingest_rows),
            ("queries (SQLiteStore unless named)", query_rows),
            ("scan", scan_rows),
            ("disk and memory", disk_rows),
        ],
    )
    notes = (
        "notes: latencies are wall-clock per call (time.perf_counter_ns), nearest-rank "
        "percentiles, after 20 warm-up calls; the scan runs in a fresh child process, its "
        "peak RSS read from /proc/self/status VmHWM after resetting it through "
        "/proc/self/clear_refs (ru_maxrss where that is missing), and it includes SQLite's "
        "page cache (cache_size 64 MiB); tracemalloc counts Python allocations only; "
        + (
            "the input dicts and each batch of models, once built, were gc.freeze()d, as an "
            "import holds one batch at a time (--no-gc-freeze to not)."
            if args.gc_freeze
            else "gc.freeze() was not used (--no-gc-freeze)."
        )
    )
    print(textwrap.fill(notes, width=100))
    return 0


if __name__ == "__main__":
    sys.exit(main())
