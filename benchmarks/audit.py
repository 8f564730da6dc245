"""Audit benchmark: the consistency audit and the risk report over a large SQLiteStore.

Run from the project root::

    .venv/bin/python benchmarks/audit.py            # 100,000 then 1,000,000 interactions
    .venv/bin/python benchmarks/audit.py --quick    # 100,000 interactions only

``--size N`` measures that size instead (repeat it: ``--size 100000 --size
300000``), ``--seed`` sets the input, ``--heap`` where the Python heap is
traced (below), ``--profile`` prints the top functions of the audit
(cProfile, over the smallest store).

The catalog: 500 approved answers, one per intent (25 topics by 20 kinds of
product: ``refund_express``, ``card_student``...), each an opening, one to three
facts (money, durations, percentages, clock times) in sentences built from
word lists, one or two sentences of common support wording, and for some a
disclosure (``terms apply``); about 20% have an older version with another
figure, about 30% renderings for ``sms`` and ``social_public`` that keep the
facts and the disclosure (``Catalog.from_dict`` checks them; its build time is
printed).

The store, seeded: cases of 4 to 16 interactions over a year, on chat,
email, public and private social, SMS and phone (a quarter of them switch
channel once), with customers (saved), inbound messages, agent replies (about
40% of the interactions), calls on the phone, status changes and a few
surveys. Two cases in three carry an intent on their case document
(``store.cases.save``), most of them an intent of the catalog. Half of the
agent replies quote a catalog answer (the canonical text, or the channel's
rendering) between a greeting with the customer's name and a sign-off:
mostly the current version, some an older one, some with a wrong figure,
some without the disclosure; a third of those name the answer
(``answer_id``, and mostly ``answer_version``). The other half is free text,
a few of them shouting, with a figure, or with a forbidden phrase. Each size
is built once (``append_many`` in batches of 10,000) and used by every
measure; the 100,000 store holds the first cases of the 1,000,000 one (their
customers drawn from a pool of a twentieth of the size).

Measured, each in a fresh child process so that its memory is its own:

0. reading alone: ``chain.from_iterable(store.interactions.scan())`` to the end;
1. the consistency audit alone: ``audit_consistency(chain.from_iterable(
   store.interactions.scan()), catalog, intents=...)`` (the case intents as a
   dict, loaded before the clock starts);
2. the audit over the same interactions already in a list (read before the
   clock starts): auditing without reading;
3. the whole ``risk_report(store, as_of=..., catalog=catalog)``.

Wall time, throughput (interactions and replies per second) and peak RSS
(absolute: ``ru_maxrss`` of the child, whatever came before the clock too;
growth: Linux's ``VmHWM``, reset when the clock starts, less the RSS then)
come from a run without ``tracemalloc``; the peak of the Python heap
from a second run of 1-3 under ``tracemalloc``, two such runs at a time, their
wall time not shown (tracemalloc slows the audit down several times).
For the list, the heap is traced from after the list is read, so the figure
is the audit's own. ``--heap small`` (the default) traces at sizes up to
100,000 only, ``--heap all`` at every size (at 1,000,000 that adds about 13
minutes on two cores, past the 10-minute budget), ``--heap none`` never.
Then the ratios 1,000,000 / 100,000 of wall time (linear: about 10x,
quadratic: about 100x) and of the time per reply (linear: about 1x).

Last, ``AnswerIndex.match`` latency per reply: p50, p95 and p99 over 10,000
distinct replies (distinct words, so the index's cache never answers) on a
freshly built index, one call each.

Nothing here asserts on speed: the targets are printed next to the figures.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import itertools
import json
import pstats
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _report import (
    Row,
    machine,
    mb,
    print_table,
    reset_peak_rss,
    rss_now_bytes,
    rss_peak_bytes,
    run_child,
    verdict,
    vm_hwm_bytes,
)

from omnicontext.quality.catalog import Catalog

START = datetime(2026, 1, 1, tzinfo=UTC)
AS_OF = datetime(2027, 1, 15, tzinfo=UTC)
SMALL = 100_000
LARGE = 1_000_000
BATCH = 10_000
MATCH_SAMPLES = 10_000
CHILD_TIMEOUT_S = 3600
TARGET_LARGE_S = 600.0
"""The whole 1,000,000 run (the store built, every measure) stays well under this."""
LINEAR_RATIO = 10.0

# -- the catalog ----------------------------------------------------------------------

TOPICS = (
    "refund",
    "delivery",
    "card",
    "password",
    "subscription",
    "invoice",
    "account",
    "order",
    "return",
    "warranty",
    "loyalty",
    "booking",
    "insurance",
    "loan",
    "broadband",
    "mobile",
    "parcel",
    "payment",
    "transfer",
    "statement",
    "appointment",
    "membership",
    "voucher",
    "repair",
    "overdraft",
)
KINDS = (
    "express",
    "international",
    "business",
    "student",
    "premium",
    "standard",
    "family",
    "online",
    "instore",
    "overseas",
    "joint",
    "basic",
    "gold",
    "travel",
    "digital",
    "annual",
    "monthly",
    "trial",
    "corporate",
    "senior",
)
VERBS = (
    "update",
    "check",
    "cancel",
    "change",
    "confirm",
    "track",
    "renew",
    "review",
    "reset",
    "activate",
    "upgrade",
    "register",
    "claim",
    "replace",
    "collect",
    "arrange",
    "approve",
    "process",
    "verify",
    "download",
    "unlock",
    "close",
    "pause",
    "restore",
)
THINGS = (
    "request",
    "application",
    "statement",
    "details",
    "form",
    "balance",
    "address",
    "reference",
    "claim",
    "bill",
    "contract",
    "plan",
    "device",
    "limit",
    "profile",
    "settings",
    "receipt",
    "document",
    "label",
    "schedule",
    "certificate",
    "agreement",
    "allowance",
    "credit",
)
PLACES = (
    "app",
    "website",
    "online account",
    "nearest branch",
    "customer portal",
    "settings page",
    "help centre",
    "self-service area",
    "mobile app",
    "account page",
)
OPENERS = (
    "Thanks for getting in touch about your {k} {t}.",
    "Sorry for the trouble with your {k} {t}.",
    "Happy to help with your {k} {t}.",
    "Thanks for asking about the {k} {t}.",
    "We understand questions about the {k} {t} matter.",
    "Here is how the {k} {t} works.",
)
FACT_SENTENCES = {
    "money": (
        "The {thing} fee for the {k} {t} is {v}.",
        "It costs {v} to {verb} the {thing}.",
        "We charge {v} for each {k} {thing}.",
    ),
    "duration": (
        "We {verb} the {thing} within {v}.",
        "Please allow {v} for the {thing} to {verb}.",
        "It usually takes {v} to {verb} your {thing}.",
    ),
    "percent": (
        "You get {v} off the {k} {thing}.",
        "A {v} discount applies to the {thing}.",
        "Members save {v} on every {thing}.",
    ),
    "time": (
        "Our {t} team can {verb} the {thing} before {v}.",
        "Requests made before {v} are handled the same day.",
        "The {k} line answers until {v} on weekdays.",
    ),
}
RENDERED = {
    "money": "fee {v}",
    "duration": "within {v}",
    "percent": "{v} off",
    "time": "before {v}",
}
FILLERS = (
    "You can {verb} your {thing} in the {place} at any time.",
    "Once we {verb} your {thing}, we will {verb2} your {thing2} by email.",
    "If you need to {verb} the {thing}, sign in to the {place} and choose {thing2}.",
    "Keep your {thing} to hand so we can {verb} it quickly.",
    "Your {thing2} stays the same while we {verb} the {thing}.",
    "We will let you know as soon as we {verb} your {thing}.",
)
DISCLOSURES = (
    ("terms apply", "Terms apply."),
    ("fees may apply", "Fees may apply."),
    ("subject to status", "Subject to status and eligibility."),
    ("calls may be recorded", "Calls may be recorded for training."),
)
CATALOG_FORBIDDEN = ("calm down", "not our problem", "guaranteed approval")
ANSWER_FORBIDDEN = "no questions asked"


def _value(rng: random.Random, kind: str) -> str:
    if kind == "money":
        return f"£{rng.randrange(1, 200)}.{rng.choice(('00', '49', '50', '99'))}"
    if kind == "duration":
        unit, lo, hi = rng.choice((("days", 2, 60), ("business days", 2, 11), ("hours", 2, 72)))
        return f"{rng.randrange(lo, hi)} {unit}"
    if kind == "percent":
        return f"{rng.randrange(5, 51)}%"
    hour = rng.randrange(7, 22)
    return f"{hour}am" if hour < 12 else ("12pm" if hour == 12 else f"{hour - 12}pm")


def _other_value(rng: random.Random, kind: str, value: str, taken: set[str]) -> str:
    while True:
        candidate = _value(rng, kind)
        if candidate != value and candidate not in taken:
            return candidate


def _fill(template: str, rng: random.Random, topic: str, kind: str, value: str = "") -> str:
    verb, verb2 = rng.sample(VERBS, 2)
    thing, thing2 = rng.sample(THINGS, 2)
    text = template.format(
        k=kind,
        t=topic,
        v=value,
        verb=verb,
        verb2=verb2,
        thing=thing,
        thing2=thing2,
        place=rng.choice(PLACES),
    )
    return text[0].upper() + text[1:]


def catalog_data(seed: int) -> dict[str, Any]:
    """The 500 answers (and older versions) as ``Catalog.from_dict`` reads them."""
    rng = random.Random(seed)
    answers: list[dict[str, Any]] = []
    for topic, kind in itertools.product(TOPICS, KINDS):
        ident = f"{topic}-{kind}"
        kinds = rng.sample(tuple(FACT_SENTENCES), rng.choice((1, 1, 2, 2, 3)))
        values = {k: _value(rng, k) for k in kinds}
        # Fact sentences with the figure left open: versions differ by the figure alone.
        open_facts = [
            (k, _fill(rng.choice(FACT_SENTENCES[k]), rng, topic, kind, "{v}")) for k in kinds
        ]
        opener = _fill(rng.choice(OPENERS), rng, topic, kind)
        fillers = [_fill(f, rng, topic, kind) for f in rng.sample(FILLERS, rng.randrange(1, 3))]
        disclosure = rng.choice(DISCLOSURES) if rng.random() < 0.3 else None
        end = [*fillers, *([] if disclosure is None else [disclosure[1]])]

        def text(vals: dict[str, str], facts: list[tuple[str, str]] = open_facts) -> str:
            return " ".join(sentence.replace("{v}", vals[k]) for k, sentence in facts)

        entry: dict[str, Any] = {
            "id": ident,
            "intent": f"{topic}_{kind}",
            "title": f"{kind} {topic}",
            "text": " ".join((opener, text(values), *end)),
        }
        if disclosure is not None:
            entry["disclosures"] = [disclosure[0]]
        if rng.random() < 0.1:
            entry["forbidden"] = [ANSWER_FORBIDDEN]
        if rng.random() < 0.3:
            short = "; ".join(RENDERED[k].format(v=values[k]) for k in kinds)
            tail = f" {disclosure[1]}" if disclosure is not None else ""
            head = f"{kind.capitalize()} {topic}: {short}."
            entry["renderings"] = {
                "sms": head + tail,
                "social_public": f"{head} Details in the {rng.choice(PLACES)}.{tail}",
            }
        if rng.random() < 0.2:
            changed = rng.choice(kinds)
            old = dict(values)
            old[changed] = _other_value(rng, changed, values[changed], set())
            older = {k: v for k, v in entry.items() if k != "renderings"}
            answers.append({**older, "version": 1, "text": " ".join((opener, text(old), *end))})
            entry["version"] = 2
        else:
            entry["version"] = 1
        answers.append(entry)
    return {"answers": answers, "forbidden": list(CATALOG_FORBIDDEN)}


def build_catalog(seed: int) -> Any:
    from omnicontext.quality.catalog import Catalog

    return Catalog.from_dict(catalog_data(seed))


# -- the store ------------------------------------------------------------------------

CHANNELS = ("chat", "email", "social_public", "social_private", "sms", "phone")
CHANNEL_WEIGHTS = (30, 28, 10, 10, 8, 14)
SWITCH_TO = {
    "chat": "phone",
    "email": "phone",
    "social_public": "social_private",
    "social_private": "chat",
    "sms": "phone",
    "phone": "email",
}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


NAMES = _words(
    "Sam Alex Jo Priya Omar Mei Lucas Ana Tom Grace Ivan Zoe Ben Lila Noah Aisha Leo Nora "
    "Ravi Emma Kofi Sara Finn Yara Hugo Ines Theo Maya Dan Ruth Ali Chloe Max Elena Kai Rosa"
)
CUSTOMER_WORDS = _words(
    "hello hi thanks please order card blocked abroad refund delivery parcel late missing "
    "invoice account password reset login app crashes again payment failed twice charged "
    "subscription cancel upgrade plan address change verify code never arrived warranty "
    "broken screen replacement tracking waiting since yesterday urgent help today check "
    "status ticket still open called back appointment monday friday morning weekend"
)
AGENT_WORDS = _words(
    "thanks sorry understand check looked into your account order request team colleague "
    "update confirm details shortly today tomorrow escalate passed specialist reference "
    "follow appreciate patience apologies inconvenience resolved fixed sent email link "
    "reset again please try restart app branch address payment review received"
)
GREETINGS = ("Hi {name},", "Hello {name}!", "Dear {name},", "Hey {name}.", "Thanks {name}!", "")
SIGN_OFFS = (
    "Thanks, {agent}",
    "Kind regards, {agent}",
    "Best wishes, {agent} from the support team",
    "Have a great day!",
    "Anything else, just reply here.",
    "",
)
INTENT_SHARE = 2 / 3
CATALOG_INTENT_SHARE = 0.9
QUOTE_SHARE = 0.5
OLD_VERSION_SHARE = 0.3
WRONG_FIGURE_SHARE = 0.05
DROP_DISCLOSURE_SHARE = 0.2
NAMED_SHARE = 1 / 3
NAMED_VERSION_SHARE = 0.75


class Generator:
    """Cases, their interactions and documents, seeded; the same seed gives
    the same cases in the same order whatever the size."""

    def __init__(self, seed: int, catalog: Any, customers: int) -> None:
        self.rng = random.Random(seed)
        self.customer_rng = random.Random(seed + 1)
        self.catalog = catalog
        self.answers = list(catalog)
        self.by_intent = {a.intent: a for a in self.answers}
        self.intents = sorted(self.by_intent)
        self.customers = customers
        self.agents = [f"ag_{k:03d}" for k in range(200)]

    # text

    def _words(self, words: Sequence[str], lo: int, hi: int) -> str:
        rng = self.rng
        return " ".join(rng.choice(words) for _ in range(rng.randrange(lo, hi)))

    def customer_text(self) -> str:
        rng = self.rng
        text = self._words(CUSTOMER_WORDS, 4, 18).capitalize() + rng.choice(".?!")
        if rng.random() < 0.1:
            text += f" Order {rng.randrange(10**8, 10**9)}."
        return text

    def free_reply(self, name: str, agent: str) -> str:
        rng = self.rng
        sentences = [
            self._words(AGENT_WORDS, 5, 14).capitalize() + "." for _ in range(rng.randrange(1, 4))
        ]
        roll = rng.random()
        if roll < 0.10:
            sentences.append(
                rng.choice(
                    (
                        f"The refund of £{rng.randrange(5, 80)}.00 is on its way.",
                        f"It should arrive within {rng.randrange(2, 15)} days.",
                        f"We are open until {rng.randrange(5, 9)}pm today.",
                        f"You will get {rng.choice((10, 15, 20))}% off next time.",
                    )
                )
            )
        elif roll < 0.105:
            sentences.append("PLEASE READ OUR PREVIOUS MESSAGE AGAIN BEFORE REPLYING")
        elif roll < 0.115:
            sentences.append("We have already done this!!!")
        elif roll < 0.118:
            sentences.append(f"Please {rng.choice(CATALOG_FORBIDDEN)}, we are on it.")
        return self._wrap(" ".join(sentences), name, agent)

    def _wrap(self, body: str, name: str, agent: str) -> str:
        rng = self.rng
        greeting = rng.choice(GREETINGS).format(name=name)
        sign_off = rng.choice(SIGN_OFFS).format(agent=agent.replace("ag_", "Agent "))
        return " ".join(part for part in (greeting, body, sign_off) if part)

    def quoted_reply(
        self, answer: Any, channel: str, name: str, agent: str
    ) -> tuple[str, Any, str]:
        """A reply written from ``answer`` (or an older version of it): the text,
        the version used, and what was done to it."""
        rng = self.rng
        versions = self.catalog.versions(answer.id)
        used = answer
        how = "current"
        if len(versions) > 1 and rng.random() < OLD_VERSION_SHARE:
            used = versions[0]
            how = "old version"
        body = used.renderings.get(channel, used.text)
        roll = rng.random()
        if roll < WRONG_FIGURE_SHARE and used.facts:
            kind, _ = rng.choice(sorted(used.facts))
            body = self._wrong_figure(body, kind)
            how = "wrong figure"
        elif used.disclosures and roll < WRONG_FIGURE_SHARE + DROP_DISCLOSURE_SHARE:
            for _, written in DISCLOSURES:
                body = body.replace(" " + written, "")
            how = "no disclosure"
        return self._wrap(body, name, agent), used, how

    def _wrong_figure(self, body: str, kind: str) -> str:
        from omnicontext.quality.facts import extract_facts

        for fact in extract_facts(body):
            if fact.kind.value == kind:
                other = _other_value(self.rng, kind, fact.text, {fact.text})
                return body[: fact.start] + other + body[fact.end :]
        return body

    # cases

    def cases(self) -> Iterator[tuple[Any, list[Any], dict[str, list[str]]]]:
        """Endless cases: (case document, interactions, what each interaction
        is, by id)."""
        from omnicontext.model import Call, Case, Message, StatusChange, Survey

        rng = self.rng
        number = 0
        span = 365 * 86400
        while True:
            marks: dict[str, list[str]] = {}
            case_id = f"case_{number:08d}"
            number += 1
            customer = f"cus_{self.customer_rng.randrange(self.customers):07d}"
            name = rng.choice(NAMES)
            agent = rng.choice(self.agents)
            first = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
            size = rng.randrange(4, 17)
            switch_at = rng.randrange(2, size) if rng.random() < 0.25 else size
            intent = None
            if rng.random() < INTENT_SHARE:
                intent = (
                    rng.choice(self.intents)
                    if rng.random() < CATALOG_INTENT_SHARE
                    else rng.choice(("general_enquiry", "complaint", "feedback"))
                )
            answer = self.by_intent.get(intent or "") or rng.choice(self.answers)
            at = START + timedelta(seconds=rng.randrange(span))
            items: list[Any] = []
            for k in range(size):
                at += timedelta(seconds=rng.randrange(30, 4 * 3600))
                channel = first if k < switch_at else SWITCH_TO[first]
                ident = f"{case_id}-{k:02d}"
                common = {
                    "id": ident,
                    "occurred_at": at,
                    "channel": channel,
                    "case_id": case_id,
                    "customer_id": customer,
                }
                if k == size - 1:
                    items.append(
                        StatusChange(
                            **common,
                            actor="agent",
                            agent_id=agent,
                            status=rng.choice(("solved", "solved", "solved", "pending")),
                        )
                    )
                    marks.setdefault(ident, []).append("status")
                    continue
                roll = rng.random()
                if channel == "phone" and (k == 0 or roll < 0.5):
                    answered = at + timedelta(seconds=rng.randrange(5, 300))
                    abandoned = rng.random() < 0.08
                    items.append(
                        Call(
                            **common,
                            actor="customer",
                            direction="inbound",
                            agent_id=None if abandoned else agent,
                            answered_at=None if abandoned else answered,
                            ended_at=None
                            if abandoned
                            else answered + timedelta(seconds=rng.randrange(60, 1200)),
                        )
                    )
                    marks.setdefault(ident, []).append("call")
                elif k == 0 or roll < 0.42:
                    items.append(
                        Message(
                            **common,
                            actor="customer",
                            direction="inbound",
                            body=self.customer_text(),
                        )
                    )
                    marks.setdefault(ident, []).append("inbound")
                elif roll < 0.975:
                    extra: dict[str, Any] = {}
                    if rng.random() < QUOTE_SHARE:
                        body, used, how = self.quoted_reply(answer, channel, name, agent)
                        marks.setdefault(ident, []).append(f"quoted: {how}")
                        if rng.random() < NAMED_SHARE:
                            extra["answer_id"] = used.id
                            if rng.random() < NAMED_VERSION_SHARE:
                                extra["answer_version"] = used.version
                            marks.setdefault(ident, []).append("quoted: named")
                    else:
                        body = self.free_reply(name, agent)
                        marks.setdefault(ident, []).append("free text")
                    items.append(
                        Message(
                            **common,
                            actor="agent",
                            agent_id=agent,
                            direction="outbound",
                            body=body,
                            **extra,
                        )
                    )
                    marks.setdefault(ident, []).append("reply")
                else:
                    items.append(Survey(**common, actor="customer", csat=rng.randrange(1, 6)))
                    marks.setdefault(ident, []).append("survey")
            doc = Case(
                id=case_id,
                customer_id=customer,
                subject=self._words(CUSTOMER_WORDS, 2, 5).capitalize(),
                intent=intent,
                created_at=items[0].occurred_at,
            )
            yield doc, items, marks


def build_store(path: Path, size: int, seed: int, catalog: Any) -> dict[str, Any]:
    """Write ``size`` interactions (the first cases of the seed) into a new
    store at ``path`` and the case intents beside it; the build figures."""
    from omnicontext.model import Customer
    from omnicontext.storage import SQLiteStore

    started = time.perf_counter()
    generator = Generator(seed, catalog, customers=max(1, size // 20))
    store = SQLiteStore(path)
    batch: list[Any] = []
    docs: list[Any] = []
    intents: dict[str, str] = {}
    customers: set[str] = set()
    tally: Counter[str] = Counter()
    written = cases = 0

    def flush() -> None:
        nonlocal batch, docs
        store.interactions.append_many(batch)
        with store.transaction():
            for doc in docs:
                store.cases.save(doc)
        batch, docs = [], []

    for doc, items, marks in generator.cases():
        if written + len(items) > size:
            items = items[: size - written]
            if not items:
                break
        batch.extend(items)
        docs.append(doc)
        written += len(items)
        cases += 1
        for item in items:
            tally.update(marks.get(item.id, ()))
        customers.add(doc.customer_id)
        if doc.intent is not None:
            intents[doc.id] = doc.intent
        if len(batch) >= BATCH:
            flush()
        if written >= size:
            break
    flush()
    with store.transaction():
        for customer in sorted(customers):
            store.customers.save(Customer(id=customer, display_name=f"Customer {customer[4:]}"))
    count = store.interactions.count()
    store.close()
    seconds = time.perf_counter() - started
    intents_path = path.with_suffix(".intents.json")
    intents_path.write_text(json.dumps(intents))
    return {
        "seconds": seconds,
        "interactions": count,
        "cases": cases,
        "customers": len(customers),
        "with_intent": len(intents),
        "bytes": path.stat().st_size,
        "tally": dict(tally),
    }


# -- the measures (each in a child process) -------------------------------------------


def _memory(base: int | None, hwm_reset: bool) -> dict[str, int | None]:
    """Peak RSS (``ru_maxrss``) and its growth: Linux's ``VmHWM``, reset when
    the clock started, less the RSS then."""
    hwm = vm_hwm_bytes() if hwm_reset else None
    return {
        "rss_peak": rss_peak_bytes(),
        "rss_growth": None if hwm is None or base is None else max(0, hwm - base),
    }


def measure_child(what: str, db: str, seed: int, trace: bool) -> dict[str, Any]:
    """One measure in this (fresh) process: ``audit`` (read from the store),
    ``list`` (read before the clock) or ``risk`` (the whole report)."""
    from omnicontext.quality.audit import audit_consistency
    from omnicontext.risk.report import risk_report
    from omnicontext.storage import SQLiteStore

    catalog = build_catalog(seed)
    store = SQLiteStore(db)
    intents: dict[str, str] = json.loads(Path(db).with_suffix(".intents.json").read_text())
    interactions = store.interactions.count()
    items: list[Any] = []
    if what == "list":
        items = list(itertools.chain.from_iterable(store.interactions.scan()))
    gc.collect()
    base = rss_now_bytes()
    hwm_reset = reset_peak_rss()
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    out: dict[str, Any]
    if what == "read":
        read = sum(1 for _ in itertools.chain.from_iterable(store.interactions.scan()))
        wall = time.perf_counter() - t0
        store.close()
        return {
            "wall_s": wall,
            "interactions": read,
            **_memory(base, hwm_reset),
        }
    if what == "risk":
        report = risk_report(store, as_of=AS_OF, catalog=catalog)
        audit = report.consistency
        out = {
            "severities": {r.key: r.severity.value for r in report.risks},
            "read": report.interactions,
        }
    else:
        source = (
            items if what == "list" else itertools.chain.from_iterable(store.interactions.scan())
        )
        audit = audit_consistency(source, catalog, intents=intents)
        out = {}
    wall = time.perf_counter() - t0
    heap_peak = None
    if trace:
        _, heap_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    memory = _memory(base, hwm_reset)
    store.close()
    return {
        **out,
        "wall_s": wall,
        "interactions": interactions,
        "replies": audit.replies,
        "matched": dict(audit.matched),
        "findings": len(audit.findings),
        "by_kind": dict(audit.findings_by_kind),
        **memory,
        "heap_peak": heap_peak,
    }


def profile_audit(db: str, seed: int, top: int = 15) -> str:
    """The audit over ``db`` under cProfile: the top functions by own time."""
    from omnicontext.quality.audit import audit_consistency
    from omnicontext.storage import SQLiteStore

    catalog = build_catalog(seed)
    store = SQLiteStore(db)
    intents = json.loads(Path(db).with_suffix(".intents.json").read_text())
    profiler = cProfile.Profile()
    profiler.enable()
    audit_consistency(
        itertools.chain.from_iterable(store.interactions.scan()), catalog, intents=intents
    )
    profiler.disable()
    store.close()
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(top)
    return buffer.getvalue()


def match_latency(seed: int, catalog: Any) -> dict[str, Any]:
    """``AnswerIndex.match`` over 10,000 distinct replies on a new index."""
    from omnicontext.quality.matching import AnswerIndex, tokens

    generator = Generator(seed + 7, catalog, customers=1000)
    rng = generator.rng
    texts: list[str] = []
    seen: set[tuple[str, ...]] = set()
    quoted = 0
    while len(texts) < MATCH_SAMPLES:
        name = f"{rng.choice(NAMES)} {rng.choice(NAMES)}son"
        agent = rng.choice(generator.agents)
        if rng.random() < QUOTE_SHARE:
            answer = rng.choice(generator.answers)
            channel = rng.choice(CHANNELS)
            text, _, _ = generator.quoted_reply(answer, channel, name, agent)
            is_quote = True
        else:
            text = generator.free_reply(name, agent)
            is_quote = False
        key = tokens(text)
        if key in seen:
            continue
        seen.add(key)
        texts.append(text)
        quoted += is_quote
    t0 = time.perf_counter()
    index = AnswerIndex(catalog)
    build = time.perf_counter() - t0
    samples: list[float] = []
    found = 0
    for text in texts:
        t = time.perf_counter_ns()
        match = index.match(text)
        samples.append((time.perf_counter_ns() - t) / 1e3)
        found += match is not None
    return {"build_s": build, "samples": samples, "found": found, "quoted": quoted}


# -- report ---------------------------------------------------------------------------


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f}/s" if seconds > 0 else "inf"


def _child(args: Sequence[str]) -> dict[str, Any]:
    return run_child(__file__, args, timeout=CHILD_TIMEOUT_S)


def _status(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


MEASURES = (("audit", "audit"), ("list", "audit, list"), ("risk", "risk_report"))


def measure_rows(label: str, side: dict[str, Any]) -> list[Row]:
    if "error" in side:
        return [Row(f"{label}: failed", side["error"][:200])]
    wall = side["wall_s"]
    heap = side.get("heap_peak")
    return [
        Row(f"{label}: wall time", f"{wall:,.2f} s"),
        Row(
            f"{label}: throughput",
            f"{_rate(side['interactions'], wall)} interactions, "
            f"{_rate(side['replies'], wall)} replies",
        ),
        Row(f"{label}: time per reply", f"{1e6 * wall / max(1, side['replies']):,.0f} µs"),
        Row(
            f"{label}: Python heap peak (tracemalloc)",
            "not traced at this size (--heap all)" if heap is None else mb(heap),
        ),
        Row(
            f"{label}: peak RSS, absolute / growth while timed",
            f"{mb(side['rss_peak'])} / {mb(side['rss_growth'])}",
        ),
    ]


def _findings(side: dict[str, Any]) -> str:
    kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(side["by_kind"].items()))
    return f"{side['findings']:,}: {kinds}"


def build_rows(b: dict[str, Any]) -> list[Row]:
    tally = b["tally"]
    replies = tally.get("reply", 0)
    quotes = {
        k[8:]: v for k, v in tally.items() if k.startswith("quoted: ") and k != "quoted: named"
    }
    return [
        Row(
            "interactions / cases / customers",
            f"{b['interactions']:,} / {b['cases']:,} / {b['customers']:,}",
        ),
        Row("cases with an intent", f"{b['with_intent']:,}"),
        Row(
            "agent replies",
            f"{replies:,} ({replies / max(1, b['interactions']):.0%} of the interactions); "
            f"quoting an answer {sum(quotes.values()):,}, naming it "
            f"{tally.get('quoted: named', 0):,}",
        ),
        Row("  the quotes", ", ".join(f"{k} {v:,}" for k, v in sorted(quotes.items()))),
        Row(
            "built in (append_many, batches of 10,000)",
            f"{b['seconds']:,.1f} s ({_rate(b['interactions'], b['seconds'])})",
        ),
        Row("file", mb(b["bytes"])),
    ]


def size_rows(b: dict[str, Any], result: dict[str, dict[str, Any]]) -> list[Row]:
    rows = build_rows(b)
    read = result["read"]
    if "error" in read:
        rows.append(Row("reading alone: failed", read["error"][:200]))
    else:
        rows.append(
            Row(
                "reading alone (scan, no audit)",
                f"{read['wall_s']:,.2f} s ({_rate(read['interactions'], read['wall_s'])})",
            )
        )
    for what, label in MEASURES:
        rows += measure_rows(label, result[what])
    audit = result["audit"]
    if "error" not in audit:
        rows.append(Row("audit: findings", _findings(audit)))
        rows.append(
            Row(
                "audit: replies matched to an answer",
                ", ".join(f"by {k} {v:,}" for k, v in audit["matched"].items()),
            )
        )
    risk = result["risk"]
    if "error" not in risk:
        rows.append(
            Row(
                "risk_report: severities",
                ", ".join(f"{k} {v}" for k, v in risk["severities"].items()),
            )
        )
    return rows


def growth_rows(small: dict[str, dict[str, Any]], large: dict[str, dict[str, Any]]) -> list[Row]:
    rows = []
    for what, label in MEASURES:
        a, b = small[what], large[what]
        if "error" in a or "error" in b:
            continue
        ratio = b["wall_s"] / a["wall_s"]
        per_reply = (b["wall_s"] / b["replies"]) / (a["wall_s"] / a["replies"])
        rows.append(
            Row(
                f"{label}: wall time, 1M / 100k",
                f"{ratio:,.1f}x",
                "about 10x (linear), not 100x",
                verdict(ratio < 2 * LINEAR_RATIO),
            )
        )
        rows.append(Row(f"{label}: time per reply, 1M / 100k", f"{per_reply:,.2f}x", "about 1x"))
    return rows


def latency_rows(latency: dict[str, Any]) -> list[Row]:
    samples = latency["samples"]
    return [
        Row("index built in", f"{latency['build_s'] * 1000:,.0f} ms"),
        Row(
            "per reply",
            f"p50 {statistics.median(samples):,.0f} µs, p95 {_pct(samples, 0.95):,.0f} µs, "
            f"p99 {_pct(samples, 0.99):,.0f} µs, max {max(samples):,.0f} µs",
        ),
        Row(
            "matched",
            f"{latency['found']:,} of {len(samples):,} "
            f"({latency['quoted']:,} quote an answer, the others are free text)",
        ),
    ]


def _summary(side: dict[str, Any]) -> str:
    if "error" in side:
        return str(side["error"])
    replies = side.get("replies")
    return (
        f"{side['wall_s']:,.2f} s, {side['interactions']:,} interactions"
        + ("" if replies is None else f", {replies:,} replies, {side['findings']:,} findings")
        + f", peak RSS {mb(side['rss_peak'])}"
    )


def _traced(jobs: list[tuple[int, str, Path]], seed: int) -> dict[tuple[int, str], Any]:
    """The tracemalloc runs, two at a time (only their heap peak is kept)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            (size, what): pool.submit(_child, ["--child", what, str(db), str(seed), "--trace"])
            for size, what, db in jobs
        }
        heaps = {key: future.result().get("heap_peak") for key, future in futures.items()}
    for (size, what), heap in heaps.items():
        _status(f"  {size:,} {what}: Python heap peak {mb(heap)}")
    return heaps


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{SMALL:,} interactions only")
    parser.add_argument("--size", type=int, action="append", help="a size to measure (repeatable)")
    parser.add_argument("--seed", type=int, default=20260301)
    parser.add_argument(
        "--heap",
        choices=("small", "all", "none"),
        default="small",
        help=f"trace the Python heap at sizes up to {SMALL:,} (default), at every size, or never",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the audit, first size")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        what, db, seed = args.child
        print(json.dumps(measure_child(what, db, int(seed), args.trace)))
        return 0

    started = time.perf_counter()
    sizes = sorted(set(args.size or ([SMALL] if args.quick else [SMALL, LARGE])))
    t0 = time.perf_counter()
    data = catalog_data(args.seed)
    t1 = time.perf_counter()
    catalog = Catalog.from_dict(data)
    catalog_s = time.perf_counter() - t1
    facts = Counter(kind for a in catalog for kind, _ in a.facts)

    builds: dict[int, dict[str, Any]] = {}
    results: dict[int, dict[str, dict[str, Any]]] = {}
    profile = ""
    with tempfile.TemporaryDirectory(prefix="omnicontext-audit-") as folder:
        stores = {size: Path(folder) / f"store-{size}.db" for size in sizes}
        for size, db in stores.items():
            _status(f"{size:,}: building the store ...")
            builds[size] = build_store(db, size, args.seed, catalog)
            results[size] = {}
            for what in ("read", *(w for w, _ in MEASURES)):
                _status(f"{size:,}: {what} ...")
                results[size][what] = _child(["--child", what, str(db), str(args.seed)])
                _status(f"  {_summary(results[size][what])}")
        traced = [
            (size, what, db)
            for size, db in stores.items()
            if args.heap == "all" or (args.heap == "small" and size <= SMALL)
            for what, _ in MEASURES
        ]
        if traced:
            _status(f"tracemalloc runs ({len(traced)}, two at a time) ...")
            for (size, what), heap in _traced(traced, args.seed).items():
                results[size][what]["heap_peak"] = heap
        if args.profile:
            _status("profiling ...")
            profile = profile_audit(str(stores[sizes[0]]), args.seed)
    _status("AnswerIndex.match latency ...")
    latency = match_latency(args.seed, catalog)
    total_s = time.perf_counter() - started

    sections: list[tuple[str, list[Row]]] = [
        (
            "catalog",
            [
                Row("answers (ids) / versions", f"{len(catalog):,} / {len(catalog.answers):,}"),
                Row(
                    "with renderings (sms, social_public)",
                    f"{sum(1 for a in catalog if a.renderings):,}",
                ),
                Row("with a disclosure", f"{sum(1 for a in catalog if a.disclosures):,}"),
                Row(
                    "facts (current versions)",
                    ", ".join(f"{k} {v:,}" for k, v in sorted(facts.items())),
                ),
                Row("generated in", f"{(t1 - t0) * 1000:,.0f} ms"),
                Row("Catalog.from_dict (checks included)", f"{catalog_s * 1000:,.0f} ms"),
            ],
        )
    ]
    for size in sizes:
        sections.append((f"{size:,} interactions", size_rows(builds[size], results[size])))
    if SMALL in results and LARGE in results:
        sections.append(("growth", growth_rows(results[SMALL], results[LARGE])))
    sections.append(
        (
            f"AnswerIndex.match, {len(latency['samples']):,} distinct replies, a new index",
            latency_rows(latency),
        )
    )
    sections.append(
        (
            "this run",
            [
                Row(
                    "total wall time (stores built, every measure)",
                    f"{total_s:,.0f} s",
                    f"well under {TARGET_LARGE_S:,.0f} s at 1M",
                    verdict(total_s < TARGET_LARGE_S) if LARGE in results else "",
                )
            ],
        )
    )
    print_table(
        "omnicontext audit benchmark",
        [
            machine(["pydantic"]),
            f"seed {args.seed}; sizes {', '.join(f'{s:,}' for s in sizes)}"
            + ("; --quick" if args.quick else ""),
            "each measure in its own process; wall time and peak RSS from a run without "
            "tracemalloc (absolute: ru_maxrss; growth while timed: VmHWM reset at the start, "
            "less the RSS then); the Python heap peak (tracemalloc) from a second run",
        ],
        sections,
    )
    if profile:
        print(profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
