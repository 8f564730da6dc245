"""KPI benchmark: ``omnicontext.kpi.compute`` against pandas over one JSON Lines export.

Run from the project root::

    .venv/bin/python benchmarks/kpi.py            # 1,000,000 interactions (minutes)
    .venv/bin/python benchmarks/kpi.py --quick    # 50,000 interactions (seconds)

``--interactions N`` sets the size, ``--seed`` the input, ``--data PATH`` the
file (reused when it exists; generated there when it does not). Without
``--data`` the file is cached in the temp folder under its size, seed and
generator version, so a rerun does not generate it again (``--regenerate``
to force). ``--pandas-engine`` and ``--pandas-dtype-backend`` choose how pandas
reads the file; ``--only`` runs one side.

The input, seeded, one interaction per line in time order (as an export
comes), about 5.2 per case, so 1,000,000 lines hold about 190,000 cases over
90 days. Cases by channel: email 34%, chat 24%, phone 22%, private social
messages 8%, SMS 7%, public social posts 5%. A written case starts with the
customer's message (sometimes a second one before anybody answers), then a
bot acknowledgement (most chats, some social and SMS; a bot is no response),
often an assignment, the first agent reply after a channel-shaped delay (minutes on
chat, hours on email), a few exchanges, notes, ``pending`` while waiting on
the customer and ``open`` when the customer answers, then ``solved``; about
10% are never solved, 4% never answered. A call case starts with an inbound
call that an agent answers after a wait (``answered_at``, ``ended_at``,
``wrap_up_seconds``) or that is abandoned (``answered_at`` null; then a
callback, the customer calling again, or nothing); 70% are solved on the
call. Some chats are handed off to a call. About 8% of solved cases are
reopened (the customer writes or calls back, ``open``), and most of those
solved again. Surveys: CSAT on about a quarter of solved cases, NPS on some,
and relationship NPS surveys with no case. About 3% of cases are proactive:
an agent writes or calls first (often marked ``solved`` at once); some
customers answer, which starts the clock. A few public social posts carry no
case. About 0.2% of the lines appear twice (same id, same content), later in
the file, as overlapping exports give them. Times are whole seconds, aware,
``+00:00``; one case's status changes never share a second. The generator
validates its lines with ``parse_interaction_json`` (all of them up to
``VALIDATE_ALL`` lines, then one in ``VALIDATE_EVERY``).

Each side runs in a fresh child process (this script, with a hidden flag),
one after the other, so its memory figures are its own:

* omnicontext: ``scan_jsonl(path)`` (msgspec records; ``--reader models`` reads
  the pydantic models with ``omnicontext.storage.read_jsonl`` instead; an
  invalid line stops the run) feeding ``compute(...)``, the whole suite with
  its default by-channel breakdown;
* pandas: ``pandas.read_json(path, lines=True, engine="pyarrow")`` (pyarrow's
  multi-threaded JSON reader, pandas' default dtypes: the fastest of the
  variants tried; ``dtype_backend="pyarrow"`` was slower, the default ``ujson``
  engine several times slower and hungrier), ``drop_duplicates`` on ``id``,
  ``to_datetime(utc=True, format="ISO8601")`` of the two times used, then
  vectorised groupby code for CSAT, NPS, first response and resolution time
  (the definitions are in :func:`pandas_figures`), overall only.

Wall time runs from opening the file to the last figure (parsing included;
imports excluded, and shown apart); each side runs ``--repeat`` times (3), and
the fastest run counts. The omnicontext child then times its reader alone,
in a pass of its own, to show the share of parsing. Peak RSS is ``ru_maxrss``
of the child after the work, absolute and less its value right after the
imports (the largest of the runs); Linux's ``VmHWM`` of the child is shown
beside it as a check. The figures of both
sides are printed side by side, with whether they agree (counts exactly,
seconds within 1e-6 s, percentages within 1e-9).

Nothing here asserts on speed: the targets are printed next to the figures.
"""

from __future__ import annotations

import argparse
import gc
import heapq
import json
import math
import random
import sys
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _report import (
    Row,
    machine,
    mb,
    print_table,
    rate,
    rss_peak_bytes,
    run_child,
    verdict,
    vm_hwm_bytes,
)

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

GENERATOR_VERSION = 2
"""Part of the cache file name: bump it when the generator's output changes."""
QUICK_INTERACTIONS = 50_000
LINES_PER_CASE = 5.25
"""Lines one case yields on average (measured), to spread the cases over ``SPAN_DAYS``."""
SPAN_DAYS = 90
START = datetime(2026, 1, 1, tzinfo=UTC)
START_TS = int(START.timestamp())
VALIDATE_ALL = 100_000
VALIDATE_EVERY = 10
TARGET_SPEED_RATIO = 1.0
TARGET_MEMORY_RATIO = 4.0
SECONDS_TOLERANCE = 1e-6
PERCENT_TOLERANCE = 1e-9
CHILD_TIMEOUT_S = 4 * 3600


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


CHANNELS = ("email", "chat", "phone", "social_private", "sms", "social_public")
CHANNEL_WEIGHTS = (34, 24, 22, 8, 7, 5)
PROACTIVE_SHARE = 0.03
PROACTIVE_CHANNELS = ("email", "sms", "phone")
PROACTIVE_WEIGHTS = (60, 25, 15)
BOT_SHARE = {"chat": 0.6, "social_private": 0.4, "sms": 0.2, "social_public": 0.1, "email": 0.05}
IDENTITY_SHARE = {"social_private": 0.3, "social_public": 0.3, "sms": 0.2, "email": 0.1}
# (median seconds, sigma) of a lognormal delay.
FIRST_REPLY = {
    "email": (3 * 3600, 1.2),
    "chat": (90, 0.9),
    "sms": (20 * 60, 1.1),
    "social_private": (45 * 60, 1.1),
    "social_public": (3600, 1.2),
    "phone": (4 * 3600, 1.0),
}
CUSTOMER_REPLY = {
    "email": (5 * 3600, 1.3),
    "chat": (60, 0.8),
    "sms": (30 * 60, 1.2),
    "social_private": (3600, 1.2),
    "social_public": (2 * 3600, 1.2),
    "phone": (6 * 3600, 1.0),
}
CALL_WAIT = (40, 1.0)
CALL_TALK = (300, 0.8)
ABANDON_SHARE = 0.09
NO_REPLY_SHARE = 0.04
ASSIGNED_SHARE = 0.6
CLOSED_SHARE = 0.15
UNSOLVED_SHARE = 0.10
REOPEN_SHARE = 0.08
HANDOFF_SHARE = 0.05
CSAT_SHARE = 0.25
NPS_SHARE = 0.08
RELATIONSHIP_NPS_SHARE = 0.015
LOOSE_MENTION_SHARE = 0.004
DUPLICATE_SHARE = 0.002
MAX_DELAY = 14 * 86400
QUEUES = ("billing", "tech", "cards", "returns", "vip")
AGENTS = tuple(f"ag_{k:04d}" for k in range(800))
WORDS = _words(
    "hello hi thanks thank you please order card blocked abroad refund delivery parcel "
    "late missing invoice account password reset login app crashes again payment failed "
    "twice charged subscription cancel upgrade plan address change phone number email "
    "verify code never arrived store pickup warranty broken screen replacement shipping "
    "tracking customer service waiting since yesterday urgent help needed today could "
    "check status request ticket still open agent called back voicemail appointment "
    "monday tuesday friday morning afternoon evening weekend café Zürich São Straße "
    "спасибо 注文 ありがとう 🙂 👍 €49,90 £12.50"
)


# -- input generation ---------------------------------------------------------------


def _delay(rng: random.Random, shape: tuple[float, float], scale: float = 1.0) -> int:
    median, sigma = shape
    return min(MAX_DELAY, max(1, int(rng.lognormvariate(math.log(median * scale), sigma))))


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def _uid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class CaseLines:
    """The lines of one case, as ``(occurred_at in epoch seconds, dict)``."""

    def __init__(
        self, rng: random.Random, corpus: str, case_id: str | None, customer: str, channel: str
    ) -> None:
        self.rng = rng
        self.corpus = corpus
        self.case_id = case_id
        self.customer = customer
        self.channel = channel
        self.agent = rng.choice(AGENTS)
        self.lines: list[tuple[int, dict[str, Any]]] = []

    def _add(
        self, at: int, kind: str, actor: str, channel: str | None = None, **fields: Any
    ) -> None:
        d: dict[str, Any] = {
            "id": _uid(self.rng),
            "type": kind,
            "occurred_at": _iso(at),
            "channel": channel or self.channel,
        }
        if self.case_id is not None:
            d["case_id"] = self.case_id
        d["customer_id"] = self.customer
        d["actor"] = actor
        d.update(fields)
        self.lines.append((at, d))

    def body(self) -> str:
        rng = self.rng
        length = rng.randint(20, 320)
        start = rng.randrange(len(self.corpus) - length)
        return self.corpus[start : start + length].strip() or "hello"

    def inbound(self, at: int, channel: str | None = None, identity: bool = False) -> None:
        self._add(at, "message", "customer", channel, direction="inbound", body=self.body())
        if identity:
            d = self.lines[-1][1]
            d["identity"] = _identity(channel or self.channel, self.customer)
            if self.case_id is not None and self.rng.random() < 0.1:
                del d["customer_id"]  # not resolved yet

    def reply(self, at: int, channel: str | None = None) -> None:
        self._add(
            at,
            "message",
            "agent",
            channel,
            agent_id=self.agent,
            direction="outbound",
            body=self.body(),
        )

    def bot(self, at: int) -> None:
        self._add(at, "message", "bot", direction="outbound", body="Thanks, we have your message.")

    def note(self, at: int) -> None:
        self._add(at, "note", "agent", agent_id=self.agent, body=self.body())

    def status(self, at: int, status: str, by_agent: bool = True) -> None:
        if by_agent:
            self._add(at, "status", "agent", agent_id=self.agent, status=status)
        else:
            self._add(at, "status", "system", status=status)

    def assign(self, at: int) -> None:
        fields: dict[str, Any] = {"agent_id": self.agent}
        if self.rng.random() < 0.7:
            fields["queue"] = self.rng.choice(QUEUES)
        self._add(at, "assignment", "system", **fields)

    def call_in(self, at: int, answered: bool) -> int:
        """An inbound call reaching the queue at ``at``; returns when it ends (wrap-up done)."""
        rng = self.rng
        wait = min(_delay(rng, CALL_WAIT), 1800)
        if not answered:
            self._add(
                at,
                "call",
                "customer",
                "phone",
                direction="inbound",
                answered_at=None,
                ended_at=_iso(at + wait),
            )
            return at + wait
        talk = _delay(rng, CALL_TALK)
        wrap = rng.randrange(0, 181)
        self._add(
            at,
            "call",
            "customer",
            "phone",
            agent_id=self.agent,
            direction="inbound",
            answered_at=_iso(at + wait),
            ended_at=_iso(at + wait + talk),
            wrap_up_seconds=float(wrap),
        )
        return at + wait + talk + wrap

    def call_out(self, at: int, answered: bool) -> int:
        """An agent's call placed at ``at``; returns when it ends."""
        rng = self.rng
        ring = rng.randint(5, 40)
        if not answered:
            self._add(
                at,
                "call",
                "agent",
                "phone",
                agent_id=self.agent,
                direction="outbound",
                answered_at=None,
                ended_at=_iso(at + ring),
            )
            return at + ring
        talk = _delay(rng, CALL_TALK)
        wrap = rng.randrange(0, 121)
        self._add(
            at,
            "call",
            "agent",
            "phone",
            agent_id=self.agent,
            direction="outbound",
            answered_at=_iso(at + ring),
            ended_at=_iso(at + ring + talk),
            wrap_up_seconds=float(wrap),
        )
        return at + ring + talk + wrap

    def survey(self, at: int, *, csat: int | None = None, nps: int | None = None) -> None:
        score = {"csat": csat} if csat is not None else {"nps": nps}
        self._add(at, "survey", "customer", **score)

    def handoff(self, at: int, to_channel: str) -> None:
        self._add(
            at,
            "handoff",
            "system",
            from_channel=self.channel,
            to_channel=to_channel,
            reason="customer asked to talk",
        )


def _identity(channel: str, customer: str) -> dict[str, Any]:
    key = customer.removeprefix("cus_")
    if channel == "email":
        return {"kind": "email", "value": f"user{key}@example.com"}
    if channel == "sms":
        return {"kind": "phone", "value": f"+4479{int(key) % 10**8:08d}"}
    return {"kind": "social", "platform": "twitter", "value": f"@user_{key}"}


def _csat(rng: random.Random) -> int:
    return rng.choices((1, 2, 3, 4, 5), (8, 6, 11, 30, 45))[0]


def _nps(rng: random.Random) -> int:
    return rng.choices(range(11), (3, 2, 2, 3, 3, 5, 6, 11, 20, 22, 23))[0]


def _after_solved(c: CaseLines, t: int) -> None:
    """What may follow the first ``solved``: a reopen, surveys, ``closed``."""
    rng, ch = c.rng, c.channel
    if rng.random() < REOPEN_SHARE:
        t += _delay(rng, (36 * 3600, 1.0))
        if ch == "phone":
            t = c.call_in(t, answered=True) + 1
            c.status(t, "open", by_agent=False)
        else:
            c.inbound(t)
            t += rng.randint(1, 120)
            c.status(t, "open", by_agent=False)
            if rng.random() < 0.8:
                t += _delay(rng, FIRST_REPLY[ch])
                c.reply(t)
        if rng.random() < 0.2:
            if rng.random() < 0.5:
                t += rng.randint(60, 3600)
                c.status(t, "pending")
            return  # reopened and not solved again
        t += rng.randint(60, 7200)
        c.status(t, "solved")
    if rng.random() < CSAT_SHARE:
        t += rng.randint(300, 2 * 86400)
        c.survey(t, csat=_csat(rng))
    if rng.random() < NPS_SHARE:
        t += rng.randint(300, 2 * 86400)
        c.survey(t, nps=_nps(rng))
    if rng.random() < CLOSED_SHARE:
        t += rng.randint(3 * 86400, 7 * 86400)
        c.status(t, "closed", by_agent=False)


def _written_case(c: CaseLines, t: int) -> None:
    rng, ch = c.rng, c.channel
    start = t
    c.inbound(t, identity=rng.random() < IDENTITY_SHARE.get(ch, 0.0))
    if rng.random() < BOT_SHARE[ch]:
        t += rng.randint(2, 10)
        c.bot(t)
    if rng.random() < 0.1:  # the customer adds something before anybody answers
        t += _delay(rng, CUSTOMER_REPLY[ch], 0.2)
        c.inbound(t)
    if rng.random() < ASSIGNED_SHARE:
        t += rng.randint(5, 600)
        c.assign(t)
    if rng.random() < NO_REPLY_SHARE:
        return
    t = max(t + 1, start + _delay(rng, FIRST_REPLY[ch]))
    c.reply(t)
    if ch == "chat" and rng.random() < HANDOFF_SHARE:
        t += rng.randint(10, 120)
        c.handoff(t, "phone")
        t = c.call_out(t + rng.randint(30, 900), answered=True)
    if rng.random() < 0.2:
        t += rng.randint(30, 1800)
        c.note(t)
    for _ in range(rng.choices((0, 1, 2, 3), (66, 22, 8, 4))[0]):
        waiting = rng.random() < 0.15
        if waiting:
            t += rng.randint(1, 120)
            c.status(t, "pending")
        t += _delay(rng, CUSTOMER_REPLY[ch])
        c.inbound(t)
        if waiting:
            t += rng.randint(1, 60)
            c.status(t, "open", by_agent=False)
        t += _delay(rng, FIRST_REPLY[ch], 0.5)
        c.reply(t)
    if rng.random() < UNSOLVED_SHARE:
        return
    t += rng.randint(5, 900)
    c.status(t, "solved")
    _after_solved(c, t)


def _call_case(c: CaseLines, t: int) -> None:
    rng = c.rng
    if rng.random() < ABANDON_SHARE:
        t = c.call_in(t, answered=False)
        roll = rng.random()
        if roll < 0.55:  # a callback
            t = c.call_out(t + rng.randint(300, 4 * 3600), answered=rng.random() < 0.75)
        elif roll < 0.85:  # the customer calls again
            t = c.call_in(t + _delay(rng, (2 * 3600, 1.0)), answered=True)
        else:
            return
    else:
        t = c.call_in(t, answered=True)
    if rng.random() < 0.35:
        t += rng.randint(1, 300)
        c.note(t)
    if rng.random() >= 0.7:  # not solved on the call: a follow-up
        t += rng.randint(1, 60)
        c.status(t, "pending")
        t += _delay(rng, FIRST_REPLY["phone"])
        if rng.random() < 0.5:
            t = c.call_out(t, answered=True)
        else:
            c.reply(t, channel="email")
        if rng.random() < UNSOLVED_SHARE:
            return
    t += rng.randint(1, 120)
    c.status(t, "solved")
    _after_solved(c, t)


def _proactive_case(c: CaseLines, t: int) -> None:
    rng, ch = c.rng, c.channel
    if ch == "phone":
        t = c.call_out(t, answered=rng.random() < 0.6)
    else:
        c.reply(t)
    solved = rng.random() < 0.5
    if solved:
        t += rng.randint(10, 600)
        c.status(t, "solved")
    if rng.random() >= 0.35:
        return
    t += _delay(rng, CUSTOMER_REPLY[ch], 3.0)
    if ch == "phone":
        t = c.call_in(t, answered=rng.random() < 0.9)
    else:
        c.inbound(t)
    if solved:
        t += rng.randint(1, 60)
        c.status(t, "open", by_agent=False)
    t += _delay(rng, FIRST_REPLY[ch])
    if ch == "phone":
        t = c.call_out(t, answered=True)
    else:
        c.reply(t)
    t += rng.randint(60, 3600)
    c.status(t, "solved")
    if rng.random() < CSAT_SHARE:
        c.survey(t + rng.randint(300, 86400), csat=_csat(rng))


def build_case(
    rng: random.Random, corpus: str, k: int, start: int, customers: int
) -> tuple[str, bool, list[tuple[int, dict[str, Any]]]]:
    """Case number ``k`` opening at ``start``: its channel, whether proactive, its lines
    (plus any caseless lines that come with it)."""
    customer = f"cus_{rng.randrange(customers):07d}"
    proactive = rng.random() < PROACTIVE_SHARE
    if proactive:
        channel = rng.choices(PROACTIVE_CHANNELS, PROACTIVE_WEIGHTS)[0]
    else:
        channel = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
    c = CaseLines(rng, corpus, f"case_{k:07d}", customer, channel)
    if proactive:
        _proactive_case(c, start)
    elif channel == "phone":
        _call_case(c, start)
    else:
        _written_case(c, start)
    loose = CaseLines(rng, corpus, None, customer, "social_public")
    if rng.random() < LOOSE_MENTION_SHARE:
        loose.inbound(start + rng.randint(0, 3600), identity=rng.random() < 0.5)
    if rng.random() < RELATIONSHIP_NPS_SHARE:
        loose.channel = "email"
        loose.survey(start + rng.randint(0, 86400), nps=_nps(rng))
    return channel, proactive, c.lines + loose.lines


def generate(path: Path, n: int, seed: int) -> dict[str, Any]:
    """Write ``n`` lines to ``path`` (through a temporary name); return what was written.

    Cases open as a Poisson stream; their lines wait in a heap and are written
    in time order once no case still to come can precede them.
    """
    from omnicontext.model import parse_interaction_json

    rng = random.Random(seed)
    corpus = " ".join(rng.choice(WORDS) for _ in range(50_000))
    cases_per_s = n / LINES_PER_CASE / (SPAN_DAYS * 86400)
    customers = max(2, int(n / LINES_PER_CASE * 0.7))
    heap: list[tuple[int, int, int, str, str]] = []
    channels: list[str] = []
    proactive: list[bool] = []
    seen: set[int] = set()
    types: Counter[str] = Counter()
    duplicates = validated = written = seq = 0
    start = float(START_TS)
    tmp = path.with_name(path.name + ".partial")
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    with tmp.open("w", encoding="utf-8", newline="\n") as out:
        while written < n:
            start += rng.expovariate(cases_per_s)
            while heap and heap[0][0] <= start and written < n:
                key, _, k, kind, line = heapq.heappop(heap)
                out.write(line)
                written += 1
                types[kind] += 1
                if k >= 0:
                    seen.add(k)
                if kind == "dup":
                    duplicates += 1
                elif rng.random() < DUPLICATE_SHARE:
                    heapq.heappush(heap, (key + rng.randint(60, 3 * 86400), seq, k, "dup", line))
                    seq += 1
                if written <= VALIDATE_ALL or written % VALIDATE_EVERY == 0:
                    parse_interaction_json(line)
                    validated += 1
            if written >= n:
                break
            k = len(channels)
            channel, pro, lines = build_case(rng, corpus, k, int(start), customers)
            channels.append(channel)
            proactive.append(pro)
            for at, d in lines:
                case_k = k if "case_id" in d else -1
                heapq.heappush(heap, (at, seq, case_k, d["type"], dumps(d) + "\n"))
                seq += 1
    tmp.replace(path)
    mix = Counter(channels[k] for k in seen)
    meta = {
        "generator": GENERATOR_VERSION,
        "interactions": n,
        "seed": seed,
        "lines": written,
        "duplicates": duplicates,
        "cases": len(seen),
        "proactive_cases": sum(proactive[k] for k in seen),
        "case_channels": dict(mix.most_common()),
        "types": dict(types.most_common()),
        "validated": validated,
        "end": _iso(int(start)),
    }
    path.with_name(path.name + ".meta.json").write_text(json.dumps(meta, indent=1))
    return meta


def generate_child(path: str, n: int, seed: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    meta = generate(Path(path), n, seed)
    meta["seconds"] = time.perf_counter() - t0
    return meta


# -- the two sides, each in a fresh child ------------------------------------------------


def _cpu_s() -> float:
    if resource is None:
        return math.nan
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _memory(base: int | None, hwm_base: int | None) -> dict[str, Any]:
    return {
        "rss_base": base,
        "rss_peak": rss_peak_bytes(),
        "hwm_base": hwm_base,
        "hwm_peak": vm_hwm_bytes(),
    }


def _seconds(x: Any) -> float | None:
    if x is None:
        return None
    if isinstance(x, timedelta):
        return x.total_seconds()
    return float(x)


def omnicontext_child(path: str, reader: str = "fast") -> dict[str, Any]:
    """The reader feeding ``compute``: wall time, memory and the figures compared.

    ``reader`` is ``fast`` (``omnicontext.kpi.scan_jsonl``, msgspec records) or
    ``models`` (``omnicontext.storage.read_jsonl``, the pydantic models).
    """
    t_import = time.perf_counter()
    try:
        from omnicontext.kpi import compute
    except ImportError as exc:
        return {"error": f"not available ({type(exc).__name__}: {exc})", "unavailable": True}
    from omnicontext.errors import InvalidInput
    from omnicontext.kpi import scan_jsonl
    from omnicontext.storage import read_jsonl as read_models

    read_jsonl = scan_jsonl if reader == "fast" else read_models

    import_s = time.perf_counter() - t_import
    gc.collect()
    base, hwm_base = rss_peak_bytes(), vm_hwm_bytes()
    count = 0

    def interactions() -> Any:
        nonlocal count
        for number, item in read_jsonl(path):
            if isinstance(item, InvalidInput):
                raise RuntimeError(f"{path}:{number}: {item}") from item
            count += 1
            yield item

    t0, cpu0 = time.perf_counter(), _cpu_s()
    report = compute(interactions())
    overall: Any = report.overall
    figures = {
        "interactions": report.interactions,
        "duplicates": report.duplicates,
        "cases": report.cases,
        "csat": _seconds(overall["csat"].value),
        "nps": _seconds(overall["nps"].value),
        "first_response": _distribution(overall["first_response_time"]),
        "resolution_first": _distribution(overall["resolution_time"].first),
        "resolution_full": _distribution(overall["resolution_time"].full),
    }
    wall, cpu = time.perf_counter() - t0, _cpu_s() - cpu0
    memory = _memory(base, hwm_base)
    del report, overall
    gc.collect()
    # Parsing alone, for the share of the wall time it takes (after the memory is read).
    t1 = time.perf_counter()
    for _ in read_jsonl(path):
        pass
    parse_s = time.perf_counter() - t1
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "parse_s": parse_s,
        "import_s": import_s,
        "lines": count,
        "figures": figures,
        **memory,
    }


def _distribution(m: Any) -> dict[str, Any]:
    return {
        "mean": _seconds(m.mean),
        "median": _seconds(m.median),
        "p90": _seconds(m.p90),
        "n": int(m.n),
        "open": int(m.open),
    }


def pandas_child(path: str, engine: str, backend: str) -> dict[str, Any]:
    """``pandas.read_json`` and vectorised groupby code: wall time, memory, figures."""
    t_import = time.perf_counter()
    import pandas as pd

    if engine == "pyarrow" or backend == "pyarrow":
        import pyarrow  # noqa: F401  (imported here so its import is not timed as work)

    import_s = time.perf_counter() - t_import
    gc.collect()
    base, hwm_base = rss_peak_bytes(), vm_hwm_bytes()
    t0, cpu0 = time.perf_counter(), _cpu_s()
    options: dict[str, Any] = {"lines": True, "engine": engine}
    if backend != "numpy":
        options["dtype_backend"] = backend
    df = pd.read_json(path, **options)
    read_s = time.perf_counter() - t0
    lines = len(df)
    figures = pandas_figures(pd, df)
    wall, cpu = time.perf_counter() - t0, _cpu_s() - cpu0
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "read_s": read_s,
        "import_s": import_s,
        "lines": lines,
        "cases": figures.pop("all_cases"),
        "figures": figures,
        **_memory(base, hwm_base),
    }


COLUMNS = (
    "id",
    "type",
    "occurred_at",
    "case_id",
    "actor",
    "agent_id",
    "direction",
    "answered_at",
    "status",
    "csat",
    "nps",
)


def pandas_figures(pd: Any, df: Any) -> dict[str, Any]:
    """The figures from the frame of every line, in vectorised pandas.

    * CSAT: among ``survey`` rows with a ``csat``, 100 x the share with csat >= 4;
      NPS: among rows with an ``nps``, 100 x (share 9-10 - share 0-6).
    * First response, per case: t0 = earliest ``occurred_at`` of the customer's
      inbound messages and inbound calls; responses = agents' outbound messages
      (``occurred_at``), answered calls with an ``agent_id`` (``answered_at``),
      agents' outbound calls (``occurred_at``); the first response at or after
      t0, less t0. A case with a t0 and no such response is ``open``; a case
      with no t0 is left out.
    * Resolution, per case with a t0: ``solved`` status rows at or after t0;
      first = earliest - t0; full = latest - t0 when no ``open`` or ``pending``
      status row comes after that latest solved. A case with no solved is open
      for both; one with an open or pending after its latest solved is open for
      full.
    """
    lines = len(df)
    for column in COLUMNS:  # a small file may lack some
        if column not in df:
            df[column] = None
    df = df.drop_duplicates("id", ignore_index=True)
    occurred = pd.to_datetime(df["occurred_at"], utc=True, format="ISO8601")
    answered = pd.to_datetime(df["answered_at"], utc=True, format="ISO8601")
    kind, actor, direction, case = df["type"], df["actor"], df["direction"], df["case_id"]

    def where(mask: Any) -> Any:
        return mask.fillna(False).to_numpy(dtype=bool)

    csat = df.loc[where(kind == "survey"), "csat"].dropna()
    nps = df["nps"].dropna()
    has_case = where(case.notna())
    first_contact = (
        where((actor == "customer") & (direction == "inbound") & kind.isin(["message", "call"]))
        & has_case
    )
    t0 = occurred[first_contact].groupby(case[first_contact]).min()

    reply = where((kind == "message") & (direction == "outbound") & (actor == "agent"))
    answer = where((kind == "call") & answered.notna() & df["agent_id"].notna())
    call_out = where((kind == "call") & (direction == "outbound") & (actor == "agent"))
    reply, answer, call_out = reply & has_case, answer & has_case, call_out & has_case
    responses = pd.DataFrame(
        {
            "case_id": pd.concat([case[reply], case[answer], case[call_out]], ignore_index=True),
            "at": pd.concat(
                [occurred[reply], answered[answer], occurred[call_out]], ignore_index=True
            ),
        }
    )
    responses["t0"] = responses["case_id"].map(t0)
    responses = responses[where(responses["at"] >= responses["t0"])]
    first_response = responses.groupby("case_id")["at"].min()
    frt = (first_response - t0.reindex(first_response.index)).dt.total_seconds()

    is_status = where(kind == "status") & has_case
    status = pd.DataFrame(
        {"case_id": case[is_status], "at": occurred[is_status], "status": df["status"][is_status]}
    )
    status["t0"] = status["case_id"].map(t0)
    status = status[where(status["t0"].notna())]
    solved = status[where((status["status"] == "solved") & (status["at"] >= status["t0"]))]
    by_case = solved.groupby("case_id")["at"]
    first_solved, last_solved = by_case.min(), by_case.max()
    reopened = status[where(status["status"].isin(["open", "pending"]))]
    last_reopen = reopened.groupby("case_id")["at"].max().reindex(last_solved.index)
    resolved = where(~(last_reopen > last_solved))
    last_solved = last_solved[resolved]
    first = (first_solved - t0.reindex(first_solved.index)).dt.total_seconds()
    full = (last_solved - t0.reindex(last_solved.index)).dt.total_seconds()
    return {
        "all_cases": int(case.nunique()),
        "interactions": len(df),
        "duplicates": lines - len(df),
        "cases": len(t0),
        "csat": None if csat.empty else float(100 * (csat >= 4).mean()),
        "nps": None if nps.empty else float(100 * ((nps >= 9).mean() - (nps <= 6).mean())),
        "first_response": _stats(frt, len(t0)),
        "resolution_first": _stats(first, len(t0)),
        "resolution_full": _stats(full, len(t0)),
    }


def _stats(seconds: Any, cases: int) -> dict[str, Any]:
    empty = seconds.empty
    return {
        "mean": None if empty else float(seconds.mean()),
        "median": None if empty else float(seconds.median()),
        "p90": None if empty else float(seconds.quantile(0.9)),
        "n": len(seconds),
        "open": cases - len(seconds),
    }


def run_side(args: Sequence[str], repeat: int) -> dict[str, Any]:
    """``repeat`` fresh children: the figures and time of the fastest, the memory of the
    hungriest (each run's peak and growth are its own)."""
    runs: list[dict[str, Any]] = []
    for _ in range(repeat):
        run = _child(args)
        if "error" in run:
            return run
        runs.append(run)
    best = dict(min(runs, key=lambda r: r["wall_s"]))
    best["walls"] = [r["wall_s"] for r in runs]
    for key in ("rss_peak", "hwm_peak"):
        values = [r[key] for r in runs if r[key] is not None]
        best[key] = max(values) if values else None
    for key, base in (("rss_growth", "rss_base"), ("hwm_growth", "hwm_base")):
        peak = key.replace("growth", "peak")
        values = [r[peak] - r[base] for r in runs if r[peak] is not None and r[base] is not None]
        best[key] = max(values) if values else None
    return best


# -- comparison and report ------------------------------------------------------------------

FIGURES = (
    ("interactions", "distinct interactions"),
    ("duplicates", "duplicate lines ignored"),
    ("cases", "cases with a first customer contact"),
    ("csat", "CSAT, %"),
    ("nps", "NPS"),
    ("first_response", "first response time"),
    ("resolution_first", "resolution time, first solved"),
    ("resolution_full", "resolution time, full"),
)


def _close(a: float | None, b: float | None, tolerance: float) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= tolerance


def compare(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """The figures that differ, as lines naming them and both values."""
    diffs = []
    for key, label in FIGURES:
        a, b = ours[key], theirs[key]
        if isinstance(a, int):
            if a != b:
                diffs.append(f"{label}: {a!r} vs {b!r}")
            continue
        if not isinstance(a, dict):
            if not _close(a, b, PERCENT_TOLERANCE):
                diffs.append(f"{label}: {a!r} vs {b!r}")
            continue
        for part in ("n", "open"):
            if a[part] != b[part]:
                diffs.append(f"{label} {part}: {a[part]!r} vs {b[part]!r}")
        for part in ("mean", "median", "p90"):
            if not _close(a[part], b[part], SECONDS_TOLERANCE):
                diffs.append(f"{label} {part}: {a[part]!r} vs {b[part]!r}")
    return diffs


def _fmt(x: float | None, digits: int = 2) -> str:
    return "none" if x is None else f"{x:,.{digits}f}"


def figure_rows(sides: Sequence[dict[str, Any]]) -> list[Row]:
    rows = []
    for key, label in FIGURES:
        values = [side[key] for side in sides]
        if isinstance(values[0], int):
            rows.append(Row(label, " | ".join(f"{v:,}" for v in values)))
            continue
        if not isinstance(values[0], dict):
            rows.append(Row(label, " | ".join(_fmt(v, 4) for v in values)))
            continue
        rows.append(
            Row(
                f"{label}: n / open",
                " | ".join(f"{v['n']:,} / {v['open']:,}" for v in values),
            )
        )
        rows.append(
            Row(
                f"{label}: mean / median / p90, s",
                " | ".join(
                    f"{_fmt(v['mean'])} / {_fmt(v['median'])} / {_fmt(v['p90'])}" for v in values
                ),
            )
        )
    return rows


def _rss(side: dict[str, Any]) -> tuple[int | None, int | None]:
    return side["rss_peak"], side["rss_growth"]


def side_rows(side: dict[str, Any], lines: int) -> list[Row]:
    peak, growth = _rss(side)
    walls = side["walls"]
    runs = f"best of {len(walls)}" if len(walls) > 1 else "one run"
    rows = [
        Row(f"wall time, parsing included ({runs})", f"{side['wall_s']:,.2f} s"),
        Row("interactions per second (lines read)", rate(lines, side["wall_s"])),
    ]
    if len(walls) > 1:
        rows.append(Row("  every run, s", " / ".join(f"{w:,.2f}" for w in walls)))
    if "read_s" in side:
        rows.append(Row("  of which read_json", f"{side['read_s']:,.2f} s"))
    if "parse_s" in side:
        share = side["parse_s"] / side["wall_s"]
        rows.append(
            Row(
                "  the reader alone (a pass of its own, after)",
                f"{side['parse_s']:,.2f} s ({share:.0%} of the wall time)",
            )
        )
    rows.append(Row("CPU time, user + sys (all threads)", f"{side['cpu_s']:,.2f} s"))
    rows += [
        Row("imports (not in the wall time)", f"{side['import_s']:,.2f} s"),
        Row("peak RSS (ru_maxrss), absolute", mb(peak)),
        Row("peak RSS growth over the baseline after imports", mb(growth)),
        Row(
            "  check: VmHWM absolute / growth",
            f"{mb(side['hwm_peak'])} / {mb(side['hwm_growth'])}",
        ),
    ]
    return rows


def _times(ratio: float, more: str, less: str) -> str:
    if ratio >= 1:
        return f"{ratio:,.2f}x {more}"
    return f"{1 / ratio:,.2f}x {less}"


def report(
    args: argparse.Namespace,
    path: Path,
    meta: dict[str, Any] | None,
    ours: dict[str, Any] | None,
    theirs: dict[str, Any] | None,
) -> int:
    size = path.stat().st_size
    lines = _count_lines(path)
    mix = ""
    if meta is not None:
        channels = meta["case_channels"]
        total = sum(channels.values()) or 1
        mix = ", ".join(f"{c} {v / total:.0%}" for c, v in channels.items())
    cases = meta["cases"] if meta is not None else None
    if cases is None and theirs is not None and "error" not in theirs:
        cases = theirs["cases"]
    header = [
        f"file {path}",
        f"lines {lines:,}; bytes {size:,} ({mb(size)}); cases (distinct case_id) {_count(cases)}"
        + (f"; {START.date()} to {meta['end'][:10]}" if meta is not None else "")
        + f"; seed {args.seed}"
        + ("; --quick" if args.quick else ""),
    ]
    if meta is not None:
        types = ", ".join(f"{k} {v / meta['lines']:.1%}" for k, v in meta["types"].items())
        header += [
            f"cases by channel: {mix}; proactive {meta['proactive_cases']:,}",
            f"lines by type: {types} (dup: a repeated line)",
        ]
    header.append(machine(("pandas", "pyarrow", "numpy", "pydantic")))
    if theirs is not None:
        header.append(
            f"pandas side: read_json(lines=True, engine={args.pandas_engine!r}"
            + (
                ""
                if args.pandas_dtype_backend == "numpy"
                else f", dtype_backend={args.pandas_dtype_backend!r}"
            )
            + ")"
        )
    sections: list[tuple[str, list[Row]]] = []
    failed = False
    for name, side in (
        (f"omnicontext: {args.reader} reader + compute (full suite, by channel)", ours),
        ("pandas: read_json + vectorised groupby (four KPIs, overall)", theirs),
    ):
        if side is None:
            continue
        if "error" in side:
            sections.append((name, [Row("result", side["error"][:300])]))
            failed = failed or not side.get("unavailable", False)
        else:
            sections.append((name, side_rows(side, lines)))
    ok_ours = ours is not None and "error" not in ours
    ok_theirs = theirs is not None and "error" not in theirs
    diffs: list[str] = []
    if ok_ours and ok_theirs:
        assert ours is not None
        assert theirs is not None
        diffs = compare(ours["figures"], theirs["figures"])
        rows = figure_rows([ours["figures"], theirs["figures"]])
        rows.append(
            Row(
                "the two agree (counts exactly, s within 1e-6, % within 1e-9)",
                "yes" if not diffs else f"NO: {len(diffs)} figures differ",
            )
        )
        sections.append(("figures: omnicontext | pandas", rows))
        speed = theirs["wall_s"] / ours["wall_s"]
        peak_o, growth_o = _rss(ours)
        peak_p, growth_p = _rss(theirs)
        target_rows = [
            Row(
                "omnicontext vs pandas, wall time",
                _times(speed, "faster", "slower"),
                "at least as fast as pandas, parsing included",
                verdict(speed >= TARGET_SPEED_RATIO),
            )
        ]
        for label, o, p in (("peak RSS growth", growth_o, growth_p), ("peak RSS", peak_o, peak_p)):
            if o and p:
                target_rows.append(
                    Row(
                        f"omnicontext vs pandas, {label}",
                        _times(p / o, "less", "more"),
                        "under a quarter of pandas'",
                        verdict(p / o > TARGET_MEMORY_RATIO),
                    )
                )
        sections.append(("omnicontext vs pandas", target_rows))
    elif ok_theirs:
        assert theirs is not None
        sections.append(("figures: pandas", figure_rows([theirs["figures"]])))
    print_table("omnicontext KPI benchmark", header, sections)
    for side in (ours, theirs):
        if side is not None and "stderr" in side:
            print(side["stderr"])
    if ok_ours and ok_theirs:
        assert ours is not None
        assert theirs is not None
        speed = theirs["wall_s"] / ours["wall_s"]
        peak_o, growth_o = _rss(ours)
        peak_p, growth_p = _rss(theirs)
        memory = _times(growth_p / growth_o, "less", "more") if growth_o and growth_p else "n/a"
        print(
            f"omnicontext vs pandas: {_times(speed, 'faster', 'slower')}, memory {memory} "
            "(peak RSS growth)"
        )
        print("the figures agree" if not diffs else "the figures DIFFER:\n  " + "\n  ".join(diffs))
    notes = (
        "notes: each side runs alone in a fresh child process, --repeat times; wall time runs "
        "from opening the file to the last figure, the fastest run shown; peak RSS is ru_maxrss "
        "of that child at the end, its growth is over ru_maxrss right after the imports and a "
        "gc.collect(), the largest of the runs shown; VmHWM is the same peak as Linux counts "
        "it for the child's own address space; CPU time above wall time means several threads "
        "(pyarrow's JSON reader uses every core); omnicontext computes "
        "its whole suite with the by-channel breakdown, pandas only the four compared KPIs, "
        "overall; the pandas side parses only the two times it uses (occurred_at, "
        "answered_at), and keeps the first line of a duplicated id."
    )
    print(textwrap.fill(notes, width=100))
    return 1 if failed or diffs else 0


def _count(n: int | None) -> str:
    return "n/a" if n is None else f"{n:,}"


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as handle:
        for raw in handle:
            if raw.strip():
                count += 1
    return count


# -- main ---------------------------------------------------------------------------------


def _status(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _data_path(args: argparse.Namespace) -> Path:
    if args.data is not None:
        return Path(args.data)
    folder = Path(tempfile.gettempdir()) / "omnicontext-bench-kpi"
    folder.mkdir(exist_ok=True)
    return folder / f"interactions-{args.interactions}-{args.seed}-g{GENERATOR_VERSION}.jsonl"


def prepare(args: argparse.Namespace) -> tuple[Path, dict[str, Any] | None]:
    """The input file, generated in a child unless it is already there, and its meta."""
    path = _data_path(args)
    meta_path = path.with_name(path.name + ".meta.json")
    if path.exists() and not args.regenerate:
        _status(f"reusing {path}")
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else None
        return path, meta
    _status(f"generating {args.interactions:,} interactions into {path} ...")
    meta = _child(["--child-generate", str(path), str(args.interactions), str(args.seed)])
    if "error" in meta:
        raise SystemExit(f"generating the input failed: {meta['error']}")
    _status(
        f"  {meta['lines']:,} lines, {meta['cases']:,} cases in {meta['seconds']:,.1f} s; "
        f"{meta['validated']:,} lines validated"
    )
    return path, meta


def _child(args: Sequence[str]) -> dict[str, Any]:
    """This script in a fresh interpreter with ``args`` (see ``_report.run_child``)."""
    return run_child(__file__, args, timeout=CHILD_TIMEOUT_S)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20260105)
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_INTERACTIONS:,} interactions"
    )
    parser.add_argument("--data", help="the JSON Lines file: reused if it exists, else written")
    parser.add_argument("--regenerate", action="store_true", help="write the file even if cached")
    parser.add_argument(
        "--pandas-engine", choices=("pyarrow", "ujson"), default="pyarrow", help="read_json engine"
    )
    parser.add_argument(
        "--pandas-dtype-backend",
        choices=("numpy", "numpy_nullable", "pyarrow"),
        default="numpy",
        help="read_json dtype_backend (numpy: pandas' default dtypes)",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="fresh runs per side (default 3; the best counts)"
    )
    parser.add_argument("--only", choices=("omnicontext", "pandas"), help="run one side only")
    parser.add_argument("--child-generate", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument(
        "--reader",
        choices=("fast", "models"),
        default="fast",
        help="omnicontext's reader: scan_jsonl (msgspec records, default) or the models",
    )
    parser.add_argument("--child-omnicontext", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child-pandas", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    result: dict[str, Any] | None = None
    if args.child_generate:
        path, n, seed = args.child_generate
        result = generate_child(path, int(n), int(seed))
    elif args.child_omnicontext:
        result = omnicontext_child(*args.child_omnicontext)
    elif args.child_pandas:
        result = pandas_child(*args.child_pandas)
    if result is not None:
        print(json.dumps(result))
        return 0

    if args.quick:
        args.interactions = QUICK_INTERACTIONS
    path, meta = prepare(args)
    ours = theirs = None
    if args.only != "pandas":
        _status(f"omnicontext: {args.reader} reader + compute (child process) ...")
        ours = run_side(["--child-omnicontext", str(path), args.reader], args.repeat)
    if args.only != "omnicontext":
        _status("pandas: read_json + groupby (child process) ...")
        theirs = run_side(
            ["--child-pandas", str(path), args.pandas_engine, args.pandas_dtype_backend],
            args.repeat,
        )
    return report(args, path, meta, ours, theirs)


if __name__ == "__main__":
    sys.exit(main())
