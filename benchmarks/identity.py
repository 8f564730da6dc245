"""Identity benchmark: normalisation and ``resolve_many`` over a multi-system export.

Run from the project root::

    .venv/bin/python benchmarks/identity.py            # 1,000,000 records (several minutes)
    .venv/bin/python benchmarks/identity.py --quick    # 50,000 records (under a minute)

``--records N`` sets the size, ``--seed`` the input, ``--traced N`` the size of
the tracemalloc run, ``--profile`` adds a cProfile of ``resolve_many``.

What it measures, in this order, printing one plain-text table at the end:

1. generating the input (timed, but part of no rate): ``SourceRecord`` objects
   from three simulated systems, each record holding 1-3 raw identifiers as
   people type them;
2. normalisation alone: ``normalize_identity`` over every raw identifier, per
   kind (count, seconds, microseconds per call, rejected values), and whether
   every spelling of one generated identifier gave one key of its own;
3. the whole ``resolve_many(records, region="GB")`` (normalising inside): wall
   time, the time spent in garbage collection (``gc.callbacks``) and in one
   full collection right after; the peak RSS it reaches and, in a separate
   run, the tracemalloc peak;
4. the linking step alone: ``resolve_many(normalized=True)`` over the same
   records already normalised, and ``components()`` (its union-find) over the
   identifier edges it joins on, against ``networkx.connected_components`` on
   a ``networkx.Graph`` of the same edges (networkx is optional: without it
   this part is skipped), with checks that all give the same partition;
5. what was found: customers, records per customer, suggestions, problems and
   shared identifiers, and, since the generator knows who is who, the
   precision and recall of the automatic joins over pairs of records, by pair
   of systems, against two ceilings the data allows.

The input, seeded (``--seed``): a population of people, about 30% of them in
two or more systems, a few with two profiles in one system.

* CRM contacts: emails (a personal one, sometimes a work one) and phones;
* shop accounts: the shop's own account id (``shop:<id>``, verified), emails
  (now and then with a ``+shop`` tag) and phones;
* social inbox profiles: a twitter handle (never verified), sometimes an email.

Emails come with varied case, surrounding whitespace, ``mailto:``, a trailing
dot, now and then an internationalised domain (in Unicode or Punycode) or a
non-ASCII local part (some in NFD). Phones are valid numbers of the UK, US,
Germany, France and India (each checked with ``phonenumbers.is_valid_number``
when generated) in national, international, ``00``, ``(0)``, ``tel:`` and E.164
spellings. Handles come as ``@Handle``, bare, ``twitter:@handle`` and profile
URLs, in mixed case. Most CRM and shop emails are verified, about half the
phones, a quarter of the social emails. Households share a landline and
office workers give their company's switchboard (sometimes with their own
extension): both are identifiers held by several profiles of one system.
About 0.5% of the raw identifiers are deliberately broken (a truncated number,
a US number in national form, two at-signs, a handle too long for twitter...)
to exercise the problem path.

Nothing here asserts on speed: the targets are printed next to the figures.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import platform
import pstats
import random
import sys
import textwrap
import time
import tracemalloc
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, NamedTuple

import phonenumbers
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

from omnicontext.errors import InvalidInput
from omnicontext.identity import (
    STRONG_KINDS,
    BulkResolution,
    InvalidIdentity,
    MergePolicy,
    SourceRecord,
    components,
    normalize_identity,
    resolve_many,
)
from omnicontext.model import Identity

TARGET_WHOLE_S = 60.0
DEFAULT_REGION = "GB"
TRACEMALLOC_SAMPLE = 100_000
PROFILE_SAMPLE = 200_000
NORMALISE_CHUNK = 10_000

MULTI_SYSTEM_SHARE = 0.30
SINGLE_SYSTEMS = (("crm",), ("shop",), ("social",))
SINGLE_WEIGHTS = (40, 35, 25)
MULTI_SYSTEMS = (("crm", "shop"), ("crm", "social"), ("shop", "social"), ("crm", "shop", "social"))
MULTI_WEIGHTS = (40, 15, 20, 25)
CRM_DUPLICATE = 0.03  # a second CRM contact for the same person
SHOP_DUPLICATE = 0.015  # a second shop account for the same person
HOUSEHOLD_START = 0.03  # a person starts a household of 2-4 sharing a landline
OFFICE_WORKER = 0.04  # a person gives their company's switchboard
IDN_DOMAIN = 0.015
BROKEN_SHARE = 0.005


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


REGIONS = ("GB", "US", "DE", "FR", "IN")
REGION_WEIGHTS = (50, 20, 12, 10, 8)
DOMAINS = {
    "GB": ("gmail.com", "outlook.com", "yahoo.co.uk", "btinternet.com", "hotmail.co.uk"),
    "US": ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "aol.com"),
    "DE": ("gmx.de", "web.de", "t-online.de", "gmail.com"),
    "FR": ("orange.fr", "free.fr", "laposte.net", "gmail.com"),
    "IN": ("gmail.com", "rediffmail.com", "yahoo.co.in"),
}
IDN_DOMAINS = ("bücher.de", "müller-post.de", "köln-mail.de", "café-mail.fr", "société.fr")
FIRST_NAMES = _words(
    "Ada Grace Alan Linus Margaret Ken Barbara Dennis Frances Edsger Radia John Mary Ravi "
    "Priya Arjun Ananya Vikram Sophie Lucas Emma Louis Chloé Hugo Léa Jürgen Anna Felix Lena "
    "Jonas Mia Oliver Amelia Harry Isla Jack Olivia James Emily Noah Zoë José Björn Søren "
    "Łukasz François Anaïs Mohammed Fatima Sean Siobhan"
)
LAST_NAMES = _words(
    "Lovelace Hopper Turing Torvalds Hamilton Thompson Liskov Ritchie Allen Dijkstra Perlman "
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Sharma Singh Kumar Gupta "
    "Martin Bernard Dubois Thomas Robert Richard Müller Schmidt Schneider Fischer Weber Meyer "
    "Wagner Becker Garcia Miller Davis Rodriguez Martinez O'Brien Murphy Kelly Walsh Nguyen"
)


def _ascii(text: str) -> str:
    """``text`` without accents, lower-cased (Ł has no decomposition: mapped by hand)."""
    text = text.replace("Ł", "L").replace("ł", "l").replace("ø", "o").replace("Ø", "O")
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return plain.lower()


def _alnum(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


# -- input generation -----------------------------------------------------------------


class Phone(NamedTuple):
    region: str
    e164: str
    intl: str  # "+44 7400 123456"
    national: str  # "07400 123456"


@dataclass
class Person:
    pid: int
    region: str
    first: str
    last: str
    email: tuple[str, str]  # local part, domain
    work_email: tuple[str, str] | None
    mobile: Phone | None
    landline: Phone | None  # the household's
    switchboard: Phone | None  # the employer's
    extension: int | None
    handle: str  # canonical twitter handle, lower case


Spelled = tuple[str, ...] | None
"""What a raw identifier spells, as generated: ("phone", e164[, extension]),
("email", local, domain), ("social", handle), ("external", account); None
for a deliberately broken value."""


@dataclass
class Draft:
    """One record's raw identities as they are generated."""

    identities: list[Identity] = field(default_factory=list)
    truths: list[Spelled] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)


@dataclass
class Dataset:
    records: list[SourceRecord]
    person: list[int]  # the person behind each record
    truths: list[list[Spelled]]  # what each raw identifier spells, record by record
    broken: Counter[tuple[str, str]]  # deliberately broken identifiers per record
    broken_kinds: Counter[str]
    people: int
    multi_system_people: int
    households: int
    household_members: int
    household_keys: set[str]
    switchboard_keys: set[str]
    validity_checks: int
    raw_identifiers: int


class Generator:
    """Seeded people and their profiles in three systems."""

    def __init__(self, n_records: int, seed: int) -> None:
        self.n = n_records
        self.rng = random.Random(seed)
        self.used: set[tuple[int, int]] = set()
        self.validity_checks = 0
        self.templates: dict[tuple[str, bool], tuple[int, int, int]] = {}
        for region in REGIONS:
            for fixed in (False, True):
                kind = (
                    phonenumbers.PhoneNumberType.FIXED_LINE
                    if fixed
                    else phonenumbers.PhoneNumberType.MOBILE
                )
                example = phonenumbers.example_number_for_type(region, kind)
                if example is None:
                    raise SystemExit(f"phonenumbers has no example {kind} number for {region}")
                span = 10**7
                base = example.national_number // span * span
                self.templates[(region, fixed)] = (example.country_code, base, span)
        self.switchboards = [
            self.number(self.rng.choices(REGIONS, (60, 20, 8, 7, 5))[0], fixed=True)
            for _ in range(max(5, n_records // 4_000))
        ]
        self.companies = [f"company{k}.example.com" for k in range(len(self.switchboards))]
        self.household: tuple[str, str, Phone] | None = None
        self.household_left = 0
        self.households = 0
        self.household_members = 0
        self.crm_seq = 0
        self.shop_seq = 0
        self.social_seq = 0
        self.landlines: list[Phone] = []

    # phones

    def number(self, region: str, *, fixed: bool) -> Phone:
        """A new valid number of ``region`` that no one else holds."""
        cc, base, span = self.templates[(region, fixed)]
        rng = self.rng
        while True:
            nn = base + rng.randrange(span)
            if (cc, nn) in self.used:
                continue
            num = phonenumbers.PhoneNumber(country_code=cc, national_number=nn)
            self.validity_checks += 1
            if not phonenumbers.is_valid_number(num):
                continue
            self.used.add((cc, nn))
            return Phone(
                region,
                f"+{cc}{nn}",
                phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
                phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL),
            )

    def phone_raw(self, p: Phone) -> str:
        """One way a person or an agent writes ``p``: national only for GB numbers."""
        r = self.rng.random()
        cc, _, rest = p.intl.partition(" ")
        if p.region == DEFAULT_REGION:
            if r < 0.30:
                return p.national
            if r < 0.55:
                return p.intl
            if r < 0.65:
                return p.e164
            if r < 0.75:
                return "00" + p.intl[1:]
            if r < 0.85:
                return f"{cc} (0){rest}"
            if r < 0.92:
                return p.national.replace(" ", "")
            return "tel:" + p.intl.replace(" ", "-")
        if r < 0.40:
            return p.intl
        if r < 0.65:
            return p.e164
        if r < 0.80:
            return "00" + p.intl[1:]
        if r < 0.90:
            return "tel:" + p.intl.replace(" ", "-")
        if p.region == "US":
            return f"+1 {p.national}" if r < 0.95 else p.intl.replace(" ", "-")
        return f"{cc} (0){rest}"

    # emails and handles

    def email_raw(self, local: str, domain: str) -> str:
        rng = self.rng
        if not domain.isascii() and rng.random() < 0.3:
            domain = domain.encode("idna").decode("ascii")
        if not local.isascii() and rng.random() < 0.2:
            local = unicodedata.normalize("NFD", local)
        r = rng.random()
        if r < 0.40:
            return f"{local}@{domain}"
        if r < 0.60:
            title = ".".join(w[:1].upper() + w[1:] for w in local.split("."))
            return f"{title}@{domain[:1].upper()}{domain[1:]}"
        if r < 0.65:
            return f"{local}@{domain}".upper()
        if r < 0.75:
            return f"  {local}@{domain} "
        if r < 0.82:
            return f"mailto:{local}@{domain}"
        if r < 0.85:
            return f"{local}@{domain}."
        return f"{local}@{domain.upper()}"

    def handle_raw(self, handle: str) -> str:
        rng = self.rng
        shown = "_".join(w[:1].upper() + w[1:] for w in handle.split("_"))
        r = rng.random()
        if r < 0.40:
            return "@" + shown
        if r < 0.55:
            return shown
        if r < 0.75:
            return "https://twitter.com/" + shown
        if r < 0.85:
            return "twitter:@" + handle
        if r < 0.90:
            return f"https://www.twitter.com/{handle}/"
        if r < 0.95:
            return f" @{handle.upper()} "
        return "https://mobile.twitter.com/" + shown

    # deliberately broken values

    def broken_value(self, kind: str, raw: str, person: Person) -> str:
        """A broken spelling of ``raw`` that normalisation rejects (checked here)."""
        rng = self.rng
        local, domain = person.email
        if kind == "email":
            options = [
                f"{local}@@{domain}",
                f"{local} at {domain}",
                f"{person.first} {person.last} <{local}@{domain}>",
                f"{local}..x@{domain}",
                f"{local}@localhost",
            ]
        elif kind == "phone":
            digits = [c for c in raw if c.isdigit()]
            options = [
                "020 7946" if not digits else raw[: max(1, len(raw) - 5)],
                f"({rng.randrange(201, 990)}) {rng.randrange(200, 999)}-"
                f"{rng.randrange(10**4):04d}",
                "+999 " + "".join(digits[-8:]),
                raw + "1234",
                "n/a",
            ]
        elif kind == "social":
            options = [
                f"@{person.handle}_official_account",
                "@" + person.handle.replace("_", "-"),
                f"https://facebook.com/profile.php?id={rng.randrange(10**9)}",
                "@",
            ]
        else:
            ident = raw.rpartition(":")[2]
            options = ["shop:", f"shop:{ident[:3]} {ident[3:]}"]
        rng.shuffle(options)
        for value in [*options, {"email": "not-an-email", "phone": "n/a"}.get(kind, "@")]:
            try:
                normalize_identity(_raw_identity(kind, value, False), region=DEFAULT_REGION)
            except InvalidInput:
                return value
        raise AssertionError(f"no broken {kind} value found for {raw!r}")

    # people and their records

    def person(self, pid: int) -> Person:
        rng = self.rng
        if self.household_left:
            last, region, landline = self.household  # type: ignore[misc]
            self.household_left -= 1
            self.household_members += 1
        else:
            region = rng.choices(REGIONS, REGION_WEIGHTS)[0]
            last = rng.choice(LAST_NAMES)
            landline = None
            if rng.random() < HOUSEHOLD_START:
                landline = self.number(region, fixed=True)
                self.landlines.append(landline)
                self.household = (last, region, landline)
                self.household_left = rng.choices((1, 2, 3), (60, 30, 10))[0]
                self.households += 1
                self.household_members += 1
        first = rng.choice(FIRST_NAMES)
        af, al = _alnum(_ascii(first)), _ascii(last)
        sep = rng.choice((".", ".", "_", "", "-"))
        if not first.isascii() and rng.random() < 0.3:
            local = f"{first.lower()}{sep}{al}{pid}"
        else:
            local = f"{af}{sep}{al}{pid}"
        if rng.random() < IDN_DOMAIN:
            domain = rng.choice(IDN_DOMAINS)
        else:
            domain = rng.choice(DOMAINS[region])
        switchboard = work = extension = None
        if rng.random() < OFFICE_WORKER:
            k = int(len(self.switchboards) * rng.random() ** 3)
            switchboard = self.switchboards[k]
            work = (f"{af}.{al}{pid}", self.companies[k])
            extension = rng.randrange(100, 10_000)
        mobile = self.number(region, fixed=False) if rng.random() < 0.85 else None
        handle = f"{af[:4]}_{_alnum(al)[:3]}_{_b36(pid)}"
        return Person(
            pid,
            region,
            first,
            last,
            (local, domain),
            work,
            mobile,
            landline,
            switchboard,
            extension,
            handle,
        )

    def _add(
        self, draft: Draft, person: Person, kind: str, raw: str, verified: bool, truth: Spelled
    ) -> None:
        """Add one raw identifier; ``truth`` names the identifier it spells."""
        if self.rng.random() < BROKEN_SHARE:
            raw = self.broken_value(kind, raw, person)
            draft.broken.append(kind)
            truth = None
        draft.identities.append(_raw_identity(kind, raw, verified))
        draft.truths.append(truth)

    def crm(self, p: Person) -> tuple[SourceRecord, Draft]:
        rng = self.rng
        draft = Draft()
        used_work = False
        if rng.random() < 0.9:
            if p.work_email is not None and rng.random() < 0.25:
                local, domain = p.work_email
                used_work = True
            else:
                local, domain = p.email
            raw = self.email_raw(local, domain)
            self._add(draft, p, "email", raw, rng.random() < 0.85, ("email", local, domain))
        if rng.random() < 0.6:
            phone, truth = None, None
            if p.switchboard is not None and rng.random() < 0.7:
                phone = self.phone_raw(p.switchboard)
                truth = ("phone", p.switchboard.e164)
                if rng.random() < 0.3:
                    phone += rng.choice((" ext. ", " x", " ext ")) + str(p.extension)
                    truth = ("phone", p.switchboard.e164, str(p.extension))
            elif p.landline is not None and rng.random() < 0.6:
                phone, truth = self.phone_raw(p.landline), ("phone", p.landline.e164)
            elif p.mobile is not None:
                phone, truth = self.phone_raw(p.mobile), ("phone", p.mobile.e164)
            if phone is not None:
                self._add(draft, p, "phone", phone, rng.random() < 0.5, truth)
        if p.work_email is not None and not used_work and rng.random() < 0.08:
            raw = self.email_raw(*p.work_email)
            self._add(draft, p, "email", raw, rng.random() < 0.85, ("email", *p.work_email))
        if not draft.identities:
            raw = self.email_raw(*p.email)
            self._add(draft, p, "email", raw, rng.random() < 0.85, ("email", *p.email))
        self.crm_seq += 1
        name = f"{p.last}, {p.first}" if rng.random() < 0.1 else f"{p.first} {p.last}"
        record = SourceRecord("crm", f"C{self.crm_seq:08d}", draft.identities, display_name=name)
        return record, draft

    def shop(self, p: Person) -> tuple[SourceRecord, Draft]:
        rng = self.rng
        draft = Draft()
        self.shop_seq += 1
        account = f"A{self.shop_seq:08d}"
        raw = rng.choice((f"shop:{account}", account, f"SHOP:{account}"))
        self._add(draft, p, "external", raw, True, ("external", account))
        if rng.random() < 0.95:
            local, domain = p.email
            if rng.random() < 0.04:
                local += "+shop"
            raw = self.email_raw(local, domain)
            self._add(draft, p, "email", raw, rng.random() < 0.9, ("email", local, domain))
        if rng.random() < 0.4:
            phone = p.landline if p.landline is not None and rng.random() < 0.3 else p.mobile
            if phone is not None:
                raw = self.phone_raw(phone)
                self._add(draft, p, "phone", raw, rng.random() < 0.5, ("phone", phone.e164))
        name = f"{p.first} {p.last}"
        if rng.random() < 0.3:
            name = name.lower()
        return SourceRecord("shop", account, draft.identities, display_name=name), draft

    def social(self, p: Person) -> tuple[SourceRecord, Draft]:
        rng = self.rng
        draft = Draft()
        self._add(draft, p, "social", self.handle_raw(p.handle), False, ("social", p.handle))
        if rng.random() < 0.3:
            raw = self.email_raw(*p.email)
            self._add(draft, p, "email", raw, rng.random() < 0.25, ("email", *p.email))
        self.social_seq += 1
        record = SourceRecord(
            "twitter",
            str(1_000_000_000 + self.social_seq),
            draft.identities,
            display_name=f"{p.first} {p.last[0]}.",
        )
        return record, draft


def _raw_identity(kind: str, value: str, verified: bool) -> Identity:
    if kind == "social":
        return Identity(kind="social", platform="twitter", value=value)
    if kind == "external":
        return Identity(kind="external", system="shop", value=value, verified=verified)
    if verified:
        return Identity(kind=kind, value=value, verified=True)
    return Identity(kind=kind, value=value)


def generate(n: int, seed: int) -> Dataset:
    """``n`` source records of a seeded population, CRM first, then shop, then social."""
    gen = Generator(n, seed)
    rng = gen.rng
    made: list[tuple[str, SourceRecord, int, Draft]] = []
    pid = 0
    while len(made) < n:
        person = gen.person(pid)
        if rng.random() < MULTI_SYSTEM_SHARE:
            systems = rng.choices(MULTI_SYSTEMS, MULTI_WEIGHTS)[0]
        else:
            systems = rng.choices(SINGLE_SYSTEMS, SINGLE_WEIGHTS)[0]
        for system in systems:
            duplicate = {"crm": CRM_DUPLICATE, "shop": SHOP_DUPLICATE}.get(system, 0.0)
            for _ in range(2 if rng.random() < duplicate else 1):
                record, draft = getattr(gen, system)(person)
                made.append((system, record, pid, draft))
        pid += 1
    del made[n:]
    order = {"crm": 0, "shop": 1, "social": 2}
    made.sort(key=lambda item: order[item[0]])  # stable: each system's export in its order
    broken_refs: Counter[tuple[str, str]] = Counter()
    broken_kinds: Counter[str] = Counter()
    systems_of: dict[int, set[str]] = {}
    for system, record, p, draft in made:
        systems_of.setdefault(p, set()).add(system)
        if draft.broken:
            broken_refs[record.ref] = len(draft.broken)
            broken_kinds.update(draft.broken)
    return Dataset(
        records=[r for _, r, _, _ in made],
        person=[p for _, _, p, _ in made],
        truths=[d.truths for _, _, _, d in made],
        broken=broken_refs,
        broken_kinds=broken_kinds,
        people=len(systems_of),
        multi_system_people=sum(1 for s in systems_of.values() if len(s) > 1),
        households=gen.households,
        household_members=gen.household_members,
        household_keys={f"phone:{p.e164}" for p in gen.landlines},
        switchboard_keys={f"phone:{p.e164}" for p in gen.switchboards},
        validity_checks=gen.validity_checks,
        raw_identifiers=sum(len(r.identities) for _, r, _, _ in made),
    )


# -- measuring helpers ----------------------------------------------------------------


class GcTimer:
    """Time spent in the garbage collector while in the ``with`` block (gc.callbacks)."""

    def __init__(self) -> None:
        self._t0 = 0
        self.seconds = 0.0
        self.collections = 0
        self.full = 0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._t0 = time.perf_counter_ns()
            return
        self.seconds += (time.perf_counter_ns() - self._t0) / 1e9
        self.collections += 1
        self.full += info["generation"] == 2

    def __enter__(self) -> GcTimer:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc_info: object) -> None:
        gc.callbacks.remove(self._callback)

    def __str__(self) -> str:
        return f"{self.seconds:,.2f} s  ({self.collections:,} collections, {self.full} full)"


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


# -- normalisation alone --------------------------------------------------------------

SUBKINDS = (
    ("email", "plain ASCII (fast path)"),
    ("email", "non-ASCII or Punycode (email-validator)"),
    ("phone", "international, leading + or tel:"),
    ("phone", "national or 00-prefixed (read as GB)"),
    ("social", "handle or profile URL"),
    ("external", "shop account id"),
)


def _subkind(ident: Identity) -> tuple[str, str]:
    kind = ident.kind.value
    value = ident.value
    if kind == "email":
        plain = value.isascii() and "xn--" not in value.lower()
        return SUBKINDS[0] if plain else SUBKINDS[1]
    if kind == "phone":
        text = value.strip()
        return SUBKINDS[2] if text.startswith(("+", "tel:")) else SUBKINDS[3]
    return SUBKINDS[4] if kind == "social" else SUBKINDS[5]


@dataclass
class Cost:
    kind: str
    detail: str
    count: int = 0
    seconds: float = 0.0
    rejected: int = 0


def _normalise(
    items: Sequence[Identity], region: str, *, freeze: bool
) -> tuple[list[Identity | None], float]:
    """Normalise ``items`` in chunks, timing the calls only; with ``freeze``, each
    chunk's results are ``gc.freeze()``d (untimed), so the collector does not
    rescan the growing pile of results this benchmark keeps."""
    out: list[Identity | None] = []
    append = out.append
    seconds = 0.0
    clock = time.perf_counter_ns
    for start in range(0, len(items), NORMALISE_CHUNK):
        t0 = clock()
        for ident in items[start : start + NORMALISE_CHUNK]:
            try:
                append(normalize_identity(ident, region=region))
            except InvalidInput:
                append(None)
        seconds += (clock() - t0) / 1e9
        if freeze:
            gc.freeze()
    return out, seconds


def normalise_all(
    records: Sequence[SourceRecord], *, freeze: bool = True
) -> tuple[list[Cost], list[Identity | None], list[SourceRecord]]:
    """Time ``normalize_identity`` over every raw identifier, grouped by (sub)kind.

    Returns the costs, each raw identifier's result (``None`` if rejected) in
    record order, and the records rebuilt with their normalised identities.
    """
    flat: list[Identity] = []
    starts = [0]
    for record in records:
        flat.extend(record.identities)
        starts.append(len(flat))
    groups: dict[tuple[str, str], list[int]] = {sub: [] for sub in SUBKINDS}
    for i, ident in enumerate(flat):
        groups[_subkind(ident)].append(i)
    done: list[Identity | None] = [None] * len(flat)
    costs: list[Cost] = []
    for (kind, detail), numbers in groups.items():
        items = [flat[i] for i in numbers]
        gc.collect()
        results, seconds = _normalise(items, DEFAULT_REGION, freeze=freeze)
        for i, result in zip(numbers, results, strict=True):
            done[i] = result
        costs.append(Cost(kind, detail, len(items), seconds, results.count(None)))
    normalised = [
        SourceRecord(
            r.source,
            r.record_id,
            [d for d in done[starts[k] : starts[k + 1]] if d is not None],
            display_name=r.display_name,
        )
        for k, r in enumerate(records)
    ]
    return costs, done, normalised


@dataclass
class Spellings:
    identifiers: int  # distinct generated identifiers (not broken)
    split: int  # generated identifiers that normalised to two keys or more
    merged: int  # keys that two generated identifiers or more normalised to
    wrongly_rejected: int  # valid spellings rejected
    wrongly_accepted: int  # broken values accepted


def check_spellings(
    truths: Sequence[Sequence[Spelled]], done: Sequence[Identity | None]
) -> Spellings:
    """Whether every spelling of one generated identifier gave one key, and no
    two identifiers the same key."""
    keys_of: dict[tuple[str, ...], set[str]] = {}
    spelled_by: dict[str, set[tuple[str, ...]]] = {}
    rejected = accepted = 0
    flat = (t for ts in truths for t in ts)
    for truth, ident in zip(flat, done, strict=True):
        if truth is None:
            accepted += ident is not None
            continue
        if ident is None:
            rejected += 1
            continue
        keys_of.setdefault(truth, set()).add(ident.key)
        spelled_by.setdefault(ident.key, set()).add(truth)
    return Spellings(
        identifiers=len(keys_of),
        split=sum(1 for keys in keys_of.values() if len(keys) > 1),
        merged=sum(1 for ts in spelled_by.values() if len(ts) > 1),
        wrongly_rejected=rejected,
        wrongly_accepted=accepted,
    )


# -- the identifier edges resolve_many joins on -----------------------------------------


def identifier_edges(
    records: Sequence[SourceRecord], policy: MergePolicy, *, strong_verified: bool = True
) -> list[tuple[int, int]]:
    """The edges ``resolve_many`` applies, between record numbers, as ``bulk.py``
    derives them from normalised records: each record's identities by key (a
    key verified if any copy is); keys held by two records or more, by no more
    than ``policy.max_holders`` profiles of any one system; then, for each key
    of a strong kind, a star from its first verified holder (in record order)
    to the other verified holders. Protection rules are not applied here.

    With ``strong_verified=False``: every usable key, any kind, verified or not
    (the evidence suggestions are made of).
    """
    refs = [r.ref for r in records]
    held: list[dict[str, Identity]] = []
    for record in records:
        mine: dict[str, Identity] = {}
        for ident in record.identities:
            key = ident.key
            kept = mine.get(key)
            if kept is None or (ident.verified and not kept.verified):
                mine[key] = ident
        held.append(mine)
    holders: dict[str, list[int]] = {}
    for n in sorted(range(len(refs)), key=refs.__getitem__):
        for key in held[n]:
            holders.setdefault(key, []).append(n)
    edges: list[tuple[int, int]] = []
    for key, numbers in holders.items():
        if len(numbers) < 2:
            continue
        per_source: dict[str, int] = {}
        for n in numbers:
            source = refs[n][0]
            per_source[source] = per_source.get(source, 0) + 1
        if max(per_source.values()) > policy.max_holders:
            continue
        if strong_verified:
            if held[numbers[0]][key].kind not in STRONG_KINDS or not policy.auto_merge:
                continue
            numbers = [n for n in numbers if held[n][key].verified]
        edges.extend((numbers[0], n) for n in numbers[1:])
    return edges


def _components(n: int, edges: Iterable[tuple[int, int]]) -> list[int]:
    """A component label (its root) for each of ``n`` nodes: plain union-find."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra
    return [find(x) for x in range(n)]


def _canonical(labels: Sequence[Any]) -> list[int]:
    """Each node's label replaced by the first node of its group: equal lists,
    equal partitions."""
    first: dict[Any, int] = {}
    return [first.setdefault(label, i) for i, label in enumerate(labels)]


@dataclass
class NetworkxRun:
    version: str
    build_seconds: float
    component_seconds: float
    collector: GcTimer
    components: int
    labels: list[int] = field(repr=False)


def networkx_run(n: int, edges: Sequence[tuple[int, int]]) -> NetworkxRun | None:
    """networkx.connected_components over ``n`` nodes and ``edges``, timed."""
    try:
        import networkx as nx
    except ImportError:
        print(
            "networkx is not installed: pip install networkx (comparison skipped)",
            file=sys.stderr,
        )
        return None
    gc.collect()
    with GcTimer() as collector:
        with Stopwatch() as build:
            graph = nx.Graph()
            graph.add_nodes_from(range(n))
            graph.add_edges_from(edges)
        with Stopwatch() as find:
            found = list(nx.connected_components(graph))
    del graph
    labels = [0] * n
    for k, component in enumerate(found):
        for node in component:
            labels[node] = k
    return NetworkxRun(nx.__version__, build.seconds, find.seconds, collector, len(found), labels)


# -- ground truth ---------------------------------------------------------------------


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def system_pairs(
    groups: Sequence[Any], sources: Sequence[str], keep: Callable[[int], bool]
) -> Counter[tuple[str, str]]:
    """Pairs of records in one group, by the pair of systems they come from
    (only records ``keep(i)`` accepts)."""
    per: dict[Any, Counter[str]] = {}
    for i, group in enumerate(groups):
        if keep(i):
            per.setdefault(group, Counter())[sources[i]] += 1
    out: Counter[tuple[str, str]] = Counter()
    for counts in per.values():
        items = sorted(counts.items())
        for k, (a, na) in enumerate(items):
            out[(a, a)] += _pairs(na)
            for b, nb in items[k + 1 :]:
                out[(a, b)] += na * nb
    return out


def pair_counts(labels: Sequence[Any], person: Sequence[int]) -> tuple[int, int]:
    """(pairs of records put together, of which truly one person)."""
    joined = sum(_pairs(s) for s in Counter(labels).values())
    right = sum(_pairs(s) for s in Counter(zip(labels, person, strict=True)).values())
    return joined, right


@dataclass
class GroundTruth:
    true_pairs: int
    joined: int
    right: int
    joined_s: int  # with every suggestion accepted
    right_s: int
    ceiling_verified: int
    ceiling_any: int
    suggestions_right: int
    multi_people: int
    split_people: int
    mixed_customers: int
    mixed_records: int
    mixed_by: Counter[str]
    by_systems: dict[tuple[str, str], tuple[int, int]]  # (same-person pairs, joined)


def ground_truth(
    data: Dataset,
    normalised: Sequence[SourceRecord],
    result: BulkResolution,
    labels: Sequence[str],
    policy: MergePolicy,
) -> GroundTruth:
    person = data.person
    n = len(person)
    records_of = Counter(person)
    true_pairs = sum(_pairs(s) for s in records_of.values())
    joined, right = pair_counts(labels, person)
    sources = [r.source for r in data.records]
    several = [records_of[p] > 1 for p in person]
    truly = system_pairs(person, sources, several.__getitem__)
    found = system_pairs(list(zip(labels, person, strict=True)), sources, several.__getitem__)
    by_systems = {pair: (count, found[pair]) for pair, count in sorted(truly.items())}

    # Every suggestion accepted: customers joined along the suggestions.
    number = {c.id: i for i, c in enumerate(result.customers)}
    merged = _components(
        len(number),
        ((number[s.customer_ids[0]], number[s.customer_ids[1]]) for s in result.suggestions),
    )
    joined_s, right_s = pair_counts([merged[number[x]] for x in labels], person)

    # A suggestion is right when the two customers hold records of one person.
    wanted = {c for s in result.suggestions for c in s.customer_ids}
    persons_of: dict[str, set[int]] = {}
    for label, p in zip(labels, person, strict=True):
        if label in wanted:
            persons_of.setdefault(label, set()).add(p)
    suggestions_right = sum(
        1
        for s in result.suggestions
        if persons_of[s.customer_ids[0]] & persons_of[s.customer_ids[1]]
    )

    # Ceilings: same-person pairs connected through same-person evidence.
    def ceiling(edges: list[tuple[int, int]]) -> int:
        same = [(a, b) for a, b in edges if person[a] == person[b]]
        return sum(_pairs(s) for s in Counter(_components(n, same)).values())

    ceiling_verified = ceiling(identifier_edges(normalised, policy))
    ceiling_any = ceiling(identifier_edges(normalised, policy, strong_verified=False))

    # People split over several customers, customers holding several people.
    first_label: dict[int, str] = {}
    split: set[int] = set()
    for label, p in zip(labels, person, strict=True):
        if first_label.setdefault(p, label) != label:
            split.add(p)
    first_person: dict[str, int] = {}
    mixed: set[str] = set()
    for label, p in zip(labels, person, strict=True):
        if first_person.setdefault(label, p) != p:
            mixed.add(label)
    members: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        if label in mixed:
            members.setdefault(label, []).append(i)
    mixed_by: Counter[str] = Counter()
    for numbers in members.values():
        holders: dict[str, set[int]] = {}
        for i in numbers:
            for ident in normalised[i].identities:
                holders.setdefault(ident.key, set()).add(person[i])
        causes = set()
        for key, people in holders.items():
            if len(people) > 1:
                if key in data.household_keys:
                    causes.add("a household landline")
                elif key in data.switchboard_keys:
                    causes.add("an office switchboard")
                else:
                    causes.add(f"another {key.partition(':')[0]}")
        for cause in causes or {"no shared key (joined through others)"}:
            mixed_by[cause] += 1
    return GroundTruth(
        true_pairs=true_pairs,
        joined=joined,
        right=right,
        joined_s=joined_s,
        right_s=right_s,
        ceiling_verified=ceiling_verified,
        ceiling_any=ceiling_any,
        suggestions_right=suggestions_right,
        multi_people=sum(1 for c in records_of.values() if c > 1),
        split_people=len(split),
        mixed_customers=len(mixed),
        mixed_records=sum(len(v) for v in members.values()),
        mixed_by=mixed_by,
        by_systems=by_systems,
    )


# -- report ---------------------------------------------------------------------------


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "n/a"


# -- profiling (optional) ---------------------------------------------------------------


def profile(records: Sequence[SourceRecord], normalised: Sequence[SourceRecord]) -> None:
    """cProfile resolve_many over a strided sample, normalising and not."""
    step = max(1, len(records) // PROFILE_SAMPLE)
    for name, sample, kwargs in (
        ("resolve_many(region='GB')", records[::step], {"region": DEFAULT_REGION}),
        ("resolve_many(normalized=True)", normalised[::step], {"normalized": True}),
    ):
        gc.collect()
        prof = cProfile.Profile()
        prof.enable()
        resolve_many(sample, **kwargs)
        prof.disable()
        print(f"\n== cProfile: {name} of {len(sample):,} records (by tottime) ==")
        pstats.Stats(prof).sort_stats("tottime").print_stats(20)


# -- main -------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20260105)
    parser.add_argument("--quick", action="store_true", help="50,000 records")
    parser.add_argument(
        "--traced",
        type=int,
        default=TRACEMALLOC_SAMPLE,
        help="records in the tracemalloc run (a strided sample; 0 for all)",
    )
    parser.add_argument("--profile", action="store_true", help="also cProfile resolve_many")
    parser.add_argument(
        "--no-gc-freeze",
        dest="gc_freeze",
        action="store_false",
        help="do not gc.freeze() the generated records during the timed phases",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.records = 50_000
    if args.records < 2:
        raise SystemExit("need --records >= 2")
    return run(args)


def _freeze(enabled: bool) -> None:
    gc.collect()
    if enabled:
        gc.freeze()


@dataclass
class Timed:
    """One timed call: its wall time, the collections during it, and one full
    collection right after it (the scan of what it left on the heap, which
    falls to the caller when the call pauses the collector)."""

    seconds: float
    collector: GcTimer
    settle: float


def timed(fn: Callable[[], Any]) -> tuple[Any, Timed]:
    gc.collect()
    with GcTimer() as collector, Stopwatch() as call:
        value = fn()
    with Stopwatch() as settle:
        gc.collect()
    return value, Timed(call.seconds, collector, settle.seconds)


def run(args: argparse.Namespace) -> int:
    n: int = args.records
    policy = MergePolicy()
    bare = MergePolicy(protections=())
    started = time.perf_counter()

    print(f"generating {n:,} records ...", file=sys.stderr, flush=True)
    gc.disable()  # the generator makes no cycles; collecting would only slow it down
    try:
        with Stopwatch() as gen:
            data = generate(n, args.seed)
    finally:
        gc.enable()
    records = data.records
    _freeze(args.gc_freeze)

    print("normalize_identity over every raw identifier ...", file=sys.stderr, flush=True)
    costs, done, normalised = normalise_all(records, freeze=args.gc_freeze)
    spellings = check_spellings(data.truths, done)
    del done
    _freeze(args.gc_freeze)

    print("resolve_many(records, region='GB') ...", file=sys.stderr, flush=True)
    gc.collect()
    rss_before = rss_now_bytes()
    hwm = reset_peak_rss() and vm_hwm_bytes() is not None
    result, whole = timed(lambda: resolve_many(records, region=DEFAULT_REGION))
    peak = vm_hwm_bytes() if hwm else rss_peak_bytes()
    labels = [result.customer_of(r.source, r.record_id) for r in records]
    _freeze(args.gc_freeze)  # the result, as a caller keeps it

    step = 1 if args.traced <= 0 else max(1, n // args.traced)
    sample = records[::step]
    traced = len(sample)
    print(f"tracemalloc run over {traced:,} records ...", file=sys.stderr, flush=True)
    gc.collect()
    tracemalloc.start()
    resolve_many(sample, region=DEFAULT_REGION)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del sample
    if args.profile:
        profile(records, normalised)

    print("linking alone: resolve_many(normalized=True) ...", file=sys.stderr, flush=True)
    linked, link_bare = timed(lambda: resolve_many(normalised, normalized=True, policy=bare))
    bare_labels = [linked.customer_of(r.source, r.record_id) for r in records]
    bare_customers = len(linked.customers)
    del linked
    linked, link_default = timed(lambda: resolve_many(normalised, normalized=True))
    same_as_whole = (
        [linked.customer_of(r.source, r.record_id) for r in records] == labels
        and len(linked.suggestions) == len(result.suggestions)
        and linked.shared == result.shared
        and linked.blocked == result.blocked
    )
    del linked
    gc.collect()

    print("identifier edges, components(), networkx ...", file=sys.stderr, flush=True)
    gc.collect()
    with Stopwatch() as derive:
        edges = identifier_edges(normalised, bare)
    own_labels, own = timed(lambda: components(n, edges))
    nxr = networkx_run(n, edges)
    n_edges = len(edges)

    print("ground truth ...", file=sys.stderr, flush=True)
    truth = ground_truth(data, normalised, result, labels, policy)
    sizes = Counter(len(c.records) for c in result.customers)
    problems = Counter((p.source, p.record_id) for p in result.problems)
    problem_kinds = Counter(
        p.error.kind if isinstance(p.error, InvalidIdentity) else "?" for p in result.problems
    )
    broken_total = sum(data.broken_kinds.values())

    # -- the table --
    systems = Counter(r.source for r in records)
    kinds = Counter(i.kind.value for r in records for i in r.identities)
    verified = Counter(i.kind.value for r in records for i in r.identities if i.verified)
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    header = [
        f"records {n:,}  seed {args.seed}  region {DEFAULT_REGION}  policy: max_holders "
        f"{policy.max_holders}; {'; '.join(p.describe() for p in policy.protections)}",
        f"python {platform.python_version()}  phonenumbers {phonenumbers.__version__}  "
        f"email-validator {metadata.version('email-validator')}  "
        f"pydantic {metadata.version('pydantic')}  "
        f"networkx {nxr.version if nxr else 'not installed'}",
        f"{platform.machine()} {platform.system()}  cpus {os.cpu_count()} (usable {usable}); "
        "everything runs on one thread",
    ]
    input_rows = [
        Row("generate records (not part of any rate)", f"{gen.seconds:,.2f} s"),
        Row("  records by system", ", ".join(f"{k} {v:,}" for k, v in sorted(systems.items()))),
        Row("  people", f"{data.people:,}  ({n / data.people:.2f} records each)"),
        Row(
            "  people in two or more systems",
            f"{data.multi_system_people:,}  ({_share(data.multi_system_people, data.people)})",
        ),
        Row(
            "  raw identifiers", f"{data.raw_identifiers:,}  ({data.raw_identifiers / n:.2f} each)"
        ),
    ]
    input_rows += [
        Row(f"    {kind} (share verified)", f"{count:,}  ({_share(verified[kind], count)})")
        for kind, count in sorted(kinds.items())
    ]
    input_rows += [
        Row(
            "  households sharing a landline; their people",
            f"{data.households:,}; {data.household_members:,}",
        ),
        Row("  office switchboards", f"{len(data.switchboard_keys):,}"),
        Row(
            "  deliberately broken identifiers",
            f"{broken_total:,}  ({_share(broken_total, data.raw_identifiers)})",
        ),
        Row("    by kind", ", ".join(f"{k} {v:,}" for k, v in sorted(data.broken_kinds.items()))),
        Row("  phone numbers checked with is_valid_number", f"{data.validity_checks:,}"),
    ]
    norm_rows: list[Row] = []
    for kind in ("email", "phone", "social", "external"):
        parts = [c for c in costs if c.kind == kind]
        total = Cost(
            kind,
            "",
            sum(c.count for c in parts),
            sum(c.seconds for c in parts),
            sum(c.rejected for c in parts),
        )
        norm_rows.append(Row(f"normalize_identity {kind}", _cost(total, rejected=True)))
        if len(parts) > 1:
            norm_rows += [Row(f"  {c.detail}", _cost(c)) for c in parts]
    everything = Cost(
        "all",
        "",
        sum(c.count for c in costs),
        sum(c.seconds for c in costs),
        sum(c.rejected for c in costs),
    )
    spelled_ok = (
        spellings.split == spellings.merged == spellings.wrongly_rejected == 0
        and spellings.wrongly_accepted == 0
    )
    norm_rows += [
        Row("normalize_identity, all kinds", _cost(everything, rejected=True)),
        Row(
            "  rejected = deliberately broken",
            f"{everything.rejected:,} = {broken_total:,}",
            "equal",
            "met" if everything.rejected == broken_total else "MISSED",
        ),
        Row(
            "  generated identifiers, each to one key of its own",
            f"{spellings.identifiers:,}: {spellings.split:,} split, {spellings.merged:,} merged, "
            f"{spellings.wrongly_rejected:,} rejected",
            "0, 0, 0",
            "met" if spelled_ok else "MISSED",
        ),
    ]
    growth = "n/a" if peak is None or rss_before is None else mb(peak - rss_before)
    whole_rows = [
        Row(
            "resolve_many(records, region='GB'), normalising",
            f"{whole.seconds:,.2f} s  {rate(n, whole.seconds)}",
            f"<= {TARGET_WHOLE_S:g} s",
            verdict(whole.seconds <= TARGET_WHOLE_S),
        ),
        *_collector_rows(whole),
        Row(
            "  the call and that collection together",
            f"{whole.seconds + whole.settle:,.2f} s",
            f"<= {TARGET_WHOLE_S:g} s",
            verdict(whole.seconds + whole.settle <= TARGET_WHOLE_S),
        ),
        Row("  RSS when it starts (the input held)", mb(rss_before)),
        Row(
            f"  peak RSS during it ({'VmHWM, reset before' if hwm else 'ru_maxrss'})",
            f"{mb(peak)}  (growth {growth})",
        ),
        Row(
            f"  tracemalloc peak, separate run over every {step}th record"
            if step > 1
            else "  tracemalloc peak, separate run over all records",
            f"{mb(traced_peak)}  ({traced:,} records, {traced_peak / traced:,.0f} B each)",
        ),
    ]
    nx_total = nxr.build_seconds + nxr.component_seconds if nxr else None
    target = "<= networkx" if nx_total is not None else ""

    def versus(seconds: float) -> str:
        return verdict(seconds <= nx_total) if nx_total is not None else ""

    link_rows = [
        Row(
            "resolve_many(normalized=True), no protection rules",
            f"{link_bare.seconds:,.2f} s  {rate(n, link_bare.seconds)}",
            target,
            versus(link_bare.seconds),
        ),
        *_collector_rows(link_bare),
        Row(
            "resolve_many(normalized=True), default policy",
            f"{link_default.seconds:,.2f} s  {rate(n, link_default.seconds)}",
            target,
            versus(link_default.seconds),
        ),
        *_collector_rows(link_default),
        Row(
            "  same customers, suggestions and shared ids as normalising",
            "yes" if same_as_whole else "NO",
            "yes",
            "met" if same_as_whole else "MISSED",
        ),
        Row(
            "identifier edges, derived in Python as bulk.py does",
            f"{n_edges:,} edges  {derive.seconds:,.2f} s (given to both below)",
        ),
        Row(
            "components(n, edges): resolve_many's union-find alone",
            f"{own.seconds:,.2f} s",
            target,
            versus(own.seconds),
        ),
        *_collector_rows(own),
    ]
    own_same = _canonical(own_labels) == _canonical(bare_labels)
    if nxr is None or nx_total is None:
        link_rows += [
            Row(
                "  same partition as resolve_many (no protection rules)",
                "yes" if own_same else "NO",
                "identical",
                "met" if own_same else "MISSED",
            ),
            Row("networkx", "not installed: pip install networkx (skipped)"),
        ]
    else:
        same_partition = _canonical(bare_labels) == _canonical(nxr.labels)
        own_partition = _canonical(own_labels) == _canonical(nxr.labels)
        refines = _refines(labels, nxr.labels)
        nx_net = max(nx_total - nxr.collector.seconds, 1e-9)
        link_rows += [
            Row("networkx.Graph: add_nodes_from + add_edges_from", f"{nxr.build_seconds:,.2f} s"),
            Row("networkx.connected_components, listed", f"{nxr.component_seconds:,.2f} s"),
            Row("networkx, graph and components together", f"{nx_total:,.2f} s"),
            Row("  of which in the garbage collector", str(nxr.collector)),
            Row(
                "time / networkx's: resolve_many (no protections); components",
                f"{link_bare.seconds / nx_total:,.1f} x; {own.seconds / nx_total:,.2f} x",
            ),
            Row(
                "  the same, garbage collection left out of all three",
                f"{_net(link_bare) / nx_net:,.1f} x; {_net(own) / nx_net:,.2f} x",
            ),
            Row(
                "components found: resolve_many, components(), networkx",
                f"{bare_customers:,}, {len(set(own_labels)):,}, {nxr.components:,}",
            ),
            Row(
                "  resolve_many (no protection rules) = networkx, record by record",
                "yes" if same_partition else "NO",
                "identical",
                "met" if same_partition else "MISSED",
            ),
            Row(
                "  components() = networkx, record by record",
                "yes" if own_partition else "NO",
                "identical",
                "met" if own_partition else "MISSED",
            ),
            Row(
                "default policy: each customer inside one networkx component",
                f"{'yes' if refines else 'NO'}  ({len(result.customers) - nxr.components:,} "
                f"more customers)",
                "yes",
                "met" if refines else "MISSED",
            ),
        ]
    shared_kinds = Counter(k.partition(":")[0] for k in result.shared)
    buckets = (("1", 1, 1), ("2", 2, 2), ("3", 3, 3), ("4", 4, 4), ("5-9", 5, 9), ("10+", 10, n))
    result_rows = [
        Row("customers found", f"{len(result.customers):,}"),
        Row(
            "  by records held",
            "  ".join(
                f"{label}: {sum(v for s, v in sizes.items() if lo <= s <= hi):,}"
                for label, lo, hi in buckets
            )
            + f"  (max {max(sizes)})",
        ),
        Row(
            "suggestions",
            f"{len(result.suggestions):,}  (median score "
            f"{_median([s.score for s in result.suggestions]):.2f})",
        ),
        Row("  joins refused by a protection rule", f"{result.blocked:,}"),
        Row(
            "problems (identifiers not normalised)",
            f"{len(result.problems):,}  ("
            + ", ".join(f"{k} {v:,}" for k, v in sorted(problem_kinds.items()))
            + ")",
        ),
        Row(
            "  exactly the deliberately broken ones, record by record",
            "yes" if problems == data.broken else "NO",
            "yes",
            "met" if problems == data.broken else "MISSED",
        ),
        Row(
            "shared identifiers (over max_holders: not evidence)",
            f"{len(result.shared):,}  ("
            + ", ".join(f"{k} {v:,}" for k, v in sorted(shared_kinds.items()))
            + f"; most held by {max(result.shared.values(), default=0):,})",
        ),
        Row(
            "  office switchboards among them",
            f"{len(result.shared.keys() & data.switchboard_keys):,} of "
            f"{len(data.switchboard_keys):,}",
        ),
        Row(
            "  household landlines among them",
            f"{len(result.shared.keys() & data.household_keys):,} of {len(data.household_keys):,}",
        ),
    ]
    t = truth
    truth_rows = [
        Row("same-person record pairs", f"{t.true_pairs:,}"),
        Row("pairs joined automatically; of them one person", f"{t.joined:,}; {t.right:,}"),
        Row("precision of the automatic joins (pairs)", _share(t.right, t.joined)),
        Row("recall of the automatic joins (pairs)", _share(t.right, t.true_pairs)),
    ]
    truth_rows += [
        Row(
            f"  {a}-{b} pairs" if a != b else f"  pairs within {a}",
            f"{_share(joined, count)}  of {count:,}",
        )
        for (a, b), (count, joined) in t.by_systems.items()
        if count
    ]
    truth_rows += [
        Row(
            "  ceiling: pairs linked by verified strong ids of theirs",
            _share(t.ceiling_verified, t.true_pairs),
        ),
        Row(
            "  ceiling: pairs linked by any usable shared id of theirs",
            _share(t.ceiling_any, t.true_pairs),
        ),
        Row(
            "people with 2+ records; split over 2+ customers",
            f"{t.multi_people:,}; {t.split_people:,} ({_share(t.split_people, t.multi_people)})",
        ),
        Row(
            "customers holding 2+ people; their records",
            f"{t.mixed_customers:,}; {t.mixed_records:,}",
        ),
        Row(
            "  joined through",
            ", ".join(f"{k} {v:,}" for k, v in sorted(t.mixed_by.items())) or "-",
        ),
        Row(
            "suggestions naming two records of one person",
            f"{t.suggestions_right:,} of {len(result.suggestions):,} "
            f"({_share(t.suggestions_right, len(result.suggestions))})",
        ),
        Row(
            "every suggestion accepted: precision; recall",
            f"{_share(t.right_s, t.joined_s)}; {_share(t.right_s, t.true_pairs)}",
        ),
    ]
    process_rows = [
        Row("peak RSS of this process (ru_maxrss)", mb(rss_peak_bytes())),
        Row("this benchmark, start to table", f"{time.perf_counter() - started:,.0f} s"),
    ]
    print_table(
        "omnicontext identity benchmark",
        header,
        [
            ("input", input_rows),
            ("normalisation alone: normalize_identity(region='GB'), no cache", norm_rows),
            ("resolve_many, normalising: the whole run", whole_rows),
            ("linking alone: the same records, normalised beforehand", link_rows),
            ("what was found (default policy)", result_rows),
            ("against the ground truth", truth_rows),
            ("process", process_rows),
        ],
    )
    print(textwrap.fill(_notes(args.gc_freeze), width=100))
    return 0


def _net(t: Timed) -> float:
    """A call's time without the collections during it."""
    return t.seconds - t.collector.seconds


def _collector_rows(t: Timed) -> list[Row]:
    return [
        Row("  of which in the garbage collector", str(t.collector)),
        Row("  one full collection right after it", f"{t.settle:,.2f} s"),
    ]


def _cost(c: Cost, *, rejected: bool = False) -> str:
    text = (
        f"{c.count:>9,} calls  {c.seconds:6,.2f} s  {c.seconds / max(c.count, 1) * 1e6:5,.1f} us"
    )
    return text + (f"  rejected {c.rejected:,}" if rejected else "")


def _notes(gc_freeze: bool) -> str:
    return (
        "notes: wall-clock times (time.perf_counter_ns), one run each, on one thread. Time in "
        "the garbage collector is measured with gc.callbacks and counted in the figures, for "
        "networkx as for omnicontext; resolve_many pauses the collector while it runs, so the "
        "scan of what it leaves on the heap falls to the caller: one full gc.collect() right "
        "after each call shows its size, and the whole-run target is checked with and "
        "without it. resolve_many(region=...) reads every record's national numbers in one "
        "region, so only GB numbers are written in national form (00-prefixed ones are also "
        "read through GB's international prefix); other countries' numbers are written "
        "internationally, except the deliberately broken US numbers in national form, which "
        "GB rejects. Normalisation alone calls normalize_identity once per raw identifier; "
        "resolve_many normalises each distinct raw spelling once. The identifier edges are "
        "derived from the normalised records as bulk.py derives them (a star per strong key "
        "verified on two records or more; keys held by more than max_holders profiles of one "
        "system left out) and handed to networkx and to components() alike; "
        "resolve_many(normalized=True) derives them itself, and also makes the suggestions and "
        "builds the customers. Partitions are compared without protection rules (whose "
        "refusals depend on the order of joins); with them, each customer must lie inside one "
        "networkx component. Precision and recall count pairs of records, a pair being right "
        "when both records belong to one generated person; a ceiling counts the same-person "
        "pairs connected through that person's own records only. Peak RSS is "
        "/proc/self/status VmHWM, reset through /proc/self/clear_refs just before the run "
        "(ru_maxrss where missing); tracemalloc counts Python allocations only, in a separate "
        "run over a strided sample (--traced 0 for all records). "
        + (
            "The generated and the normalised records were gc.freeze()d before the timed "
            "phases, as an import holds its input, and so were the normalised identities as "
            "they were made (--no-gc-freeze to not)."
            if gc_freeze
            else "gc.freeze() was not used (--no-gc-freeze)."
        )
    )


def _median(values: Sequence[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def _refines(fine: Sequence[Any], coarse: Sequence[Any]) -> bool:
    """Whether every group of ``fine`` lies inside one group of ``coarse``."""
    seen: dict[Any, Any] = {}
    return all(seen.setdefault(f, c) == c for f, c in zip(fine, coarse, strict=True))


if __name__ == "__main__":
    sys.exit(main())
