"""Handoff benchmark: building and rendering a packet in a large SQLiteStore.

Run from the project root::

    .venv/bin/python benchmarks/handoff.py            # 1,000,000 interactions (a minute or two)
    .venv/bin/python benchmarks/handoff.py --quick    # 100,000 interactions (seconds)

The store holds ``--size`` interactions (messages, calls, notes, surveys and
handoffs over public and private social, chat, phone and email), of which
10,000 belong to one customer across 400 cases; the packet is built for that
customer's latest case (25 records over four channels, with notes,
checkpoints and a takeover). Everything else belongs to 50,000 other
customers. It then measures, after 20 warm-up calls, over ``--calls`` calls:

1. ``prepare_handoff`` (reads the case, the customer, the case's timeline and
   the customer's latest 200 records; writes the access record) plus
   ``to_text``: the figure the target is about (p95 <= 10 ms);
2. the same for a public channel, where every text is redacted;
3. each part alone: building without rendering, and each rendering;
4. redaction throughput in MB/s on chat-like text (``benchmarks/redaction.py``).

Nothing here asserts on speed: the targets are printed next to the figures.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _report import Row, machine, mb, print_table, rss_peak_bytes, verdict

from omnicontext.handoff.access import Viewer
from omnicontext.handoff.packet import HandoffSettings, build_packet, prepare_handoff
from omnicontext.handoff.timeline import Timeline, case_timeline, customer_timeline
from omnicontext.model import (
    Call,
    Case,
    Checkpoint,
    Customer,
    Handoff,
    Identity,
    Interaction,
    Message,
    Note,
    Survey,
    Takeover,
)
from omnicontext.storage import SQLiteStore

START = datetime(2026, 1, 1, tzinfo=UTC)
HEAVY = "cus_heavy"
TARGET_CASE = "case_heavy_0399"
CHANNELS = ("social_public", "social_private", "chat", "email", "phone")
WORDS = [
    "hello",
    "thanks",
    "order",
    "card",
    "payment",
    "refund",
    "delivery",
    "account",
    "app",
    "login",
    "password",
    "help",
    "please",
    "today",
    "tomorrow",
    "yesterday",
    "again",
    "still",
    "waiting",
    "sorry",
    "update",
    "status",
    "number",
    "problem",
    "issue",
    "working",
    "broken",
    "charged",
    "twice",
    "cancel",
    "subscription",
    "address",
    "parcel",
]


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randrange(4, 16))]
    return " ".join(words).capitalize() + rng.choice(".!?")


def _body(rng: random.Random) -> str:
    text = " ".join(_sentence(rng) for _ in range(rng.randrange(1, 4)))
    roll = rng.random()
    if roll < 0.02:
        text += f" My email is user{rng.randrange(10**6)}@example.com."
    elif roll < 0.04:
        text += f" Call me on +44 7700 9{rng.randrange(10**5):05d}."
    return text


def _records(
    rng: random.Random, customer: str, case: str, n: int, start: datetime, channels: list[str]
) -> Iterator[Interaction]:
    at = start
    for k in range(n):
        at += timedelta(seconds=rng.randrange(20, 900))
        channel = channels[min(len(channels) - 1, k * len(channels) // n)]
        ident = f"{case}-{k:03d}"
        roll = rng.random()
        if channel == "phone" and roll < 0.5:
            answered = at + timedelta(seconds=rng.randrange(5, 200))
            yield Call(
                id=ident,
                occurred_at=at,
                channel=channel,
                case_id=case,
                customer_id=customer,
                actor="customer",
                agent_id="ag_1",
                direction="inbound",
                answered_at=answered,
                ended_at=answered + timedelta(seconds=rng.randrange(60, 900)),
            )
        elif roll < 0.06:
            yield Note(
                id=ident,
                occurred_at=at,
                channel=channel,
                case_id=case,
                customer_id=customer,
                actor="agent",
                agent_id="ag_1",
                body=_body(rng),
            )
        elif roll < 0.08:
            yield Survey(
                id=ident,
                occurred_at=at,
                channel=channel,
                case_id=case,
                customer_id=customer,
                actor="customer",
                csat=rng.randrange(1, 6),
            )
        else:
            agent = roll > 0.55
            yield Message(
                id=ident,
                occurred_at=at,
                channel=channel,
                case_id=case,
                customer_id=customer,
                actor="agent" if agent else "customer",
                agent_id="ag_1" if agent else None,
                direction="outbound" if agent else "inbound",
                body=_body(rng),
            )


def build_store(path: Path, size: int, seed: int) -> tuple[float, int]:
    rng = random.Random(seed)
    store = SQLiteStore(path)
    started = time.perf_counter()
    batch: list[Interaction] = []
    written = 0

    def flush() -> None:
        nonlocal batch, written
        store.interactions.append_many(batch)
        written += len(batch)
        batch = []

    # The heavy customer: 400 cases of 25 records, over a year.
    for c in range(400):
        case = f"case_heavy_{c:04d}"
        channels = rng.sample(CHANNELS, k=rng.randrange(1, 5))
        if case == TARGET_CASE:
            channels = ["social_public", "social_private", "chat", "email"]
        batch.extend(_records(rng, HEAVY, case, 25, START + timedelta(hours=21 * c), channels))
        if len(batch) >= 10_000:
            flush()
    batch.append(
        Handoff(
            id="heavy-handoff",
            occurred_at=START + timedelta(hours=21 * 399, minutes=1),
            channel="social_public",
            case_id=TARGET_CASE,
            customer_id=HEAVY,
            actor="agent",
            agent_id="ag_1",
            from_channel="social_public",
            to_channel="social_private",
            reason="Account check needed in private.",
        )
    )
    # Everyone else.
    others = size - written - len(batch)
    n = 0
    while n < others:
        customer = f"cus_{rng.randrange(50_000):05d}"
        case = f"case_{n:08d}"
        count = min(others - n, rng.randrange(3, 30))
        channels = rng.sample(CHANNELS, k=rng.randrange(1, 3))
        at = START + timedelta(minutes=rng.randrange(365 * 24 * 60))
        batch.extend(_records(rng, customer, case, count, at, channels))
        n += count
        if len(batch) >= 10_000:
            flush()
    flush()
    store.customers.save(
        Customer(
            id=HEAVY,
            display_name="Heavy User",
            time_zone="Europe/London",
            identities=(
                Identity(
                    kind="email",
                    value="heavy@example.com",
                    verified=True,
                    verified_at=START,
                    verification_method="email_link",
                ),
                Identity(kind="phone", value="+447700900001"),
            ),
        )
    )
    for c in range(400):
        case = Case(
            id=f"case_heavy_{c:04d}",
            customer_id=HEAVY,
            subject="Card declined",
            intent="card_blocked",
            priority="high" if c == 399 else "normal",
        )
        if case.id == TARGET_CASE:
            case = case.with_checkpoint(
                Checkpoint(name="identity_verified", done_at=START, channel="chat")
            ).with_takeover(
                Takeover(handoff_id="heavy-handoff", to_channel="phone", started_at=START)
            )
        store.cases.save(case)
    seconds = time.perf_counter() - started
    count = store.interactions.count()
    store.close()
    return seconds, count


def _timed(fn: Callable[[], object], calls: int, warmup: int = 20) -> list[float]:
    for _ in range(warmup):
        fn()
    out: list[float] = []
    for _ in range(calls):
        t0 = time.perf_counter_ns()
        fn()
        out.append((time.perf_counter_ns() - t0) / 1e6)
    return out


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _lat(samples: list[float]) -> str:
    return (
        f"p50 {statistics.median(samples):.2f} ms, p95 {_pct(samples, 0.95):.2f} ms, "
        f"p99 {_pct(samples, 0.99):.2f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 interactions")
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--redaction-mb", type=float, default=10.0)
    args = parser.parse_args(argv)
    size = 100_000 if args.quick else args.size
    with tempfile.TemporaryDirectory(prefix="omnicontext-handoff-") as folder:
        path = Path(folder) / "bench.db"
        build_seconds, count = build_store(path, size, args.seed)
        gc.collect()
        store = SQLiteStore(path)
        viewer = Viewer("ag_bench", "agent")
        at = START + timedelta(days=400)
        settings = HandoffSettings()
        heavy_count = len(customer_timeline(store, HEAVY))
        case_count = len(case_timeline(store, TARGET_CASE))

        def packet_text(channel: str) -> Callable[[], object]:
            def run() -> object:
                packet = prepare_handoff(
                    store, TARGET_CASE, to_channel=channel, viewer=viewer, at=at
                )
                return packet.to_text()

            return run

        full = _timed(packet_text("phone"), args.calls)
        public = _timed(packet_text("social_public"), args.calls)
        packet = prepare_handoff(store, TARGET_CASE, to_channel="phone", viewer=viewer, at=at)
        case = store.cases.get(TARGET_CASE)
        customer = store.customers.get(HEAVY)
        timeline = case_timeline(store, TARGET_CASE)
        recent = customer_timeline(store, HEAVY, limit=settings.lookback)
        reads = _timed(
            lambda: (
                store.cases.get(TARGET_CASE),
                store.customers.get(HEAVY),
                case_timeline(store, TARGET_CASE),
                customer_timeline(store, HEAVY, limit=settings.lookback),
            ),
            args.calls,
        )
        build = _timed(
            lambda: build_packet(
                case=case,
                customer=customer,
                timeline=timeline,
                customer_recent=recent,
                to_channel="phone",
                viewer=viewer,
                at=at,
            ),
            args.calls,
        )
        long_case = Timeline.of(
            _records(
                random.Random(args.seed),
                HEAVY,
                TARGET_CASE,
                10_000,
                START,
                ["social_public", "social_private", "chat", "email"],
            )
        )
        long_build = _timed(
            lambda: build_packet(
                case=case,
                customer=customer,
                timeline=long_case,
                customer_recent=recent,
                to_channel="social_public",
                viewer=viewer,
                at=at,
            ),
            max(10, args.calls // 10),
            warmup=2,
        )
        text = _timed(packet.to_text, args.calls)
        markdown = _timed(packet.to_markdown, args.calls)
        as_json = _timed(packet.to_json, args.calls)
        audited = store.access_log.count()
        store.close()
        db_size = path.stat().st_size

    from redaction import measure

    red = measure(args.redaction_mb)
    target_ok = _pct(full, 0.95) <= 10.0
    sections = [
        (
            "store",
            [
                Row("interactions", f"{count:,}"),
                Row("built in", f"{build_seconds:.1f} s"),
                Row("file", mb(db_size)),
                Row("the customer's interactions", f"{heavy_count:,}"),
                Row("the case's records", f"{case_count:,}"),
            ],
        ),
        (
            f"prepare_handoff + to_text, {args.calls} calls",
            [
                Row("agent, phone", _lat(full), "p95 <= 10 ms", verdict(target_ok)),
                Row(
                    "agent, social_public (redacted)",
                    _lat(public),
                    "p95 <= 10 ms",
                    verdict(_pct(public, 0.95) <= 10.0),
                ),
                Row("access records written", f"{audited:,}"),
            ],
        ),
        (
            "parts",
            [
                Row("reads (case, customer, timelines)", _lat(reads)),
                Row("build_packet (no store)", _lat(build)),
                Row("build_packet, a case of 10,000 records, redacted", _lat(long_build)),
                Row("to_text", _lat(text)),
                Row("to_markdown", _lat(markdown)),
                Row("to_json", _lat(as_json)),
            ],
        ),
        (
            f"redaction, {args.redaction_mb:g} MB of chat-like text",
            [
                Row(
                    "lines (with personal data)",
                    f"{red['lines']:,.0f} ({red['lines_with_personal_data']:,.0f})",
                ),
                Row("spans masked", f"{red['spans']:,.0f}"),
                Row("redact, one call per message", f"{red['redact_mb_s']:.1f} MB/s"),
                Row("find only, one call per message", f"{red['find_mb_s']:.1f} MB/s"),
                Row("redact, the whole text in one call", f"{red['document_mb_s']:.1f} MB/s"),
                Row(
                    "per message",
                    f"p50 {red['message_us_p50']:.1f} µs, p95 {red['message_us_p95']:.1f} µs, "
                    f"p99 {red['message_us_p99']:.1f} µs",
                ),
            ],
        ),
    ]
    print_table(
        "omnicontext handoff benchmark",
        [machine(["pydantic", "phonenumbers"]), f"peak RSS {mb(rss_peak_bytes())}"],
        sections,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
