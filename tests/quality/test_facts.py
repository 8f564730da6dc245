"""Facts and figures pulled out of free text (omnicontext.quality.facts).

A table of texts and the facts expected in them (each written form, and the
traps that must give nothing), the equalities comparisons rest on, properties
over generated texts, and the public sample of the Twitter support corpus
(read in place from ``../shared/data``; skipped when absent).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicontext.datasets import read_twcs
from omnicontext.errors import InvalidInput
from omnicontext.quality.facts import Fact, FactKind, extract_facts, fact_set

MONEY, PERCENT, DURATION = FactKind.MONEY, FactKind.PERCENT, FactKind.DURATION
TIME, PHONE, NUMBER = FactKind.TIME, FactKind.PHONE, FactKind.NUMBER

TABLE: list[tuple[str, list[tuple[FactKind, str]]]] = [
    # money
    ("It costs £5.", [(MONEY, "GBP 5.00")]),
    ("£5.00 a month", [(MONEY, "GBP 5.00")]),
    ("5 pounds", [(MONEY, "GBP 5.00")]),
    ("GBP 5", [(MONEY, "GBP 5.00")]),
    ("5 GBP", [(MONEY, "GBP 5.00")]),
    ("gbp5", [(MONEY, "GBP 5.00")]),
    ("five pounds", [(MONEY, "GBP 5.00")]),
    ("50p", [(MONEY, "GBP 0.50")]),
    ("50 pence", [(MONEY, "GBP 0.50")]),
    ("$5", [(MONEY, "USD 5.00")]),
    ("US$5", [(MONEY, "USD 5.00")]),
    ("USD 1,299.99", [(MONEY, "USD 1299.99")]),
    ("$1,299.99", [(MONEY, "USD 1299.99")]),
    ("ten dollars", [(MONEY, "USD 10.00")]),
    ("€0.50", [(MONEY, "EUR 0.50")]),
    ("5€", [(MONEY, "EUR 5.00")]),
    ("EUR 0.5", [(MONEY, "EUR 0.50")]),
    ("20 euros", [(MONEY, "EUR 20.00")]),
    ("JPY 500", [(MONEY, "JPY 500.00")]),
    ("£5k", [(MONEY, "GBP 5000.00")]),
    ("£2.5 million", [(MONEY, "GBP 2500000.00")]),
    ("£5.99/month", [(MONEY, "GBP 5.99")]),
    ("£5.99 per month", [(MONEY, "GBP 5.99")]),
    ("£5 a month", [(MONEY, "GBP 5.00")]),
    ("\uff15 \uff27\uff22\uff30", [(MONEY, "GBP 5.00")]),
    ("GBP 3 items", [(MONEY, "GBP 3.00")]),
    ("£5.999", []),
    ("CA$5", []),
    ("5.999 pounds", []),
    ("2.5p", []),
    ("5,00 €", []),
    # percent
    ("10%", [(PERCENT, "10%")]),
    ("10 %", [(PERCENT, "10%")]),
    ("10 per cent", [(PERCENT, "10%")]),
    ("10 percent", [(PERCENT, "10%")]),
    ("ten percent", [(PERCENT, "10%")]),
    ("2.5%", [(PERCENT, "2.5%")]),
    ("2.50%", [(PERCENT, "2.5%")]),
    ("10-20%", [(PERCENT, "10-20%")]),
    ("one hundred percent", [(PERCENT, "100%")]),
    ("8 fucking percent", []),
    # durations
    ("14 days", [(DURATION, "14 days")]),
    ("two weeks", [(DURATION, "14 days")]),
    ("within a week", [(DURATION, "7 days")]),
    ("in a fortnight", [(DURATION, "14 days")]),
    ("48 hours", [(DURATION, "48 hours")]),
    ("24 hours", [(DURATION, "24 hours")]),
    ("24-hour service", [(DURATION, "24 hours")]),
    ("a 14-day return window", [(DURATION, "14 days")]),
    ("30 minutes", [(DURATION, "30 minutes")]),
    ("30 mins", [(DURATION, "30 minutes")]),
    ("half an hour", [(DURATION, "30 minutes")]),
    ("We reply within an hour and a half.", [(DURATION, "1.5 hours")]),
    ("within a day or two", [(DURATION, "1-2 days")]),
    ("in a week or 2", [(DURATION, "7-14 days")]),
    ("in an hour", [(DURATION, "1 hour")]),
    ("1 day", [(DURATION, "1 day")]),
    ("1 days", [(DURATION, "1 day")]),
    ("one business day", [(DURATION, "1 business day")]),
    ("3 months", [(DURATION, "3 months")]),
    ("30 seconds", [(DURATION, "30 seconds")]),
    ("48 business hours", [(DURATION, "48 business hours")]),
    ("a hundred days", [(DURATION, "100 days")]),
    ("1 year", [(DURATION, "1 year")]),
    ("2 yrs", [(DURATION, "2 years")]),
    ("3-5 business days", [(DURATION, "3-5 business days")]),
    ("3\u20135 working days", [(DURATION, "3-5 business days")]),
    ("3 to 5 working days", [(DURATION, "3-5 business days")]),
    ("between 3 and 5 days", [(DURATION, "3-5 days")]),
    ("2-3 weeks", [(DURATION, "14-21 days")]),
    ("2 working weeks", [(DURATION, "10 business days")]),
    ("10 calendar days", [(DURATION, "10 days")]),
    ("24-72 hours", [(DURATION, "24-72 hours")]),
    ("twenty-four hours", [(DURATION, "24 hours")]),
    ("1.5 hours", [(DURATION, "1.5 hours")]),
    ("a 4h delay", [(DURATION, "4 hours")]),
    ("every five minutes", [(DURATION, "5 minutes")]),
    ("a week", []),
    ("once a week", []),
    ("2/3 calls a day", []),
    ("a few weeks ago", []),
    # clock times
    ("9am", [(TIME, "09:00")]),
    ("9:00 am", [(TIME, "09:00")]),
    ("09:00", [(TIME, "09:00")]),
    ("5.30pm", [(TIME, "17:30")]),
    ("17:30", [(TIME, "17:30")]),
    ("5 p.m.", [(TIME, "17:00")]),
    ("12am", [(TIME, "00:00")]),
    ("12pm", [(TIME, "12:00")]),
    ("12 noon", [(TIME, "12:00")]),
    ("midnight", [(TIME, "00:00")]),
    ("8am-8pm", [(TIME, "08:00"), (TIME, "20:00")]),
    ("Open 09:00-17:30 daily", [(TIME, "09:00"), (TIME, "17:30")]),
    ("9:00\u201317:30", [(TIME, "09:00"), (TIME, "17:30")]),
    ("15.30", []),
    ("25:00", []),
    ("13am", []),
    ("0pm", []),
    ("13:25:49", []),
    # phone numbers
    ("0333 103 1031", [(PHONE, "03331031031")]),
    ("+44 20 7946 0958", [(PHONE, "+442079460958")]),
    ("+44 (0)20 7946 0958", [(PHONE, "+442079460958")]),
    ("1-800-275-2273", [(PHONE, "18002752273")]),
    ("(800) 275-2273", [(PHONE, "8002752273")]),
    ("800.275.2273", [(PHONE, "8002752273")]),
    ("07700900123", [(PHONE, "07700900123")]),
    ("Tel:+1 800 275 2273", [(PHONE, "+18002752273")]),
    ("03331 031 031 option 1, 4, 3", [(PHONE, "03331031031")]),
    ("call 0333 103 1031 24 hours a day", [(PHONE, "03331031031"), (DURATION, "24 hours")]),
    ("order 123456789", []),
    ("order no. 07700900123", []),
    ("ref: 07700900123", []),
    ("tweet 119237119238", []),
    ("+44.20.7946.0958", [(PHONE, "+442079460958")]),
    ("+44 20", []),
    ("+0 123 456 789", []),
    ("+33.1.23.45.67.89", []),
    ("0.12.345.67890", []),
    ("123-456-7890", []),
    ("192.168.100.200", []),
    # policy counts and age limits
    ("under 25", [(NUMBER, "25")]),
    ("over 18?", [(NUMBER, "18")]),
    ("over-18s only", [(NUMBER, "18")]),
    ("aged 18 or over", [(NUMBER, "18")]),
    ("3 items", [(NUMBER, "3")]),
    ("2 replacements", [(NUMBER, "2")]),
    ("two free replacements", [(NUMBER, "2")]),
    ("5 attempts", [(NUMBER, "5")]),
    ("5.5 items", []),
    ("Think 25", []),
    ("we operate a Think 25 policy", []),
    ("Uk offlicense law is 18. Not 25", []),
    ("over 50 stores", []),
    ("over 5 days", [(DURATION, "5 days")]),
    ("under 25 minutes", [(DURATION, "25 minutes")]),
    ("£3 items", [(MONEY, "GBP 3.00")]),
    ("I am 35 and 99 kilos", []),
    # traps: nothing to find
    ("BA8733", []),
    ("in 2026", []),
    ("12/03/2026", []),
    ("2026-03-12", []),
    ("01.02.2026", []),
    ("3 March", []),
    ("2/2", []),
    ("1/2", []),
    ("24/7", []),
    ("@105842", []),
    ("t.co/GDrqU22YpT", []),
    ("iOS 11.0.3", []),
    ("Version 8.4.22.857 armv7", []),
    ("spotify version 1.0.65.320.gac7a8e02", []),
    ("Serial# TH536D1HN", []),
    ("#iphone6 #ios1102", []),
    ("10.0.0.1", []),
    ("", []),
]


@pytest.mark.parametrize(("text", "expected"), TABLE, ids=[t or "empty" for t, _ in TABLE])
def test_table(text: str, expected: list[tuple[FactKind, str]]) -> None:
    facts = extract_facts(text)
    assert [(f.kind, f.value) for f in facts] == expected
    for fact in facts:
        assert text[fact.start : fact.end] == fact.text


def test_a_reply_with_many_facts() -> None:
    text = (
        "Refunds take 3\u20135 working days and cost £5.99/month; call 0333 103 1031 "
        "from 9am to 5.30pm, or within 48 hours. Over 18s only, 10% off two items."
    )
    assert [(f.kind.value, f.value, f.text) for f in extract_facts(text)] == [
        ("duration", "3-5 business days", "3\u20135 working days"),
        ("money", "GBP 5.99", "£5.99"),
        ("phone", "03331031031", "0333 103 1031"),
        ("time", "09:00", "9am"),
        ("time", "17:30", "5.30pm"),
        ("duration", "48 hours", "48 hours"),
        ("number", "18", "Over 18s"),
        ("percent", "10%", "10%"),
        ("number", "2", "two items"),
    ]


def test_spans_are_those_of_the_text_as_given() -> None:
    # No-break spaces, a Unicode dash and a letter whose lower case is longer.
    text = "İİ from 5\u00a0pm, 1\u20112 days, £\u00a05"
    facts = extract_facts(text)
    assert [(f.value, f.text) for f in facts] == [
        ("17:00", "5\u00a0pm"),
        ("1-2 days", "1\u20112 days"),
        ("GBP 5.00", "£\u00a05"),
    ]
    assert [text[f.start : f.end] for f in facts] == [f.text for f in facts]


@pytest.mark.parametrize(
    "group",
    [
        ["£5", "£5.00", "5 pounds", "GBP 5", "5 GBP", "five pounds", "£ 5"],
        ["two weeks", "14 days", "a fortnight", "2 weeks"],
        [
            "3\u20135 working days",
            "3 to 5 business days",
            "3-5 working days",
            "3 - 5 business days",
        ],
        ["5pm", "17:00", "5:00 PM", "5 p.m.", "5.00pm"],
        ["10%", "10 per cent", "ten percent", "10 %"],
        ["0333 103 1031", "03331 031 031", "0333-103-1031", "03331031031"],
        ["under 25", "Under 25", "under-25s"],
    ],
)
def test_equal_forms(group: list[str]) -> None:
    sets = {fact_set(f"within {text}") for text in group}
    assert len(sets) == 1
    assert len(next(iter(sets))) == 1


def test_different_figures_differ() -> None:
    assert fact_set("refunds within 30 days") != fact_set("refunds within 14 days")
    assert fact_set("3-5 working days") != fact_set("3-5 days")
    assert fact_set("24 hours") != fact_set("1 day")
    assert fact_set("£5") != fact_set("$5")


def test_fact_set_holds_plain_strings() -> None:
    pairs = fact_set("Refunds within 2 weeks, £5 fee.")
    assert pairs == {("duration", "14 days"), ("money", "GBP 5.00")}
    assert all(type(kind) is str for kind, _ in pairs)


def test_kinds_are_plain_strings() -> None:
    assert [k.value for k in FactKind] == [
        "money",
        "percent",
        "duration",
        "time",
        "phone",
        "number",
    ]
    assert isinstance(FactKind.MONEY, str)
    assert f"{FactKind.MONEY}" == "money"


def test_not_a_string_is_rejected() -> None:
    with pytest.raises(InvalidInput) as caught:
        extract_facts(b"5 days")  # type: ignore[arg-type]
    assert caught.value.field == "text"
    assert caught.value.value == b"5 days"


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        (("cash", "GBP 5.00", "£5", 0, 2), "kind"),
        (("money", 5, "£5", 0, 2), "value"),
        (("money", "GBP 5.00", None, 0, 2), "text"),
        (("money", "GBP 5.00", "£5", "0", 2), "start"),
        (("money", "GBP 5.00", "£5", 0, 3), "end"),
        (("money", "GBP 5.00", "£5", 2, 0), "end"),
    ],
)
def test_fact_rejects_bad_fields(arguments: tuple[object, ...], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Fact(*arguments)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_fact_takes_a_kind_name() -> None:
    fact = Fact("money", "GBP 5.00", "£5", 0, 2)
    assert fact.kind is FactKind.MONEY
    assert fact == extract_facts("£5")[0]


# ---------------------------------------------------------------------------
# Generated texts: facts embedded in filler words must come back exactly.

# Filler: consonants only, none of which the module gives a meaning to
# (no h, k, m, p, y: "h", "pm", "k", "wk", "yr"...).
FILLER = st.text(alphabet="bcdfgjlnqrstvwxzBCDFGJLNQRSTVWXZ", min_size=1, max_size=8)

WORDS = {
    1: "one",
    2: "two",
    3: "three",
    5: "five",
    7: "seven",
    10: "ten",
    12: "twelve",
    14: "fourteen",
    20: "twenty",
    24: "twenty-four",
    30: "thirty",
    48: "forty-eight",
    90: "ninety",
}


def _grouped(whole: int) -> str:
    return f"{whole:,}"


@st.composite
def money(draw: st.DrawFn) -> tuple[str, FactKind, str]:
    cents = draw(st.integers(min_value=0, max_value=10**9))
    code = draw(st.sampled_from(["GBP", "USD", "EUR"]))
    whole, part = divmod(cents, 100)
    expected = f"{code} {whole}.{part:02d}"
    plain = draw(st.sampled_from([str(whole), f"{whole}.00"]))
    amount = f"{whole}.{part:02d}" if part else plain
    if whole >= 1000 and draw(st.booleans()):
        amount = _grouped(whole) + amount[len(str(whole)) :]
    symbol = {"GBP": "£", "USD": "$", "EUR": "€"}[code]
    word = {"GBP": "pounds", "USD": "dollars", "EUR": "euros"}[code]
    forms = [
        f"{symbol}{amount}",
        f"{code} {amount}",
        f"{amount} {code}",
        f"{amount} {word}",
        f"{code.lower()}{amount}",
    ]
    if code == "GBP" and whole == 0:
        forms.append(f"{part}p")
    if not part and whole in WORDS:
        forms.append(f"{WORDS[whole]} {word}")
    return draw(st.sampled_from(forms)), MONEY, expected


# unit as written -> (canonical unit, factor)
UNITS = {
    "minutes": ("minute", 1),
    "mins": ("minute", 1),
    "hours": ("hour", 1),
    "hrs": ("hour", 1),
    "days": ("day", 1),
    "weeks": ("day", 7),
    "months": ("month", 1),
    "years": ("year", 1),
    "working days": ("business day", 1),
    "business days": ("business day", 1),
    "calendar days": ("day", 1),
}


@st.composite
def durations(draw: st.DrawFn) -> tuple[str, FactKind, str]:
    written_unit = draw(st.sampled_from(sorted(UNITS)))
    unit, factor = UNITS[written_unit]
    lo = draw(st.integers(min_value=1, max_value=400))
    spell = draw(st.booleans()) and lo in WORDS
    written_lo = WORDS[lo] if spell else str(lo)
    if draw(st.booleans()):
        hi = draw(st.integers(min_value=lo + 1, max_value=500))
        separator = draw(st.sampled_from(["-", "\u2013", " to ", " - "]))
        text = f"{written_lo}{separator}{hi} {written_unit}"
        expected = f"{lo * factor}-{hi * factor} {unit}s"
    else:
        text = f"{written_lo} {written_unit}"
        n = lo * factor
        expected = f"{n} {unit if n == 1 else unit + 's'}"
    return text, DURATION, expected


@st.composite
def times(draw: st.DrawFn) -> tuple[str, FactKind, str]:
    hour = draw(st.integers(min_value=0, max_value=23))
    minute = draw(st.integers(min_value=0, max_value=59))
    expected = f"{hour:02d}:{minute:02d}"
    twelve = hour % 12 or 12
    suffix = draw(st.sampled_from(["am", "AM", " am", "a.m."]) if hour < 12 else st.just("pm"))
    forms = [f"{hour:02d}:{minute:02d}", f"{hour}:{minute:02d}", f"{twelve}:{minute:02d}{suffix}"]
    if not minute:
        forms.append(f"{twelve}{suffix}")
    return draw(st.sampled_from(forms)), TIME, expected


FIGURES = st.one_of(money(), durations(), times())


@st.composite
def texts_with_facts(draw: st.DrawFn) -> tuple[str, list[tuple[FactKind, str, int, int]]]:
    figures = draw(st.lists(FIGURES, max_size=5))
    parts: list[str] = draw(st.lists(FILLER, max_size=3))
    expected = []
    for written, kind, value in figures:
        if parts:
            parts.extend(draw(st.lists(FILLER, min_size=1, max_size=3)))
        start = len(" ".join([*parts, ""])) if parts else 0
        parts.append(written)
        expected.append((kind, value, start, start + len(written)))
    parts.extend(draw(st.lists(FILLER, max_size=3)))
    return " ".join(parts), expected


@settings(max_examples=300)
@given(texts_with_facts())
def test_embedded_facts_come_back(case: tuple[str, list[tuple[FactKind, str, int, int]]]) -> None:
    text, expected = case
    facts = extract_facts(text)
    assert [(f.kind, f.value, f.start, f.end) for f in facts] == expected
    assert all(text[f.start : f.end] == f.text for f in facts)


# Pieces that make figures, near-figures and junk, to stress the overlaps.
# fmt: off
PIECES = [
    "£", "$", "€", "US$", "GBP", "5", "50", "0", "1", "12", "18", "25", "2026", "0333",
    "103", "1031", "+44", "(0)", "20", "7946", "0958", "1-800", ".", ",", "-", "\u2013", "/",
    ":", "30", "%", "p", "pm", "am", "a.m.", "h", "k", "days", "day", "weeks", "working",
    "business", "hours", "a", "an", "within", "over", "under", "items", "two", "twenty",
    "hundred", "and", "between", "to", "or", "half", "hour", "noon", "order", "@", "#",
    "pounds", "per", "cent", "free", "\u00a0", "İ", "x",
]
# fmt: on


@settings(max_examples=300)
@given(
    st.one_of(
        st.text(max_size=80),
        st.lists(
            st.tuples(st.sampled_from(PIECES), st.sampled_from(["", " ", "  "])), max_size=25
        ).map(lambda items: "".join(a + b for a, b in items)),
    )
)
def test_facts_are_in_order_and_never_overlap(text: str) -> None:
    facts = extract_facts(text)
    previous_end = 0
    for fact in facts:
        assert previous_end <= fact.start < fact.end <= len(text)
        assert text[fact.start : fact.end] == fact.text
        assert fact.value
        previous_end = fact.end
    assert fact_set(text) == {(f.kind.value, f.value) for f in facts}


# ---------------------------------------------------------------------------
# Real text: the public sample of the Twitter support corpus.

TWEETS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "twcs_sample.csv"

SAMPLE_FACTS = [
    ("tw-119240", "phone", "03331031031", "03331 031 031"),
    ("tw-119326", "duration", "5 minutes", "five minutes"),
    ("tw-119268", "duration", "2 minutes", "2 minutes"),
    ("tw-119294", "time", "07:20", "7:20am"),
    ("tw-119294", "time", "08:03", "8:03am"),
    ("tw-119294", "percent", "60%", "60%"),
    ("tw-119292", "duration", "12 hours", "12 hours"),
    ("tw-119292", "duration", "10 months", "10 months"),
    ("tw-119292", "duration", "2 days", "2 days"),
    ("tw-119265", "duration", "1 hour", "1h"),
    ("tw-119278", "duration", "40 minutes", "40 min"),
    ("tw-119310", "number", "18", "over 18"),
    ("tw-119308", "number", "25", "under 25"),
    ("tw-119264", "time", "15:30", "15:30"),
    ("tw-119319", "duration", "21 days", "3 weeks"),
    ("tw-119266", "time", "15:30", "15:30"),
    ("tw-119276", "duration", "24-72 hours", "24-72 hours"),
    ("tw-119302", "duration", "4 hours", "4h"),
    ("tw-119290", "percent", "3%", "3%"),
    ("tw-119305", "duration", "42 days", "6 weeks"),
]


def test_the_twitter_sample() -> None:
    if not TWEETS.exists():
        pytest.skip(f"real data not present at {TWEETS}")
    messages = read_twcs(TWEETS)
    assert len(messages) == 93
    found = [
        (m.id, f.kind.value, f.value, f.text) for m in messages for f in extract_facts(m.body)
    ]
    assert found == SAMPLE_FACTS
    # "Think 25" is a scheme's name, "law is 18. Not 25" has no limit word.
    bodies = {m.id: m.body for m in messages}
    assert "Think 25" in bodies["tw-119314"]
    assert "Not 25" in bodies["tw-119313"]
    assert not {m for m, *_ in found} & {"tw-119313", "tw-119314"}


def test_a_line_of_many_numbers_is_read_in_linear_work(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every start of a long run of numbers used to try every prefix of the
    # rest of the run as a phone number: cubic work, minutes for a few KB.
    from omnicontext.quality import facts

    calls = 0
    real = facts._phone_value

    def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(facts, "_phone_value", counted)
    assert extract_facts("1 " * 400) == ()
    assert calls <= 20 * 400
    calls = 0
    assert len(extract_facts("Call 0333 103 1031 or 0800 123 4567. " * 50)) == 100
    assert calls <= 20 * 100
