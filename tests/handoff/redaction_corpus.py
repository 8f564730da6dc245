"""A seeded generator of chat-like messages carrying personal data, with the
ground truth, for measuring redaction.

Each :class:`Sample` is one message: its ``text``, the ``personal`` items in
it (the exact substrings that are personal data, by kind: ``email``,
``phone``, ``card``, ``iban``) and the ``protected`` items (order numbers,
dates, amounts, tracking codes) that a redactor must never touch. Card
numbers carry a correct Luhn digit and IBANs correct mod-97 check digits;
every phone number is valid for ``phonenumbers``.

:func:`score` measures any finder (a function from text to ``(kind, start,
end)`` spans) against the samples, so other tools can be measured on the
same messages. :func:`chat_lines` makes plain chat traffic for throughput
measurements, a small share of it carrying personal data.

Run as a script to write the corpus as JSON (``python redaction_corpus.py
out.json``), for tools that live in another environment.
"""

from __future__ import annotations

import json
import random
import string
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field

import phonenumbers

KINDS = ("email", "phone", "card", "iban")
PROTECTED = ("order", "date", "amount", "tracking")
DEFAULT_SIZE = 800
DEFAULT_SEED = 20240305


@dataclass(frozen=True)
class Item:
    """One labelled substring of a sample: ``text == sample.text[start:end]``."""

    kind: str
    start: int
    end: int
    text: str
    style: str = ""


@dataclass(frozen=True)
class Sample:
    """One chat message with its ground truth."""

    text: str
    personal: tuple[Item, ...]
    protected: tuple[Item, ...]


# -- checksums ------------------------------------------------------------------------


def luhn_digit(body: str) -> str:
    """The Luhn check digit that completes ``body``."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def iban_check_digits(country: str, bban: str) -> str:
    """The ISO 13616 mod-97 check digits of ``country`` + ``bban``."""
    rearranged = (bban + country + "00").upper()
    number = int("".join(str(int(ch, 36)) for ch in rearranged))
    return f"{98 - number % 97:02d}"


# -- personal data ---------------------------------------------------------------------

FIRST = ("jane", "john", "amira", "li", "oliver", "sofia", "raj", "chloe", "mateo",
         "ines", "kwame", "yuki", "noah", "emma", "lukas", "priya", "zoe", "hannah", "omar",
         "elif")  # fmt: skip
LAST = ("doe", "smith", "haddad", "wei", "brown", "rossi", "patel", "martin", "garcia",
        "silva", "mensah", "tanaka", "jones", "muller", "schmidt", "sharma", "dubois",
        "cohen", "nguyen", "yilmaz")  # fmt: skip
DOMAINS = ("example.com", "example.org", "mail.example.co.uk", "example.net",
           "corp.example.de", "eu.mail.example.com", "example.io", "uni.example.edu",
           "example.fr", "shop-example.com.au", "x.example.in", "example.travel")  # fmt: skip


def email(rng: random.Random) -> tuple[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    style = rng.choices(
        ("dot", "plain", "underscore", "digits", "tag", "initial", "dash", "quoted",
         "quoted-dot", "trailing-dot"),
        (10, 10, 10, 10, 10, 10, 10, 2, 1, 1),
    )[0]  # fmt: skip
    local = {
        "dot": f"{first}.{last}",
        "plain": f"{first}{last}",
        "underscore": f"{first}_{last}",
        "digits": f"{first}{last}{rng.randint(1, 99)}",
        "tag": f"{first}.{last}+{rng.choice(('orders', 'shop', 'support', 'x1'))}",
        "initial": f"{first[0]}.{last}",
        "dash": f"{first}-{last}.{rng.randint(1970, 2005)}",
        "quoted": f'"{first} {last}"',
        "quoted-dot": f'"{first}.{last}"',
        "trailing-dot": f"{first}.",
    }[style]
    domain = rng.choice(DOMAINS)
    address = f"{local}@{domain}"
    case = rng.random()
    if case < 0.12:
        address = address.upper()
        style += "+upper"
    elif case < 0.3:
        address = address[0].upper() + address[1:]
        style += "+capital"
    return address, style


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


# (region, number patterns); "#" is any digit, "[..]" one of the digits listed.
PHONE_PATTERNS: dict[str, tuple[str, ...]] = {
    "GB": ("020[378]#######", "07[4-9]########", "0161#######", "0113#######", "0131#######"),
    "US": ("212[2-9]######", "415[2-9]######", "312[2-9]######", "617[2-9]######",
           "646[2-9]######", "202[2-9]######", "305[2-9]######"),
    "DE": ("030########", "089#######", "040########", "0151########", "0176########",
           "0170#######", "0221#######"),
    "FR": ("01########", "02########", "04########", "06########", "07########",
           "09########"),
    "IN": ("[6-9]#########", "011[2-6]#######", "022[2-6]#######"),
    "AU": ("04########", "02[89]#######", "039#######", "073#######", "08[89]#######"),
    "INTL": ("+346########", "+393#########", "+316########", "+3538[5-7]#######",
             "+5511[9]########", "+8190########", "+4179#######", "+4369912######",
             "+353 1#######", "+27 8[2-4]#######", "+6591######", "+52155########"),
}  # fmt: skip


def _expand(rng: random.Random, pattern: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "#":
            out.append(rng.choice(string.digits))
        elif ch == "[":
            close = pattern.index("]", i)
            spec = pattern[i + 1 : close]
            if "-" in spec:
                low, high = spec.split("-")
                out.append(str(rng.randint(int(low), int(high))))
            else:
                out.append(rng.choice(spec))
            i = close
        elif ch != " ":
            out.append(ch)
        i += 1
    return "".join(out)


def _valid_number(rng: random.Random, region: str) -> phonenumbers.PhoneNumber:
    for _ in range(500):
        raw = _expand(rng, rng.choice(PHONE_PATTERNS[region]))
        try:
            number = phonenumbers.parse(raw, None if region == "INTL" else region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return number
    raise RuntimeError(f"no valid {region} number generated")  # pragma: no cover


def phone(rng: random.Random) -> tuple[str, str]:
    region = rng.choices(("GB", "US", "DE", "FR", "IN", "AU", "INTL"), (5, 5, 4, 4, 4, 3, 3))[0]
    number = _valid_number(rng, region)
    fmt = phonenumbers.PhoneNumberFormat
    intl = phonenumbers.format_number(number, fmt.INTERNATIONAL)
    e164 = phonenumbers.format_number(number, fmt.E164)
    national = phonenumbers.format_number(number, fmt.NATIONAL)
    cc = str(number.country_code)
    styles: dict[str, str] = {"e164": e164, "intl": intl, "intl-00": "00" + intl[1:]}
    if region == "INTL":
        styles["intl-dash"] = intl.replace(" ", "-", 1)
        return _pick(rng, region, styles)
    styles["national"] = national
    if region == "US":
        area, exchange, line = national[1:4], national[6:9], national[10:]
        styles.update(
            {
                "us-dash": f"{area}-{exchange}-{line}",
                "us-dot": f"{area}.{exchange}.{line}",
                "us-1-dash": f"1-{area}-{exchange}-{line}",
                "us-compact": f"{area}{exchange}{line}",
                "us-plus1-dash": f"+1 {area}-{exchange}-{line}",
                "us-space": f"{area} {exchange} {line}",
            }
        )
        return _pick(rng, region, styles)
    plain = national.replace("(", "").replace(")", "")
    styles.update(
        {
            "national-dash": plain.replace(" ", "-"),
            "national-compact": plain.replace(" ", ""),
        }
    )
    if region in ("GB", "DE", "AU"):
        styles["intl-trunk"] = f"+{cc} (0){plain[1:]}"
    if region == "GB":
        styles["gb-paren"] = "(" + plain.replace(" ", ") ", 1)
    if region == "DE":
        styles["de-slash"] = plain.replace(" ", "/", 1)
    if region == "FR":
        styles["fr-dot"] = plain.replace(" ", ".")
    if region == "IN":
        nsn = phonenumbers.national_significant_number(number)
        if nsn[0] in "6789":
            styles["in-mobile"] = f"{nsn[:5]} {nsn[5:]}"
            styles["in-mobile-compact"] = nsn
            styles["in-plus-dash"] = f"+91-{nsn[:5]}-{nsn[5:]}"
    if region == "AU":
        styles["au-dash"] = plain.replace(" ", "-")
    return _pick(rng, region, styles)


def _pick(rng: random.Random, region: str, styles: dict[str, str]) -> tuple[str, str]:
    name = rng.choice(sorted(styles))
    value = styles[name]
    spacing = rng.choices(("", "nbsp", "double"), (18, 1, 1))[0] if " " in value else ""
    if spacing == "nbsp":
        value = value.replace(" ", "\u00a0")
    elif spacing == "double":
        value = value.replace(" ", "  ")
    return value, f"{region.lower()}:{name}" + (f"+{spacing}" if spacing else "")


CARD_BRANDS: tuple[tuple[str, Callable[[random.Random], str], int], ...] = (
    ("visa", lambda r: "4" + _digits(r, 5), 16),
    ("visa13", lambda r: "4" + _digits(r, 5), 13),
    ("mastercard", lambda r: str(r.randint(51, 55)) + _digits(r, 4), 16),
    ("mastercard2", lambda r: str(r.randint(2221, 2720)) + _digits(r, 2), 16),
    ("amex", lambda r: r.choice(("34", "37")) + _digits(r, 4), 15),
    ("discover", lambda r: r.choice(("6011", "65" + _digits(r, 2))) + _digits(r, 2), 16),
)
CARD_WEIGHTS = (30, 3, 20, 12, 18, 12)


# Separators between the groups of a card number: (style, separator, weight).
CARD_SEPARATORS = (
    ("spaces", " ", 10), ("dashes", "-", 10), ("compact", "", 10), ("dots", ".", 1),
    ("slashes", "/", 1), ("underscores", "_", 1), ("double-spaces", "  ", 1),
    ("spaced-dashes", " - ", 1), ("nbsp", "\u00a0", 1), ("thin-spaces", "\u2009", 1),
    ("en-dashes", "\u2013", 1), ("nb-hyphens", "\u2011", 1),
)  # fmt: skip
FULLWIDTH = str.maketrans("0123456789", "".join(chr(0xFF10 + d) for d in range(10)))


def card(rng: random.Random) -> tuple[str, str]:
    brand, prefix, length = rng.choices(CARD_BRANDS, CARD_WEIGHTS)[0]
    body = prefix(rng)
    body += _digits(rng, length - 1 - len(body))
    number = body + luhn_digit(body)
    style, sep, _ = rng.choices(CARD_SEPARATORS, [w for *_, w in CARD_SEPARATORS])[0]
    if brand == "amex":
        parts = [number[:4], number[4:10], number[10:]]
    elif brand == "visa13":
        sep, style = "", "compact"
        parts = [number]
    else:
        parts = [number[i : i + 4] for i in range(0, length, 4)]
    written = sep.join(parts)
    variant = rng.choices(("", "mixed", "fullwidth"), (20, 1, 1))[0] if len(parts) == 4 else ""
    if variant == "mixed":  # 4111-1111 1111-1111
        written = f"{parts[0]}-{parts[1]} {parts[2]}-{parts[3]}"
        style = "mixed"
    elif variant == "fullwidth":
        written = written.translate(FULLWIDTH)
        style += "+fullwidth"
    return written, f"{brand}:{style}"


# country: BBAN shape, "n" a digit, "a" an upper-case letter, "c" either.
IBAN_SHAPES = {
    "GB": "aaaa" + "n" * 14,
    "DE": "n" * 18,
    "FR": "n" * 10 + "c" * 11 + "nn",
    "ES": "n" * 20,
    "NL": "aaaa" + "n" * 10,
    "IT": "a" + "n" * 10 + "c" * 12,
    "BE": "n" * 12,
    "AT": "n" * 16,
    "IE": "aaaa" + "n" * 14,
    "PT": "n" * 21,
    "PL": "n" * 24,
    "CH": "n" * 5 + "c" * 12,
    "NO": "n" * 11,
    "MT": "aaaa" + "n" * 5 + "c" * 18,
}


def iban(rng: random.Random) -> tuple[str, str]:
    country = rng.choice(sorted(IBAN_SHAPES))
    bban = "".join(
        rng.choice(string.digits)
        if c == "n"
        else rng.choice(string.ascii_uppercase)
        if c == "a"
        else rng.choice(string.digits * 3 + string.ascii_uppercase)
        for c in IBAN_SHAPES[country]
    )
    compact = country + iban_check_digits(country, bban) + bban
    grouped = " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    style = rng.choices(
        ("grouped", "compact", "grouped-lower", "compact-lower", "grouped-dashes",
         "grouped-nbsp", "grouped-double", "two-lines"),
        (20, 10, 10, 10, 2, 2, 1, 1),
    )[0]  # fmt: skip
    groups = grouped.split(" ")
    value = {
        "grouped": grouped,
        "compact": compact,
        "grouped-lower": grouped.lower(),
        "compact-lower": compact.lower(),
        "grouped-dashes": "-".join(groups),
        "grouped-nbsp": "\u00a0".join(groups),
        "grouped-double": "  ".join(groups),
        "two-lines": " ".join(groups[:3]) + "\n" + " ".join(groups[3:]),
    }[style]
    return value, f"{country.lower()}:{style}"


MAKERS: dict[str, Callable[[random.Random], tuple[str, str]]] = {
    "email": email,
    "phone": phone,
    "card": card,
    "iban": iban,
}

# -- protected tokens ------------------------------------------------------------------

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip


def order(rng: random.Random) -> tuple[str, str, str]:
    """``(lead-in, token, style)``: the token is what must stay."""
    style = rng.choice(("hash", "ord", "plain", "number", "po"))
    if style == "hash":
        return (
            rng.choice(("order ", "Re: ", "")),
            f"#{rng.choice('ABCDEFGHK')}-{_digits(rng, 6)}",
            style,
        )
    if style == "ord":
        return (
            rng.choice(("ref ", "order ", "")),
            f"ORD-{rng.randint(2019, 2025)}-{_digits(rng, 6)}",
            style,
        )
    if style == "plain":
        return (
            rng.choice(("order ", "Order ", "my order ")),
            str(rng.randint(10**7, 10**8 - 1)),
            style,
        )
    if style == "number":
        return (
            rng.choice(("order number ", "order no. ", "Order No: ")),
            str(rng.randint(10**7, 10**9 - 1)),
            style,
        )
    return "PO ", f"PO-{_digits(rng, 5)}", style  # fmt: skip


def date(rng: random.Random) -> tuple[str, str, str]:
    y, m, d = rng.randint(2019, 2026), rng.randint(1, 12), rng.randint(1, 28)
    style = rng.choice(("iso", "dmy-slash", "dmy-words", "dmy-dots", "mdy-words", "iso-slash"))
    value = {
        "iso": f"{y}-{m:02d}-{d:02d}",
        "dmy-slash": f"{d:02d}/{m:02d}/{y}",
        "dmy-words": f"{d} {MONTHS[m - 1]} {y}",
        "dmy-dots": f"{d:02d}.{m:02d}.{y}",
        "mdy-words": f"{MONTHS[m - 1]} {d}, {y}",
        "iso-slash": f"{y}/{m:02d}/{d:02d}",
    }[style]
    return rng.choice(("on ", "since ", "delivered ", "dated ", "")), value, style


def amount(rng: random.Random) -> tuple[str, str, str]:
    whole, cents = rng.randint(1, 9999), rng.randint(0, 99)
    style = rng.choice(("usd", "gbp", "eur-de", "eur-sign", "usd-code", "inr", "aud"))
    value = {
        "usd": f"${whole:,}.{cents:02d}",
        "gbp": f"£{whole}.{cents:02d}",
        "eur-de": f"{whole:,}".replace(",", ".") + f",{cents:02d} EUR",
        "eur-sign": f"€{whole:,}".replace(",", ".") + f",{cents:02d}",
        "usd-code": f"USD {whole:,}.{cents:02d}",
        "inr": f"₹{rng.randint(100, 99999):,}",
        "aud": f"AUD {whole}.{cents:02d}",
    }[style]
    return rng.choice(("charged ", "paid ", "refund of ", "total ", "")), value, style


def tracking(rng: random.Random) -> tuple[str, str, str]:
    style = rng.choice(("ups", "usps", "usps-grouped", "royal-mail", "dhl"))
    if style == "ups":
        alnum = "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(6))
        return (
            rng.choice(("UPS ", "UPS tracking ", "tracking ")),
            f"1Z{alnum}{_digits(rng, 10)}",
            style,
        )
    if style == "usps":
        return (
            rng.choice(("USPS ", "USPS tracking ")),
            rng.choice(("9400", "9205", "9361")) + _digits(rng, 18),
            style,
        )
    if style == "usps-grouped":
        raw = rng.choice(("9400", "9205", "9361")) + _digits(rng, 18)
        return "USPS tracking ", " ".join(raw[i : i + 4] for i in range(0, 22, 4)), style
    if style == "royal-mail":
        pre = "".join(rng.choice(string.ascii_uppercase) for _ in range(2))
        return rng.choice(("Royal Mail ", "tracking ", "")), f"{pre}{_digits(rng, 9)}GB", style
    lead = rng.choice(("DHL ", "DHL tracking ", "DHL waybill: ", "the DHL number is ", "DHL no. "))
    return lead, str(rng.randint(10**9, 10**10 - 1)), style  # fmt: skip


PROTECTORS: dict[str, Callable[[random.Random], tuple[str, str, str]]] = {
    "order": order,
    "date": date,
    "amount": amount,
    "tracking": tracking,
}

# -- messages --------------------------------------------------------------------------

LEADS: dict[str, tuple[str, ...]] = {
    "email": ("email me at {}", "my email is {}", "contact: {}", "send it to <{}>",
              "({})", "reply to {}", "mailto:{}", "my address \"{}\"", "{} is my email",
              "use {} instead"),
    "phone": ("call me on {}", "my number is {}", "mobile: {}", "ring me at {}",
              "you can reach me at {}", "tel {}", "Phone {}", "{} is my number",
              "WhatsApp {}", "text me on {}", "or try my landline {}", "({})",
              "best number: {}", "{}", "please call the customer on {}",
              "call me about my booking {}", "text me about the order on {}",
              "my account is {}, call me"),
    "card": ("card {}", "my card number is {}", "charged to {}", "card no. {}",
             "the card ending in {} was declined?", "{} (expires 08/27)", "paid with {}",
             "card {} 0827", "cards {} {}"),
    "iban": ("IBAN {}", "my IBAN is {}", "please refund to {}", "iban: {}",
             "account {} (bank transfer)", "{}"),
}  # fmt: skip
FILLERS = ("Hi there", "Hello", "Thanks", "Thank you so much", "I still have no update",
           "My parcel has not arrived", "I was charged twice", "Can someone help me",
           "This is the third time I write", "Sorry to bother you", "Any news?",
           "The app keeps crashing", "I want a refund", "Please cancel my subscription",
           "Grüße aus Zürich", "merci beaucoup", "ok 👍", "waiting since yesterday",
           "the courier left a note", "can I change the delivery address",
           "it says payment failed", "I called twice already", "see attached",
           "Sent from my phone")  # fmt: skip
JOINS = (". ", ", ", " - ", "\n", "! ", "; ", " and ", " or ", ": ")
ENDS = ("", ".", "!", "?", " :)", ".\n", " thanks")


class _Builder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.personal: list[Item] = []
        self.protected: list[Item] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)

    def labelled(self, kind: str, text: str, style: str, personal: bool) -> None:
        item = Item(kind, self.size, self.size + len(text), text, style)
        (self.personal if personal else self.protected).append(item)
        self.add(text)

    def sample(self) -> Sample:
        text = "".join(self.parts)
        for item in (*self.personal, *self.protected):
            assert text[item.start : item.end] == item.text
        return Sample(text, tuple(self.personal), tuple(self.protected))


def _clause(b: _Builder, rng: random.Random, slot: str) -> None:
    if slot in MAKERS:
        first, *rest = rng.choice(LEADS[slot]).split("{}")
        b.add(first)
        for after in rest:  # one piece of data per "{}"
            value, style = MAKERS[slot](rng)
            b.labelled(slot, value, style, personal=True)
            b.add(after)
    elif slot in PROTECTORS:
        lead, value, style = PROTECTORS[slot](rng)
        b.add(lead)
        b.labelled(slot, value, style, personal=False)
    else:
        b.add(rng.choice(FILLERS))


def _message(rng: random.Random, kinds: Sequence[str]) -> Sample:
    slots = list(kinds)
    slots += rng.sample(PROTECTED, rng.randint(1, 3))
    slots += ["filler"] * rng.randint(1, 2)
    rng.shuffle(slots)
    b = _Builder()
    for i, slot in enumerate(slots):
        if i:
            b.add(rng.choice(JOINS))
        _clause(b, rng, slot)
    b.add(rng.choice(ENDS))
    return b.sample()


def generate(n: int = DEFAULT_SIZE, seed: int = DEFAULT_SEED) -> list[Sample]:
    """``n`` messages, each with one to three pieces of personal data (every kind
    equally often, by rotation) and one to three protected tokens."""
    rng = random.Random(seed)
    samples: list[Sample] = []
    turn = 0
    for _ in range(n):
        kinds = []
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            kinds.append(KINDS[turn % len(KINDS)])
            turn += 1
        samples.append(_message(rng, kinds))
    return samples


# -- scoring ---------------------------------------------------------------------------

Span = tuple[str, int, int]
"""``(kind, start, end)`` as a finder reports it."""


@dataclass
class Scores:
    """What a finder got right and wrong on a corpus."""

    items: dict[str, int] = field(default_factory=dict)
    found: dict[str, int] = field(default_factory=dict)
    masked: dict[str, int] = field(default_factory=dict)
    exact: dict[str, int] = field(default_factory=dict)
    spans: int = 0
    false_positives: dict[str, int] = field(default_factory=dict)
    protected_items: dict[str, int] = field(default_factory=dict)
    protected_touched: dict[str, int] = field(default_factory=dict)
    misses: list[Item] = field(default_factory=list)
    touched: list[tuple[Item, Span]] = field(default_factory=list)
    extra: list[tuple[str, Span]] = field(default_factory=list)

    def recall(self, kind: str) -> float:
        """Share of ``kind`` items wholly covered by a span of the same kind."""
        return self.found.get(kind, 0) / self.items[kind] if self.items.get(kind) else 1.0

    def masked_share(self, kind: str) -> float:
        """Share of ``kind`` items wholly covered by a span of any kind."""
        return self.masked.get(kind, 0) / self.items[kind] if self.items.get(kind) else 1.0

    def precision(self) -> float:
        """Share of reported spans that overlap a personal item."""
        wrong = sum(self.false_positives.values())
        return 1.0 - wrong / self.spans if self.spans else 1.0

    def summary(self) -> dict[str, object]:
        return {
            "recall": {k: round(self.recall(k), 4) for k in self.items},
            "masked": {k: round(self.masked_share(k), 4) for k in self.items},
            "exact": {k: self.exact.get(k, 0) for k in self.items},
            "items": dict(self.items),
            "spans": self.spans,
            "false_positives": dict(self.false_positives),
            "precision": round(self.precision(), 4),
            "protected_items": dict(self.protected_items),
            "protected_touched": dict(self.protected_touched),
        }


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def score(samples: Iterable[Sample], finder: Callable[[str], Iterable[Span]]) -> Scores:
    """Run ``finder`` on every sample and count recall by kind, spans that match
    no personal item (false positives, by reported kind) and protected tokens
    that any span touches."""
    s = Scores()
    for sample in samples:
        spans = list(finder(sample.text))
        s.spans += len(spans)
        for item in sample.personal:
            s.items[item.kind] = s.items.get(item.kind, 0) + 1
            covering = [sp for sp in spans if sp[1] <= item.start and sp[2] >= item.end]
            if covering:
                s.masked[item.kind] = s.masked.get(item.kind, 0) + 1
            if any(sp[0] == item.kind for sp in covering):
                s.found[item.kind] = s.found.get(item.kind, 0) + 1
            else:
                s.misses.append(item)
            if any(sp == (item.kind, item.start, item.end) for sp in spans):
                s.exact[item.kind] = s.exact.get(item.kind, 0) + 1
        for item in sample.protected:
            s.protected_items[item.kind] = s.protected_items.get(item.kind, 0) + 1
            for sp in spans:
                if _overlaps(sp[1], sp[2], item.start, item.end):
                    s.protected_touched[item.kind] = s.protected_touched.get(item.kind, 0) + 1
                    s.touched.append((item, sp))
                    break
        for sp in spans:
            if not any(_overlaps(sp[1], sp[2], it.start, it.end) for it in sample.personal):
                s.false_positives[sp[0]] = s.false_positives.get(sp[0], 0) + 1
                s.extra.append((sample.text[sp[1] : sp[2]], sp))
    return s


# -- plain traffic for throughput --------------------------------------------------------


def chat_lines(size_bytes: int, *, share: float = 0.03, seed: int = 7) -> list[str]:
    """Chat lines adding up to about ``size_bytes`` of UTF-8, of which about
    ``share`` carry personal data (and protected tokens); the rest are plain
    messages of fillers, some with dates, amounts or order numbers."""
    rng = random.Random(seed)
    lines: list[str] = []
    total = 0
    while total < size_bytes:
        if rng.random() < share:
            kinds = [rng.choice(KINDS) for _ in range(rng.randint(1, 2))]
            line = _message(rng, kinds).text.replace("\n", " ")
        else:
            b = _Builder()
            for i in range(rng.randint(1, 4)):
                if i:
                    b.add(rng.choice(JOINS[:3]))
                slot = "filler" if rng.random() < 0.85 else rng.choice(PROTECTED)
                _clause(b, rng, slot)
            b.add(rng.choice(ENDS[:5]))
            line = "".join(b.parts)
        lines.append(line)
        total += len(line.encode()) + 1
    return lines


def to_json(samples: Sequence[Sample]) -> str:
    """The samples as a JSON array (for tools in another environment)."""
    return json.dumps([asdict(s) for s in samples], ensure_ascii=False)


def from_json(text: str) -> list[Sample]:
    """The inverse of :func:`to_json`."""
    return [
        Sample(
            d["text"],
            tuple(Item(**i) for i in d["personal"]),
            tuple(Item(**i) for i in d["protected"]),
        )
        for d in json.loads(text)
    ]


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "redaction_corpus.json"
    with open(out, "w", encoding="utf-8") as handle:
        handle.write(to_json(generate()))
