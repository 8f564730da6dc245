"""Redaction of personal data: the recognisers, the redactor and the corpus targets."""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Iterable

import attrs
import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicontext.errors import InvalidInput
from omnicontext.handoff.redaction import (
    DEFAULT_PHONE_REGIONS,
    IBAN_LENGTHS,
    CardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    PatternRecognizer,
    PersonalDataSpan,
    PhoneRecognizer,
    Recognizer,
    Redaction,
    Redactor,
    default_redactor,
    iban_is_valid,
    luhn_is_valid,
)

from . import redaction_corpus as corpus


def texts(recognizer: Recognizer, text: str) -> list[str]:
    return [s.text for s in recognizer.find(text)]


# -- the corpus ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def samples() -> list[corpus.Sample]:
    return corpus.generate()


@pytest.fixture(scope="module")
def scores(samples: list[corpus.Sample]) -> corpus.Scores:
    redactor = default_redactor()
    return corpus.score(samples, lambda t: [(s.kind, s.start, s.end) for s in redactor.find(t)])


def test_corpus_is_large_deterministic_and_labelled(samples: list[corpus.Sample]) -> None:
    assert len(samples) >= 500
    assert corpus.generate(50) == samples[:50]
    assert corpus.generate(50, seed=1) != samples[:50]
    kinds = dict.fromkeys(corpus.KINDS, 0)
    protected = dict.fromkeys(corpus.PROTECTED, 0)
    for sample in samples:
        for item in (*sample.personal, *sample.protected):
            assert sample.text[item.start : item.end] == item.text
        for item in sample.personal:
            kinds[item.kind] += 1
        for item in sample.protected:
            protected[item.kind] += 1
    assert min(kinds.values()) >= 300, kinds
    assert min(protected.values()) >= 300, protected


def test_corpus_personal_data_is_valid(samples: list[corpus.Sample]) -> None:
    styles: set[str] = set()
    for sample in samples:
        for item in sample.personal:
            styles.add(f"{item.kind}:{item.style}")
            compact = re.sub(r"\D", "", unicodedata.normalize("NFKC", item.text))
            if item.kind == "card":
                assert luhn_is_valid(compact), item
            elif item.kind == "iban":
                assert iban_is_valid(item.text), item
            elif item.kind == "phone":
                raw = unicodedata.normalize("NFKC", item.text)
                raw = raw.replace("(0)", "") if raw.startswith("+") else raw
                raw = "+" + raw[2:] if raw.startswith("00") else raw
                region = item.style.split(":")[0].upper()
                number = phonenumbers.parse(raw, None if region == "INTL" else region)
                assert phonenumbers.is_valid_number(number), item
    # The formats the corpus promises are all there.
    for style in (
        "email:tag", "email:dot+upper", "phone:gb:intl-trunk", "phone:us:national",
        "phone:us:us-dot", "phone:de:de-slash", "phone:fr:fr-dot", "phone:in:in-mobile",
        "phone:au:national", "phone:intl:e164", "card:amex:spaces", "card:mastercard2:dashes",
        "card:discover:compact", "iban:gb:grouped", "iban:fr:compact-lower",
        "iban:nl:grouped-lower",
    ):  # fmt: skip
        assert any(s.startswith(style) for s in styles), style
    # Written with other separators and characters, for any country or brand.
    written = {f"{s.split(':')[0]}:{s.split(':')[-1]}" for s in styles}
    for style in (
        "email:quoted", "email:quoted-dot", "email:trailing-dot", "phone:national+nbsp",
        "phone:intl+double", "card:dots", "card:slashes", "card:underscores",
        "card:double-spaces", "card:spaced-dashes", "card:nbsp", "card:thin-spaces",
        "card:en-dashes", "card:nb-hyphens", "card:mixed", "card:spaces+fullwidth",
        "iban:grouped-dashes", "iban:grouped-nbsp", "iban:grouped-double", "iban:two-lines",
    ):  # fmt: skip
        assert any(s.startswith(style) for s in written), style


def test_corpus_recall_targets(scores: corpus.Scores) -> None:
    assert scores.recall("email") == 1.0, scores.misses
    assert scores.recall("card") == 1.0, scores.misses
    assert scores.recall("iban") == 1.0, scores.misses
    assert scores.recall("phone") >= 0.99, scores.misses
    # Found means masked as its own kind, and nearly always with exact bounds.
    for kind in corpus.KINDS:
        assert scores.exact[kind] >= 0.99 * scores.items[kind]


def test_corpus_protected_tokens_are_never_touched(scores: corpus.Scores) -> None:
    assert sum(scores.protected_items.values()) >= 1200
    assert scores.protected_touched == {}, scores.touched[:5]


def test_corpus_precision(scores: corpus.Scores) -> None:
    assert scores.spans >= sum(scores.items.values())
    assert scores.precision() >= 0.99, scores.extra[:10]


def test_corpus_redaction_leaves_no_personal_data(samples: list[corpus.Sample]) -> None:
    redactor = default_redactor()
    for sample in samples[:200]:
        out = redactor.redact(sample.text).text
        for item in sample.personal:
            assert item.text not in out
        for item in sample.protected:
            assert item.text in out


# -- checksums -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("digits", "ok"),
    [
        ("4111111111111111", True),
        ("5555555555554444", True),
        ("378282246310005", True),
        ("4111111111111112", False),
        ("", False),
        ("41111111111111a1", False),
        ("\uff14" + "\uff11" * 15, False),  # full-width digits
    ],
)
def test_luhn(digits: str, ok: bool) -> None:
    assert luhn_is_valid(digits) is ok


@pytest.mark.parametrize(
    ("iban", "ok"),
    [
        ("GB82 WEST 1234 5698 7654 32", True),
        ("gb82west12345698765432", True),
        ("DE89370400440532013000", True),
        ("FR1420041010050500013M02606", True),
        ("NO9386011117947", True),
        ("GB82 WEST 1234 5698 7654 33", False),  # checksum
        ("GB82 WEST 1234 5698 7654 3", False),  # length
        ("XX82 WEST 1234 5698 7654 32", False),  # country
        ("GB00 WEST 1234 5698 7654 32", False),
        ("GB82-WEST-1234", False),
    ],
)
def test_iban_checksum(iban: str, ok: bool) -> None:
    assert iban_is_valid(iban) is ok


def test_iban_lengths_cover_the_sepa_countries() -> None:
    for country in ("AT", "BE", "DE", "ES", "FI", "FR", "GB", "IE", "IT", "NL", "PT", "SE"):
        assert country in IBAN_LENGTHS
    assert (IBAN_LENGTHS["DE"], IBAN_LENGTHS["NO"], IBAN_LENGTHS["RU"]) == (22, 15, 33)


# -- cards ------------------------------------------------------------------------------


def _card(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - 1 - len(prefix)))
    return body + corpus.luhn_digit(body)


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111111111111111",
        "3782 822463 10005",
        "3782-822463-10005",
        "2221 0000 0000 0009",
        "6011 1111 1111 1117",
        "4222222222222",
    ],
)
def test_cards_found(text: str) -> None:
    assert texts(CardRecognizer(), f"pay with {text}, thanks") == [text]


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1112",  # Luhn fails
        "4111111111111112",
        "1234 5678 9012 3452",  # Luhn passes, no card scheme starts with 1
        "9400 1000 0000 0000 0000 00",  # USPS, grouped by four
        "9400100000000000000000",
        "4111 1111 1111 1111 1111 1111",  # too long, groups of four go on
    ],
)
def test_not_cards(text: str) -> None:
    assert texts(CardRecognizer(), f"ref {text}.") == []


def test_luhn_failing_sixteen_digits_are_never_cards() -> None:
    rng = random.Random(5)
    recognizer = CardRecognizer()
    for _ in range(200):
        good = _card("4", 16, rng)
        bad = good[:-1] + str((int(good[-1]) + rng.randint(1, 9)) % 10)
        assert texts(recognizer, f"card {good}") == [good]
        assert texts(recognizer, f"card {bad}") == []


def test_card_after_abbreviations() -> None:
    text = "card no.4111111111111111, card:4111-1111-1111-1111"
    assert texts(CardRecognizer(), text) == ["4111111111111111", "4111-1111-1111-1111"]
    assert texts(PhoneRecognizer(), "tel.020 7946 0018 or mob.07911 123456") == [
        "020 7946 0018",
        "07911 123456",
    ]


def test_card_next_to_other_figures() -> None:
    text = "on 06.07.2021 4111 1111 1111 1111 (exp 08/27), 4111 1111 1111 1111 2023-11-04"
    assert texts(CardRecognizer(), text) == ["4111 1111 1111 1111"] * 2


# -- IBANs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "GB82 WEST 1234 5698 7654 32",
        "GB82WEST12345698765432",
        "gb82 west 1234 5698 7654 32",
        "DE89 3704 0044 0532 0130 00",
        "FR14 2004 1010 0505 0001 3M02 606",
        "NO93 8601 1117 947",
    ],
)
def test_ibans_found(text: str) -> None:
    assert texts(IbanRecognizer(), f"IBAN: {text}. Thanks") == [text]


@pytest.mark.parametrize(
    "text",
    [
        "GB82 WEST 1234 5698 7654 33",  # checksum
        "GB82WEST123456987654321",  # one character too many
        "GB82WEST1234569876543",  # one too few
        "DE89 3704 0044 0532 0130 00X",  # glued to more
        "ZZ82WEST12345698765432",
        "AB123456789GB",  # a Royal Mail tracking code
    ],
)
def test_not_ibans(text: str) -> None:
    assert texts(IbanRecognizer(), f"IBAN: {text} thanks") == []


def test_wrong_iban_checksums_are_rejected() -> None:
    rng = random.Random(11)
    for _ in range(200):
        bban = "".join(rng.choice("0123456789") for _ in range(18))
        check = corpus.iban_check_digits("DE", bban)
        good = f"DE{check}{bban}"
        wrong = f"DE{(int(check) + rng.randint(1, 90) - 2) % 97 + 2:02d}{bban}"
        assert texts(IbanRecognizer(), f"iban {good}") == [good]
        if wrong != good:
            assert texts(IbanRecognizer(), f"iban {wrong}") == []


# -- e-mail ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("write to jane.doe@example.com.", ["jane.doe@example.com"]),
        ("<JANE+Orders@Mail.Example.CO.UK>", ["JANE+Orders@Mail.Example.CO.UK"]),
        ("(a.b-c_d@sub.example.org), thanks", ["a.b-c_d@sub.example.org"]),
        ("mailto:x@example.io?subject=hi", ["x@example.io"]),
        ('"jürgen@example.de"', ["jürgen@example.de"]),
        ("two: a@example.com,b@example.net", ["a@example.com", "b@example.net"]),
        ("..jane@example.com", ["jane@example.com"]),
        ("@example.com or jane@ or jane@localhost or a@b.c", []),
        ("version 1.2@3.4 and x@-bad.com", []),
    ],
)
def test_emails(text: str, found: list[str]) -> None:
    assert texts(EmailRecognizer(), text) == found


# -- phones ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("call +44 20 7946 0018 today", "+44 20 7946 0018"),
        ("+44 (0)20 7946 0018", "+44 (0)20 7946 0018"),
        ("0044 20 7946 0018", "0044 20 7946 0018"),
        ("020 7946 0018", "020 7946 0018"),
        ("(020) 7946 0018", "(020) 7946 0018"),
        ("07911 123456", "07911 123456"),
        ("(212) 555-0123", "(212) 555-0123"),
        ("212.555.0123", "212.555.0123"),
        ("1-212-555-0123", "1-212-555-0123"),
        ("my number is 2125550123", "2125550123"),
        ("030/1234567", "030/1234567"),
        ("+49 (0)30 1234567", "+49 (0)30 1234567"),
        ("01.23.45.67.89", "01.23.45.67.89"),
        ("06 12 34 56 78", "06 12 34 56 78"),
        ("98765 43210", "98765 43210"),
        ("+91-98765-43210", "+91-98765-43210"),
        ("0412 345 678", "0412 345 678"),
        ("(02) 9876 5432", "(02) 9876 5432"),
        ("+81 90-1234-5678", "+81 90-1234-5678"),
        ("tel:+12125550123.", "+12125550123"),
        ("call 020 7946 0018 5 March", "020 7946 0018"),
    ],
)
def test_phones_found(text: str, found: str) -> None:
    assert texts(PhoneRecognizer(), text) == [found]


@pytest.mark.parametrize(
    "text",
    [
        "order 48213377",
        "order number 9876543210",
        "DHL 9876543210",
        "DHL tracking: 2125550123",
        "ticket #2125550123",
        "on 2024-03-05",
        "since 05/03/2024",
        "dated 03.05.2024",
        "paid 1.299,00 EUR",
        "paid $1,234.56",
        "ORD-2024-118833 and #A-100234",
        "UPS 1Z999AA10123456784",
        "USPS 9400 1000 0000 0000 0000 00",
        "Royal Mail AB123456789GB",
        "card 4111 1111 1111 1111",
        "12345",
        "+44 1234",
    ],
)
def test_not_phones(text: str) -> None:
    assert texts(PhoneRecognizer(), text) == []


def test_international_form_needs_only_a_possible_number() -> None:
    finder = PhoneRecognizer(regions=("US",))
    # A fictional UK range: not valid, but possible, and written with +44.
    assert texts(finder, "mobile is +447700900123.") == ["+447700900123"]
    assert texts(finder, "or 0044 7700 900123") == ["0044 7700 900123"]
    assert texts(finder, "+999 1234 5678 or +44 1234 5 or +1 212 555 01234") == []
    # Written nationally, the same number must be valid: it is not.
    assert texts(PhoneRecognizer(regions=("GB",)), "mobile 07700 900123") == []


def test_phone_context_ends_with_the_clause() -> None:
    finder = PhoneRecognizer()
    assert texts(finder, "order 48213377, call me on 2125550123") == ["2125550123"]
    assert texts(finder, "about the order. 2125550123 is my number") == ["2125550123"]
    assert texts(finder, "order no. 2125550123") == []


def test_numbers_side_by_side() -> None:
    finder = PhoneRecognizer()
    text = "020 7946 0018 07911 123456 +1 212 555 0123 (312) 318-4873"
    assert texts(finder, text) == [
        "020 7946 0018",
        "07911 123456",
        "+1 212 555 0123",
        "(312) 318-4873",
    ]
    assert texts(finder, "since 22.02.2022 020 7946 0018 £49.99") == ["020 7946 0018"]


def test_phone_regions() -> None:
    us = PhoneRecognizer(regions=("US",))
    assert us.regions == ("US",)
    assert texts(us, "020 7946 0018 or (212) 555-0123") == ["(212) 555-0123"]
    assert texts(us, "+44 20 7946 0018") == ["+44 20 7946 0018"]
    assert PhoneRecognizer().regions == DEFAULT_PHONE_REGIONS
    assert PhoneRecognizer(regions="DE").regions == ("DE",)
    for bad in (("gb",), ("XX",), (1,), 5):
        with pytest.raises(InvalidInput) as caught:
            PhoneRecognizer(regions=bad)  # type: ignore[arg-type]
        assert caught.value.field == "regions"


# -- the redactor -------------------------------------------------------------------------


@attrs.frozen
class Fixed:
    """A recogniser returning given spans."""

    name: str
    spans: tuple[tuple[int, int], ...]

    def find(self, text: str) -> Iterable[PersonalDataSpan]:
        return [PersonalDataSpan(self.name, a, b, text[a:b]) for a, b in self.spans]


@attrs.frozen
class Liar:
    """A recogniser whose span is not in the text."""

    name: str = "liar"

    def find(self, text: str) -> Iterable[PersonalDataSpan]:
        return [PersonalDataSpan(self.name, 10, 13, "abc")]


def test_overlaps_longest_then_priority_then_leftmost() -> None:
    text = "abcdefghijklmnopqrstuvwxyz"
    redactor = Redactor(
        (
            Fixed("a", ((0, 5), (10, 14), (20, 22))),
            Fixed("b", ((3, 9), (10, 14), (21, 23), (24, 26))),
        )
    )
    found = [(s.kind, s.start, s.end) for s in redactor.find(text)]
    # (3, 9) is longer than (0, 5); (10, 14) ties and "a" comes first;
    # (20, 22) and (21, 23) tie on length and priority: the leftmost wins.
    assert found == [("b", 3, 9), ("a", 10, 14), ("a", 20, 22), ("b", 24, 26)]
    assert redactor.redact(text).text == "abc[b]j[a]opqrst[a]wx[b]"


def test_overlap_of_builtin_kinds() -> None:
    # The IBAN's digits are also a plausible phone-number run: the IBAN wins.
    redactor = default_redactor()
    result = redactor.redact("IBAN GB82 WEST 1234 5698 7654 32 or DE89 3704 0044 0532 0130 00")
    assert result.counts() == {"iban": 2}
    found = redactor.find("x@example.com +1 212 555 0123 4111111111111111")
    assert [s.kind for s in found] == ["email", "phone", "card"]


def test_spans_refer_to_the_original_text() -> None:
    text = "Ann <ann@example.com>, tel 020 7946 0018, card 4111 1111 1111 1111."
    result = default_redactor().redact(text)
    assert result.text == "Ann <[email]>, tel [phone], card [card]."
    assert [(s.kind, s.start, s.end) for s in result.spans] == [
        ("email", 5, 20),
        ("phone", 27, 40),
        ("card", 47, 66),
    ]
    for span in result.spans:
        assert text[span.start : span.end] == span.text


def test_masks() -> None:
    text = "card 4111 1111 1111 1111, mail a@example.com"
    assert Redactor.builtin(mask="<{kind}>").redact(text).text == "card <card>, mail <email>"
    masked = Redactor.builtin(masks={"card": "[card ending {last4}]", "email": "***"})
    assert masked.redact(text).text == "card [card ending 1111], mail ***"
    assert Redactor.builtin(mask="[{kind} {last4}]").redact("+44 20 7946 0018").text == (
        "[phone 0018]"
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"mask": "[redacted]"}, "mask"),
        ({"mask": "[{kind} {name}]"}, "mask"),
        ({"mask": "[{kind"}, "mask"),
        ({"mask": "{0}{kind}"}, "mask"),
        ({"mask": 3}, "mask"),
        ({"masks": {"card": "{who}"}}, "masks['card']"),
        ({"masks": {"card": "{"}}, "masks['card']"),
        ({"masks": {"": "x"}}, "masks"),
        ({"masks": ["card"]}, "masks"),
    ],
)
def test_bad_masks(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Redactor((EmailRecognizer(),), **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert caught.value.value is not None


def test_user_patterns() -> None:
    redactor = default_redactor().with_pattern("employee_id", r"\bEMP-\d{6}\b")
    result = redactor.redact("EMP-004211 wrote from emp@example.com")
    assert result.text == "[employee_id] wrote from [email]"
    assert result.counts() == {"email": 1, "employee_id": 1}
    assert default_redactor().redact("EMP-004211").text == "EMP-004211"  # unchanged original

    even = PatternRecognizer("even", re.compile(r"\b\d+\b"), validator=lambda s: int(s) % 2 == 0)
    assert texts(even, "1 22 333 4444") == ["22", "4444"]
    assert isinstance(even, Recognizer)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("", r"\d"), "name"),
        (("two words", r"\d"), "name"),
        (("1st", r"\d"), "name"),
        ((None, r"\d"), "name"),
        (("x", "(unclosed"), "pattern"),
        (("x", r"\d*"), "pattern"),
        (("x", ""), "pattern"),
        (("x", re.compile(rb"\d")), "pattern"),
        (("x", 42), "pattern"),
        (("x", r"\d", "not callable"), "validator"),
    ],
)
def test_bad_patterns(args: tuple[object, ...], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        PatternRecognizer(*args)  # type: ignore[arg-type]
    assert caught.value.field == field
    with pytest.raises(InvalidInput):
        default_redactor().with_pattern(*args)  # type: ignore[arg-type]


def test_bad_input_is_named() -> None:
    with pytest.raises(InvalidInput) as caught:
        default_redactor().redact(b"bytes")  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.value) == ("text", b"bytes")
    with pytest.raises(InvalidInput) as caught:
        Redactor((EmailRecognizer(), "phone"))  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.value) == ("recognizers[1]", "phone")
    with pytest.raises(InvalidInput) as caught:
        Redactor("email")  # type: ignore[arg-type]
    assert caught.value.field == "recognizers"
    with pytest.raises(InvalidInput) as caught:
        Redactor((EmailRecognizer(), Liar())).find("short")
    assert caught.value.field == "recognizers[1]"
    with pytest.raises(InvalidInput) as caught:
        PersonalDataSpan("card", 3, 5, "abc")
    assert caught.value.field == "text"
    with pytest.raises(InvalidInput) as caught:
        PersonalDataSpan("card", -1, 5, "abcdef")
    assert caught.value.field == "start"
    with pytest.raises(InvalidInput) as caught:
        PersonalDataSpan("", 0, 1, "a")
    assert caught.value.field == "kind"


def test_redaction_value() -> None:
    nothing = default_redactor().redact("hello")
    assert nothing == Redaction("hello", ())
    assert not nothing.redacted
    assert nothing.counts() == {}
    some = default_redactor().redact("a@example.com b@example.com 020 7946 0018")
    assert some.redacted
    assert some.counts() == {"email": 2, "phone": 1}
    assert list(some.counts()) == ["email", "phone"]


def test_default_redactor_is_shared_and_builtin() -> None:
    redactor = default_redactor()
    assert redactor is default_redactor()
    assert redactor == Redactor.builtin()
    assert [r.name for r in redactor.recognizers] == ["email", "iban", "card", "phone"]
    assert hash(redactor) == hash(Redactor.builtin())


# -- properties ---------------------------------------------------------------------------


def _check_spans(text: str, spans: tuple[PersonalDataSpan, ...]) -> None:
    end = 0
    for span in spans:
        assert span.start >= end
        assert text[span.start : span.end] == span.text
        end = span.end


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_never_crashes(text: str) -> None:
    result = default_redactor().redact(text)
    _check_spans(text, result.spans)
    if not result.spans:
        assert result.text == text


digitish = st.text(alphabet="0123456789 -+()./@abcxyzGBDE#,", max_size=60)


@settings(max_examples=300, deadline=None)
@given(digitish)
def test_number_soup_never_crashes(text: str) -> None:
    result = default_redactor().redact(text)
    _check_spans(text, result.spans)


_rng = random.Random(3)
FRAGMENTS = [
    item.text
    for sample in corpus.generate(120, seed=99)
    for item in (*sample.personal, *sample.protected)
] + ["hello", "order", "call me on", "thanks!", "😀", "Zürich", "@", "+", "#"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)),
        max_size=8,
    ),
    st.sampled_from([", ", ". ", "\n", " and ", " - ", ": ", "; "]),
)
def test_redacting_twice_finds_nothing_new(parts: list[str], sep: str) -> None:
    redactor = default_redactor()
    once = redactor.redact(sep.join(parts))
    twice = redactor.redact(once.text)
    assert twice.spans == (), (once.text, twice.spans)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([("4", 16), ("51", 16), ("2720", 16), ("37", 15), ("6011", 16), ("4", 13)]),
    st.randoms(use_true_random=False),
    st.sampled_from(
        [" ", "-", "", ".", "/", "_", "  ", " - ", "\u00a0", "\u2009", "\u2013", "\u2011"]
    ),
    st.sampled_from(["", "card ", "(", "my card: "]),
    st.sampled_from(["", ".", ")", " thanks", ", exp 08/27", "exp 08/27", " 0827"]),
)
def test_any_valid_card_is_found(
    brand: tuple[str, int], rng: random.Random, sep: str, before: str, after: str
) -> None:
    number = _card(brand[0], brand[1], rng)
    if brand[1] == 15:
        written = sep.join((number[:4], number[4:10], number[10:]))
    elif brand[1] == 16:
        written = sep.join(number[i : i + 4] for i in range(0, 16, 4))
    else:
        written = number
    found = default_redactor().find(before + written + after)
    assert [(s.kind, s.text) for s in found] == [("card", written)]


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(corpus.IBAN_SHAPES)),
    st.randoms(use_true_random=False),
    st.sampled_from(["", " ", "-", "\u00a0", "  ", "\n", " - "]),
    st.booleans(),
)
def test_any_valid_iban_is_found(country: str, rng: random.Random, sep: str, lower: bool) -> None:
    shape = corpus.IBAN_SHAPES[country]
    bban = "".join(
        rng.choice("0123456789") if c == "n" else rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        for c in shape
    )
    iban = country + corpus.iban_check_digits(country, bban) + bban
    if sep:
        iban = sep.join(iban[i : i + 4] for i in range(0, len(iban), 4))
    if lower:
        iban = iban.lower()
    found = default_redactor().find(f"refund to {iban}, thanks")
    assert [(s.kind, s.text) for s in found] == [("iban", iban)]
