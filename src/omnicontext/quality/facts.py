"""Facts and figures in free text, normalised so that renderings can be compared.

A rendering of an approved answer must keep its meaning: the same amounts,
durations, times, percentages, contact numbers and policy counts. This module
pulls those out of a text and writes each in one normal form, so that ``"£5"``,
``"£5.00"``, ``"5 pounds"`` and ``"GBP 5"`` compare equal, and so do
``"two weeks"`` and ``"14 days"``.

>>> [(f.kind.value, f.value, f.text) for f in extract_facts(
...     "Refunds take 3-5 working days; the fee is £5.99/month, call 0333 103 1031 after 5pm.")]
[('duration', '3-5 business days', '3-5 working days'),
 ('money', 'GBP 5.99', '£5.99'),
 ('phone', '03331031031', '0333 103 1031'),
 ('time', '17:00', '5pm')]
>>> fact_set("Two weeks, £5") == fact_set("14 days, GBP 5.00")
True

What is read, and the normal form of each :class:`FactKind`:

* **money**: ``"<CODE> <amount with 2 decimals>"``. Symbols ``£ $ €`` (``US$`` too),
  before or after the amount; the codes ``GBP USD EUR CAD AUD CHF JPY INR``, before
  or after; the words ``pound(s)``, ``quid``, ``dollar(s)``, ``euro(s)`` after a
  number in digits or words; pence as ``50p``, ``50 pence`` (``GBP 0.50``). ``$``
  and ``dollars`` are read as US dollars; a ``$`` glued to other letters
  (``CA$5``, ``A$5``) is not read at all. Thousands commas (``1,299.99``) and the
  multipliers ``k``, ``m``, ``bn`` (glued), ``thousand``, ``million``, ``billion``
  are read. Every code keeps two decimals, the yen included (``JPY 500.00``); an
  amount written with more decimals (``£5.999``) is not money. Decimal commas
  (``5,00 €``) and cents are not read.
* **percent**: ``"10%"``, ``"2.5%"``, ranges ``"10-20%"`` (``10-20%``, ``10 to 20
  percent``); from ``%``, ``per cent``, ``percent``, ``pct``, with the number in
  digits or words.
* **duration**: ``"<n> <unit>"``, the unit singular when ``n`` is exactly 1 and
  plural otherwise (``"1 day"``, ``"14 days"``, ``"1 business day"``); a range
  ``"3-5 business days"`` (from ``3-5``, ``3\u20135``, ``3 to 5``, ``3 or 5``,
  ``between 3 and 5``) is always plural. Units: ``second``, ``minute``, ``hour``,
  ``business hour``, ``day``, ``business day``, ``month``, ``year``. Weeks and
  fortnights become days (``"two weeks"`` is ``"14 days"``), working or business
  weeks become 5 business days each, ``working``/``business`` days stay distinct
  from days, calendar days are days, ``half an hour`` is ``"30 minutes"``,
  ``an hour and a half`` is ``"1.5 hours"``, ``a day or two`` is ``"1-2 days"``;
  hours are never turned into days (``"24 hours"`` stays). Abbreviations ``min(s)``,
  ``sec(s)``, ``hr(s)``, ``wk(s)``, ``yr(s)``, and ``h`` glued to the number
  (``"4h"``). ``a``/``an`` count as one only after a word that introduces a length
  of time (``within a week``, ``in an hour``, ``less than a day``, ``takes a
  week``); ``£5 a month``, ``twice a day``, ``calls a day`` are rates, not facts.
* **time**: a clock time as 24-hour ``"HH:MM"``, from ``9am``, ``9:00 am``,
  ``5.30pm``, ``5 p.m.``, ``17:30``, ``09:00``, ``noon``/``midday`` (``12:00``) and
  ``midnight`` (``00:00``). A dotted time without am/pm (``15.30``) is not read:
  it cannot be told from a decimal.
* **phone**: the digits, with a leading ``+`` kept (``"+442079460958"``; a
  ``(0)`` after the country code is dropped). Three shapes are read:
  international (``+`` and a length the country allows), national with a leading
  ``0`` (9 to 11 digits: ``0333 103 1031``, ``03331 031 031``) and North American
  (``1-800-275-2273``, ``(800) 275-2273``, ``800.275.2273``). A run of digits with
  no such shape (``order 123456789``, a tweet id, a version, a date, a year) is
  not a phone, nor is a number right after ``order``, ``ref``, ``tracking``,
  ``account``, ``invoice`` and similar words.
* **number**: only counts a policy rests on, the value being the number
  (``"25"``): age limits after ``under``, ``over`` or ``aged`` (``under 25``,
  ``over-18s``, ``aged 18 or over``) when no noun follows (``over 50 stores`` is
  not one), and a count of ``items``, ``replacements``, ``attempts``, ``tries``,
  ``devices``, ``bags``, ``tickets``, ``passengers``, ``guests``, ``returns``,
  ``exchanges``, ``refunds``, ``renewals``, ``transfers``, ``changes``,
  ``reminders``, ``parcels`` (``"3 items"``, ``"two free replacements"``). A
  scheme name such as ``Think 25`` alone is not a fact.

Numbers in words are read from one to twenty, the tens (twenty to ninety, with
compounds such as ``twenty-four``) and ``a hundred``, ``one hundred`` to ``nine
hundred``. A number glued to a word, a handle, a link or another number is no
figure (``SM-T280``, ``#iphone6``, ``11.0.3``), except after ``am``/``pm``:
``8am-8pm`` is two times. Matching ignores case; Unicode dashes, no-break and
other spaces and full-width forms are folded as NFKC would, one character for
one, so every span indexes the text as given.

Not facts (out of scope): dates (``12/03/2026``, ``3 March``, ``in 2026``),
thread markers and ratios (``2/2``, ``24/7``), flight, order and tracking
numbers (``BA8733``), handles and links (``@105842``, ``t.co/GDrqU22YpT``),
version numbers (``iOS 11.0.3``), and bare numbers. Where two readings overlap
the leftmost, then longest, wins (``"3-5 working days"`` is one duration,
``"£5.99/month"`` is only money), and a policy count never takes digits another
fact holds.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Final

import attrs
import phonenumbers

from omnicontext.errors import FieldError, InvalidInput

__all__ = ["Fact", "FactKind", "extract_facts", "fact_set"]


class FactKind(enum.StrEnum):
    """What sort of figure a :class:`Fact` is; each member is its plain string.

    >>> FactKind.MONEY == "money"
    True
    """

    MONEY = "money"
    """An amount of money: ``"GBP 5.00"``."""
    PERCENT = "percent"
    """A percentage: ``"10%"``, ``"2.5%"``."""
    DURATION = "duration"
    """A length of time: ``"14 days"``, ``"3-5 business days"``, ``"1 hour"``."""
    TIME = "time"
    """A clock time, 24-hour: ``"17:30"``."""
    PHONE = "phone"
    """A contact number, digits only with a leading ``+`` kept."""
    NUMBER = "number"
    """A policy count or age limit: ``"25"``."""


def _kind(value: str) -> FactKind:
    if value.__class__ is FactKind:
        return value
    try:
        return FactKind(value)
    except ValueError:
        raise InvalidInput(
            "fact",
            [FieldError("kind", value, f"must be one of {', '.join(k.value for k in FactKind)}")],
        ) from None


@attrs.frozen
class Fact:
    """One figure found in a text: its :class:`FactKind`, normal form and span.

    Two facts state the same thing when their ``(kind, value)`` are equal;
    ``text`` is the figure as written and ``text == source[start:end]``.

    >>> fact = extract_facts("Call us within 48 hours.")[0]
    >>> fact
    Fact(kind=<FactKind.DURATION: 'duration'>, value='48 hours', text='48 hours', start=15, end=23)
    >>> Fact("money", "GBP 5.00", "£5", 0, 3)
    Traceback (most recent call last):
    ...
    omnicontext.errors.InvalidInput: invalid fact: end=3: the span 0..3 does not fit text '£5'
    """

    kind: FactKind = attrs.field(converter=_kind)
    value: str
    text: str
    start: int
    end: int

    def __attrs_post_init__(self) -> None:
        if not (
            isinstance(self.value, str)
            and isinstance(self.text, str)
            and type(self.start) is int
            and type(self.end) is int
        ):
            for name, kind in (("value", str), ("text", str), ("start", int), ("end", int)):
                value = getattr(self, name)
                if not isinstance(value, kind) or isinstance(value, bool):
                    reason = "must be a string" if kind is str else "must be an integer"
                    raise InvalidInput("fact", [FieldError(name, value, reason)])
        if not 0 <= self.start <= self.end or self.end - self.start != len(self.text):
            reason = f"the span {self.start}..{self.end} does not fit text {self.text!r}"
            raise InvalidInput("fact", [FieldError("end", self.end, reason)])


# ---------------------------------------------------------------------------
# Preparing the text: folded and lower-cased one character for one, so that
# every span found in it indexes the text as given.


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in (0x00A0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000):
        table[cp] = " "
    for cp in (*range(0x2010, 0x2016), 0x2212, 0xFE58, 0xFE63):
        table[cp] = "-"
    for cp in range(0xFF01, 0xFF5F):
        table[cp] = chr(cp - 0xFEE0)
    table[0xFFE1] = "£"
    return table


_FOLD: Final = _fold_table()
_TO_FOLD: Final = re.compile("[" + "".join(re.escape(chr(cp)) for cp in sorted(_FOLD)) + "]")


def _prepare(text: str) -> str:
    if text.isascii():
        return text.lower()
    folded = text.translate(_FOLD) if _TO_FOLD.search(text) else text
    lowered = folded.lower()
    if len(lowered) == len(folded):
        return lowered
    return "".join(low if len(low := c.lower()) == 1 else c for c in folded)


def _blocked(s: str, start: int) -> bool:
    """Whether the character before ``start`` glues a figure to a word, handle or link."""
    if start == 0:
        return False
    before = s[start - 1]
    return before.isalnum() or before in "_@#/$£€¥"


# ---------------------------------------------------------------------------
# Numbers. Every pattern starts with a digit or a literal word, so that the
# regular expression engine only tries the places where one could start.

_ONES: Final = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
_TEENS: Final = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS: Final = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_WORD_VALUES: Final = {**_ONES, **_TEENS, **_TENS, "a": 1}


def _word(word: str) -> str:
    """``word`` where it starts a word (not after a letter, digit, dash, handle...)."""
    return rf"{word}(?<![\w@#/$£€¥\-]{word})"


_ONES_ALT: Final = "|".join(_ONES)
_W_NUM: Final = (
    "(?:"
    + "|".join(
        [rf"{_word(w)}(?:[ \t-]+(?:{_ONES_ALT}))?" for w in _TENS]
        + [_word(w) for w in _TEENS]
        + [rf"{_word(w)}(?:[ \t-]+hundred)?" for w in _ONES]
        + [rf"{_word('a')}[ \t-]+hundred"]
    )
    + r")\b"
)
# Right after a figure's first digit: the character before that digit must not
# glue it to a word, a handle, a link or another number ("SM-T280", "11.0.3");
# a dash after "am" or "pm" starts a figure ("8am-8pm"), and so does one after
# a clock time's minutes ("09:00-17:30").
_LB: Final = (
    r"(?<![\w@#/$£€¥][0-9])(?<!\w[.,:][0-9])"
    r"(?<!(?<!:[0-9])[^\Wm]-[0-9])(?<![^ap]m-[0-9])"
)
_END: Final = r"(?![0-9]|[.,][0-9])"
_INT_REST: Final = r"(?:[0-9]{0,2}(?:,[0-9]{3})+|[0-9]*)"
_ANY_NUM: Final = rf"(?:[0-9]{_INT_REST}(?:\.[0-9]+)?{_END}|{_W_NUM})"
_S: Final = r"[ \t]*"

_Number = int | Decimal


def _number(text: str) -> _Number:
    """A number in digits or words, as matched by the patterns."""
    if text[0].isdigit():
        text = text.replace(",", "")
        return Decimal(text) if "." in text else int(text)
    words = re.split(r"[ \t-]+", text)
    if words[-1] == "hundred":
        return 100 * _WORD_VALUES[words[0]]
    return sum(_WORD_VALUES[w] for w in words)


def _plain(number: _Number) -> str:
    """``14``, ``2.5``: no exponent, no trailing zeros."""
    if isinstance(number, int):
        return str(number)
    return format(number.normalize(), "f")


_Found = tuple[int, int, FactKind, str]
_Reader = Callable[[re.Match[str], str], _Found | None]

# ---------------------------------------------------------------------------
# The parts of the patterns.

_CODES: Final = ("gbp", "usd", "eur", "cad", "aud", "chf", "jpy", "inr")
_SYMBOLS: Final = {"£": "GBP", "$": "USD", "€": "EUR"}
_MONEY_WORDS: Final = {"pound": "GBP", "quid": "GBP", "dollar": "USD", "euro": "EUR"}
_MULTIPLIERS: Final = {
    "k": 1000,
    "thousand": 1000,
    "m": 1_000_000,
    "million": 1_000_000,
    "bn": 1_000_000_000,
    "billion": 1_000_000_000,
}
_AMOUNT_REST: Final = rf"{_INT_REST}(?:\.[0-9]{{1,2}})?{_END}"
_MULT: Final = r"(?P<x>(?:k|m|bn)\b|[ \t]*(?:thousand|million|billion)\b)?"
_MONEY_WORD: Final = r"(?P<w>pound|quid|dollar|euro)s?\b"
# After an amount: 5 GBP, 5€, 50p, 50 pence, 5 pounds.
_MONEY_TAIL: Final = (
    rf"[ \t]?(?P<c>{'|'.join(_CODES)})\b|[ \t]?(?P<s>[£$€])"
    rf"|(?P<p>p\b|[ \t]*(?:pence|penny)\b)|[ \t]+{_MONEY_WORD}"
)
_UNIT: Final = (
    r"(?P<unit>(?P<biz>business|working)[ \t-]+(?:days?|weeks?|hours?|hrs?)"
    r"|(?:calendar[ \t-]+)?days?|weeks?|wks?|fortnights?|months?|years?|yrs?"
    r"|hours?|hrs?|(?<=[0-9])h|minutes?|mins?|seconds?|secs?)\b"
)
# After a number: a range's end, then a percent sign or a unit of time.
_RANGE_TAIL: Final = (
    rf"(?:{_S}(?:-|to|or){_S}(?P<hi>{_ANY_NUM}))?{_S}"
    rf"(?:(?P<pct>%|per[ \t]?cent\b|percent\b|pct\b)|-?{_S}{_UNIT})"
)
_NOUNS: Final = (
    "item",
    "replacement",
    "attempt",
    "device",
    "bag",
    "ticket",
    "passenger",
    "guest",
    "return",
    "exchange",
    "refund",
    "renewal",
    "transfer",
    "change",
    "reminder",
    "parcel",
)
_COUNT_TAIL: Final = (
    rf"[ \t]+(?:free[ \t]+)?(?P<noun>{'|'.join(n + 's?' for n in _NOUNS)}|tries)\b"
)

# ---------------------------------------------------------------------------
# Figures that start with a digit: one pattern, one pass.

_DIGIT_LED: Final = re.compile(
    rf"[0-9]{_LB}(?:"
    # a clock time: 9am, 5.30pm, 5 p.m., 17:30
    rf"(?P<h>[0-9]?)(?:(?P<sep>[:.])(?P<mm>[0-5][0-9]))?(?![0-9]|:[0-9]|[.,][0-9])"
    rf"(?:{_S}(?P<ap>[ap])(?:\.m\b\.?|m\b)|(?<=:[0-5][0-9]))"
    # a number and what it counts: money, a percentage, a duration, a policy count
    rf"|(?P<n>{_INT_REST}(?:\.[0-9]+)?){_END}(?:{_MONEY_TAIL}|{_RANGE_TAIL}|{_COUNT_TAIL}))"
)
# The same after a number in words: five pounds, ten percent, two weeks, three items.
_WORD_LED: Final = re.compile(
    rf"(?P<n>{_W_NUM})(?:[ \t]+{_MONEY_WORD}|{_RANGE_TAIL}|{_COUNT_TAIL})"
)


def _cents(text: str) -> int | None:
    """An amount in digits or words in cents; ``None`` past two decimals."""
    if not text[0].isdigit():
        return int(_number(text)) * 100
    whole, _, fraction = text.replace(",", "").partition(".")
    if len(fraction) > 2:
        return None
    return int(whole) * 100 + int(fraction.ljust(2, "0"))


def _money_value(code: str, cents: int, multiplier: str | None = None) -> str:
    """``"GBP 5.00"``: exact, whatever the size of the amount."""
    if multiplier:
        cents *= _MULTIPLIERS[multiplier.strip()]
    return f"{code} {cents // 100}.{cents % 100:02d}"


def _time(m: re.Match[str], s: str) -> _Found | None:
    start = m.start()
    hour, minute = int(s[start : m.end("h")]), m["mm"] or "00"
    if m["ap"] is None:
        if m["sep"] != ":" or hour > 23:
            return None
    elif m["ap"] == "a":
        if hour > 12:
            return None
        hour = 0 if hour == 12 else hour
    elif hour == 0 or hour > 23:
        return None
    elif hour < 12:
        hour += 12
    return start, m.end(), FactKind.TIME, f"{hour:02d}:{minute}"


def _unit(written: str, business: bool) -> tuple[str, int]:
    """The canonical unit of ``written`` and how many of it one ``written`` is."""
    if business:
        rest = written.removeprefix("business").removeprefix("working").lstrip(" \t-")
        if rest.startswith("week"):
            return "business day", 5
        if rest.startswith("day"):
            return "business day", 1
        return "business hour", 1
    if written.startswith("fortnight"):
        return "day", 14
    if written.startswith(("week", "wk")):
        return "day", 7
    if written.startswith(("day", "calendar")):
        return "day", 1
    if written.startswith("month"):
        return "month", 1
    if written.startswith(("year", "yr")):
        return "year", 1
    if written.startswith("h"):
        return "hour", 1
    if written.startswith("min"):
        return "minute", 1
    return "second", 1


def _ranged(m: re.Match[str], lo: _Number) -> _Found:
    """A percentage or a duration from ``lo`` and the range tail matched in ``m``."""
    hi = _number(m["hi"]) if m["hi"] is not None else None
    if m["pct"] is not None:
        if hi is not None and hi != lo:
            return m.start(), m.end(), FactKind.PERCENT, f"{_plain(lo)}-{_plain(hi)}%"
        return m.start(), m.end(), FactKind.PERCENT, f"{_plain(lo)}%"
    return m.start(), m.end(), FactKind.DURATION, _duration_value(lo, hi, m)


def _duration_value(lo: _Number, hi: _Number | None, m: re.Match[str]) -> str:
    unit, factor = _unit(m["unit"], m["biz"] is not None)
    lo *= factor
    if hi is not None and hi * factor != lo:
        return f"{_plain(lo)}-{_plain(hi * factor)} {unit}s"
    return f"{_plain(lo)} {unit if lo == 1 else unit + 's'}"


def _led(m: re.Match[str], s: str) -> _Found | None:
    """Read a match of :data:`_DIGIT_LED` or :data:`_WORD_LED`."""
    if m["n"] is None:
        return _time(m, s)
    start = m.start()
    text = s[start : m.end("n")]
    if m["noun"] is not None:
        if "." in text:
            return None
        return start, m.end(), FactKind.NUMBER, _plain(_number(text))
    if m["unit"] is not None or m["pct"] is not None:
        return _ranged(m, _number(text))
    if m["w"] is not None:
        code = _MONEY_WORDS[m["w"]]
    elif m["c"] is not None:
        code = m["c"].upper()
    elif m["s"] is not None:
        code = _SYMBOLS[m["s"]]
    else:  # pence
        if "." in text:
            return None
        return start, m.end(), FactKind.MONEY, _money_value("GBP", int(text.replace(",", "")))
    cents = _cents(text)
    if cents is None:
        return None
    return start, m.end(), FactKind.MONEY, _money_value(code, cents)


# ---------------------------------------------------------------------------
# Figures that start otherwise.

# £5, $1,299.99, €5m (US$5 too: the reader looks back for "us")
_MONEY_SYMBOL: Final = re.compile(rf"(?P<s>[£$€])[ \t]?(?P<a>[0-9]{_AMOUNT_REST}){_MULT}")
# GBP 5, eur0.50
_MONEY_CODE: Final = re.compile(
    rf"(?P<c>{'|'.join(_word(c) for c in _CODES)})[ \t]?(?P<a>[0-9]{_AMOUNT_REST}){_MULT}"
)


def _money_symbol(m: re.Match[str], s: str) -> _Found | None:
    start = m.start()
    if _blocked(s, start):
        if s[max(0, start - 2) : start] != "us" or _blocked(s, start - 2):
            return None
        start -= 2
    cents = _cents(m["a"])
    if cents is None:  # pragma: no cover - the pattern allows two decimals at most
        return None
    value = _money_value(_SYMBOLS[m["s"]], cents, m["x"])
    return start, m.end(), FactKind.MONEY, value


def _money_code(m: re.Match[str], s: str) -> _Found | None:
    cents = _cents(m["a"])
    if cents is None:  # pragma: no cover - the pattern allows two decimals at most
        return None
    value = _money_value(m["c"].upper(), cents, m["x"])
    return m.start(), m.end(), FactKind.MONEY, value


_DURATION_BETWEEN: Final = re.compile(
    rf"{_word('between')}[ \t]+(?P<lo>{_ANY_NUM})[ \t]+and[ \t]+(?P<hi>{_ANY_NUM})"
    rf"{_S}-?{_S}{_UNIT}"
)
_DURATION_ARTICLE: Final = re.compile(rf"(?:{_word('an')}|{_word('a')})[ \t]+{_UNIT}")
_DURATION_HALF: Final = re.compile(rf"{_word('half')}(?:[ \t]+an[ \t]+|[ \t-]+)hour\b")
# "a"/"an" is one only after a word that introduces a length of time.
_ARTICLE_CONTEXT: Final = re.compile(
    r"(?<!\w)(?:in|within|for|after|over|under|than|about|around|approximately|roughly"
    r"|nearly|almost|least|most|to|take|takes|took|taking|allow|wait|waited|last|lasts"
    r"|lasted|only|just)[ \t]+$"
)


def _duration_between(m: re.Match[str], s: str) -> _Found | None:
    value = _duration_value(_number(m["lo"]), _number(m["hi"]), m)
    return m.start(), m.end(), FactKind.DURATION, value


_ARTICLE_TAIL: Final = re.compile(
    rf"[ \t]+(?:(?P<half>and[ \t]+a[ \t]+half\b)|or[ \t]+(?P<hi>{_ANY_NUM}))"
)


def _duration_article(m: re.Match[str], s: str) -> _Found | None:
    if not _ARTICLE_CONTEXT.search(s[max(0, m.start() - 24) : m.start()]):
        return None
    tail = _ARTICLE_TAIL.match(s, m.end())
    if tail is not None and tail["half"] is not None:  # "an hour and a half"
        return m.start(), tail.end(), FactKind.DURATION, _duration_value(Decimal("1.5"), None, m)
    if tail is not None and tail["hi"] is not None:  # "a day or two"
        value = _duration_value(1, _number(tail["hi"]), m)
        return m.start(), tail.end(), FactKind.DURATION, value
    return m.start(), m.end(), FactKind.DURATION, _duration_value(1, None, m)


def _duration_half(m: re.Match[str], s: str) -> _Found | None:
    return m.start(), m.end(), FactKind.DURATION, "30 minutes"


_TIME_WORDS: Final = re.compile(r"(?:12[ \t]*)?(?P<w>noon|midday|midnight)\b")


def _time_words(m: re.Match[str], s: str) -> _Found | None:
    if _blocked(s, m.start()):
        return None
    return m.start(), m.end(), FactKind.TIME, "00:00" if m["w"] == "midnight" else "12:00"


_AGE: Final = re.compile(
    rf"(?:{_word('under')}|{_word('over')}|{_word('aged')})[ \t-]+(?P<n>[0-9]{{1,2}}){_END}"
    r"(?:s\b|\+)?(?:[ \t]*(?:years?|yrs?)(?:[ \t-]*old)?s?\b)?"
    # what may follow an age limit: an end, punctuation, or a verb or conjunction
    r"(?=[ \t]*(?:$|[\r\n]|[^\w\s.,:%/\-]|[.,:](?![0-9])"
    r"|(?:and|or|are|is|will|can|cannot|must|need|needs|may|should|who|with|without|only"
    r"|policy|get|go|pay|require|required|requires|have|has|be|do|don)\b))"
)


def _age(m: re.Match[str], s: str) -> _Found | None:
    return m.start(), m.end(), FactKind.NUMBER, str(int(m["n"]))


# ---------------------------------------------------------------------------
# Phone numbers.

_PHONE: Final = re.compile(
    r"(?<![\w@#/$£€¥+.,])(?<!\w-)"
    # seven digits close together ahead, checked before anything else
    r"(?=(?:[ \t.()+\-]{0,3}[0-9]){7})"
    # at most 25 digits or bracketed groups: no phone number is longer, and a
    # bound keeps a line of many numbers linear
    r"(?P<p>\+[ \t]?)?(?:\([0-9]{1,5}\)|[0-9])(?:[ \t.\-]?(?:\([0-9]{1,5}\)|[0-9])){0,24}"
    r"(?![0-9]|[.,][0-9])"
)
_PHONE_HINT: Final = re.compile(r"[0-9](?:[ \t.()+\-]{0,3}[0-9]){6}")
_PHONE_GROUP: Final = re.compile(r"\(([0-9]+)\)|[0-9]+")
# A number right after one of these words is an identifier, not a phone number
# ("order 0123456789", "ref no. 0123456789").
_ID_WORDS: Final = frozenset(
    [
        "order",
        "ref",
        "reference",
        "tracking",
        "account",
        "acct",
        "case",
        "ticket",
        "invoice",
        "booking",
        "confirmation",
        "serial",
        "policy",
        "membership",
        "member",
        "card",
        "customer",
        "id",
        "parcel",
        "shipment",
        "consignment",
        "transaction",
        "reservation",
        "claim",
    ]
)
_NUMBER_SIGNS: Final = frozenset(["no", "num", "number", "nr", "id", "ref", "code"])
_NANP_SHAPES: Final = ((3, 3, 4), (1, 3, 3, 4))


def _possible_international(digits: str) -> bool:
    try:
        number = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_possible_number(number))


def _phone_value(groups: list[tuple[str, bool]], plus: bool, dotted: bool) -> str | None:
    """The normal form of a number made of ``groups`` (digits, whether in brackets)."""
    if plus:
        kept = [g for i, g in enumerate(groups) if not (i and g == ("0", True))]
        if dotted and any(len(d) < 2 for d, _ in kept[1:]):
            return None
        digits = "".join(d for d, _ in kept)
        return "+" + digits if _possible_international(digits) else None
    digits = "".join(d for d, _ in groups)
    if digits[0] == "0":
        if dotted and any(len(d) < 2 for d, _ in groups):
            return None
        return digits if 9 <= len(digits) <= 11 else None
    shape = tuple(len(d) for d, _ in groups)
    if shape not in _NANP_SHAPES or (len(shape) == 4 and groups[0][0] != "1"):
        return None
    area, exchange = groups[-3], groups[-2]
    if area[0][0] in "01" or exchange[0][0] in "01" or exchange[1] or groups[-1][1]:
        return None
    return digits


_MAX_PHONE_DIGITS: Final = 17


def _phone(m: re.Match[str], s: str) -> _Found | None:
    """The longest run of the groups matched that makes a phone number."""
    start = m.start()
    before = s[max(0, start - 40) : start].split()
    if before:
        last = before[-1].strip(".:#")
        if last in _ID_WORDS or (
            last in _NUMBER_SIGNS and len(before) > 1 and before[-2].strip(".:#") in _ID_WORDS
        ):
            return None
    matched = m.group()
    groups: list[tuple[str, bool]] = []
    ends: list[int] = []
    dots: list[bool] = []
    previous_end = 0
    digits = 0
    for g in _PHONE_GROUP.finditer(matched):
        digits += len(g.group(1) or g.group())
        if digits > _MAX_PHONE_DIGITS and groups:
            break  # no phone number has more digits (E.164: 15, with a trunk 0 or 00)
        bracketed = g.group(1) is not None
        groups.append((g.group(1) if bracketed else g.group(), bracketed))
        ends.append(g.end())
        dots.append("." in matched[previous_end : g.start()])
        previous_end = g.end()
    plus = m["p"] is not None
    for count in range(len(groups), 0, -1):
        value = _phone_value(groups[:count], plus, any(dots[1:count]))
        if value is not None:
            return start, start + ends[count - 1], FactKind.PHONE, value
    return None


def _phones(s: str) -> Iterator[_Found]:
    """The phone numbers of ``s``, searched for only where seven digits are close."""
    pos = 0
    while (hint := _PHONE_HINT.search(s, pos)) is not None:
        m = _PHONE.search(s, max(pos, hint.start() - 3))
        if m is None:  # pragma: no cover - a hint always holds a candidate
            return
        found = _phone(m, s)
        if found is None:
            pos = m.start() + 1
        else:
            yield found
            pos = found[1]


# ---------------------------------------------------------------------------
# Which patterns to run. The checks are plain substring tests, written out: a
# loop or a generator would cost more than the tests themselves.

_Run = tuple[re.Pattern[str], _Reader]
_DIGIT: Final = re.compile(r"[0-9]")
# Number words; "a hundred" is found by its "hundred".
_W_HINT: Final = re.compile("|".join(_word(w) for w in (*_TENS, *_TEENS, *_ONES)) + r"|hundred")
_HR: Final = re.compile(r"(?<![a-z])hrs?\b")


def _has_unit(s: str) -> bool:
    return (
        "day" in s
        or "week" in s
        or "month" in s
        or "year" in s
        or "hour" in s
        or "min" in s
        or "sec" in s
        or "fortnight" in s
        or "wk" in s
        or "yr" in s
        or ("hr" in s and _HR.search(s) is not None)
    )


def _has_code(s: str) -> bool:
    return (
        "gbp" in s
        or "usd" in s
        or "eur" in s
        or "cad" in s
        or "aud" in s
        or "chf" in s
        or "jpy" in s
        or "inr" in s
    )


def _may_have_word_number(s: str) -> bool:
    return (
        "one" in s
        or "two" in s
        or "three" in s
        or "four" in s
        or "five" in s
        or "six" in s
        or "seven" in s
        or "eight" in s
        or "nine" in s
        or "ten" in s
        or "eleven" in s
        or "twel" in s
        or "thirt" in s
        or "fif" in s
        or "forty" in s
        or "twenty" in s
        or "hundred" in s
    )


def _word_starts(s: str) -> list[int] | None:
    """Where number words start in ``s``; ``None``: try everywhere ("a hundred")."""
    starts: list[int] = []
    if not _may_have_word_number(s):
        return starts
    for m in _W_HINT.finditer(s):
        if m.group() == "hundred":
            return None
        starts.append(m.start())
    return starts


def _plan(s: str) -> list[_Run]:
    """The patterns, other than the digit-led, word-led and phone ones, worth running."""
    runs: list[_Run] = []
    if "£" in s or "$" in s or "€" in s:
        runs.append((_MONEY_SYMBOL, _money_symbol))
    if _has_code(s):
        runs.append((_MONEY_CODE, _money_code))
    if "under" in s or "over" in s or "aged" in s:
        runs.append((_AGE, _age))
    if _has_unit(s):
        runs.append((_DURATION_ARTICLE, _duration_article))
        if "between" in s:
            runs.append((_DURATION_BETWEEN, _duration_between))
        if "half" in s:
            runs.append((_DURATION_HALF, _duration_half))
    if "noon" in s or "midday" in s or "midnight" in s:
        runs.append((_TIME_WORDS, _time_words))
    return runs


def _everything(s: str) -> Iterator[_Found]:
    """Every reading of ``s``, overlapping ones included."""
    if _DIGIT.search(s) is not None:
        for m in _DIGIT_LED.finditer(s):
            if (found := _led(m, s)) is not None:
                yield found
        if _PHONE_HINT.search(s) is not None:
            yield from _phones(s)
    starts = _word_starts(s)
    matches = _WORD_LED.finditer(s) if starts is None else (_WORD_LED.match(s, p) for p in starts)
    for word_match in matches:
        if word_match is not None and (found := _led(word_match, s)) is not None:
            yield found
    for pattern, reader in _plan(s):
        for m in pattern.finditer(s):
            if (found := reader(m, s)) is not None:
                yield found


# Kinds in the order they win a tie (same start, same length).
_RANK: Final = {
    FactKind.MONEY: 0,
    FactKind.PHONE: 1,
    FactKind.TIME: 2,
    FactKind.PERCENT: 3,
    FactKind.DURATION: 4,
    FactKind.NUMBER: 5,
}


def extract_facts(text: str) -> tuple[Fact, ...]:
    """The facts of ``text``, in order of appearance and never overlapping.

    Where readings overlap, the one starting first wins, and of those starting
    at the same place the longest: ``"3-5 working days"`` is one duration,
    ``"£5.99/month"`` is money only. A policy count (:attr:`FactKind.NUMBER`)
    never overlaps another fact: a money amount's digits are never also a
    number. Dates, version numbers, handles and the like are not facts; every
    rule is in the module documentation (:mod:`omnicontext.quality.facts`).

    Raises :class:`~omnicontext.errors.InvalidInput` if ``text`` is not a string.

    >>> [(f.kind.value, f.value) for f in extract_facts(
    ...     "Over 18s only: 2 free replacements within a fortnight, 10% off, 9am to 5.30pm.")]
    [('number', '18'), ('number', '2'), ('duration', '14 days'), ('percent', '10%'),
     ('time', '09:00'), ('time', '17:30')]
    >>> extract_facts("BA8733 on 12/03/2026, iOS 11.0.3, order 123456789, 24/7, 2/2")
    ()
    """
    if not isinstance(text, str):
        raise InvalidInput("text", [FieldError("text", text, "must be a string")])
    s = _prepare(text)
    found: list[tuple[int, int, int, FactKind, str]] = []
    counts: list[_Found] = []
    for start, end, kind, value in _everything(s):
        if kind is FactKind.NUMBER:
            counts.append((start, end, kind, value))
        else:
            found.append((start, -end, _RANK[kind], kind, value))
    found.sort()
    taken: list[_Found] = []
    last_end = 0
    for start, neg_end, _, kind, value in found:
        if start >= last_end:
            taken.append((start, -neg_end, kind, value))
            last_end = -neg_end
    for start, end, kind, value in counts:
        if all(end <= t[0] or start >= t[1] for t in taken):
            taken.append((start, end, kind, value))
    taken.sort()
    return tuple(
        Fact(kind, value, text[start:end], start, end) for start, end, kind, value in taken
    )


def fact_set(text: str) -> frozenset[tuple[str, str]]:
    """The ``(kind, value)`` pairs of :func:`extract_facts`: what comparisons use.

    Two texts state the same facts when their sets are equal; the difference
    of two sets names what one rendering adds or loses.

    >>> sorted(fact_set("Refunds within 2 weeks, £5 fee."))
    [('duration', '14 days'), ('money', 'GBP 5.00')]
    >>> fact_set("£5") == fact_set("£5.00") == fact_set("5 pounds") == fact_set("GBP 5")
    True
    """
    return frozenset((fact.kind.value, fact.value) for fact in extract_facts(text))
