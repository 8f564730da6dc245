"""Redaction regressions: formats that were left in full, or masked only in part.

A partial mask shows part of a number (``[phone] 5678``), so it counts as a
leak: each case checks the whole piece of data is masked, as its own kind.
The ``guard`` tests check what the fixes must not change: references stay
visible, and cases that were right stay right.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicontext.handoff.redaction import (
    CardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    Recognizer,
    default_redactor,
    iban_is_valid,
)

from . import redaction_corpus as corpus


def redact(text: str) -> str:
    return default_redactor().redact(text).text


def found(text: str) -> list[tuple[str, str]]:
    return [(s.kind, s.text) for s in default_redactor().find(text)]


def texts(recognizer: Recognizer, text: str) -> list[str]:
    return [s.text for s in recognizer.find(text)]


def assert_stable(text: str) -> None:
    """Redacting the result again finds nothing: nothing was left half-masked."""
    once = redact(text)
    assert found(once) == [], (text, once)


# -- 1. cards ----------------------------------------------------------------------------

GROUPS = ("4111", "1111", "1111", "1111")


@pytest.mark.parametrize(
    "sep",
    [
        ".",
        "/",
        "_",
        "  ",
        " - ",
        " / ",
        "\u00a0",  # no-break space
        "\u202f",  # narrow no-break space
        "\u2009",  # thin space
        "\u2013",  # en dash
        "\u2011",  # non-breaking hyphen
        "\u2212",  # minus sign
    ],
)
def test_card_with_other_separators(sep: str) -> None:
    written = sep.join(GROUPS)
    assert found(f"card {written}, thanks") == [("card", written)]
    assert redact(f"card {written}, thanks") == "card [card], thanks"


@pytest.mark.parametrize(
    "written", ["4111-1111 1111-1111", "4111 1111-1111 1111", "5555-5555  5555-4444"]
)
def test_card_with_mixed_separators(written: str) -> None:
    assert found(f"card {written}") == [("card", written)]


@pytest.mark.parametrize(
    "written",
    [
        "\uff14\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 "
        "\uff11\uff11\uff11\uff11",  # full-width digits
        "\uff14\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11"
        "\uff11\uff11\uff11",
        "\u0664\u0661\u0661\u0661 \u0661\u0661\u0661\u0661 \u0661\u0661\u0661\u0661 "
        "\u0661\u0661\u0661\u0661",  # Arabic-Indic digits
    ],
)
def test_card_in_other_digits(written: str) -> None:
    result = default_redactor().redact(f"card {written}!")
    assert result.text == "card [card]!"
    assert [(s.kind, s.start, s.text) for s in result.spans] == [("card", 5, written)]


def test_two_cards_in_a_row() -> None:
    assert found("cards 4111 1111 1111 1111 4012 8888 8888 1881") == [
        ("card", "4111 1111 1111 1111"),
        ("card", "4012 8888 8888 1881"),
    ]
    assert redact("4111111111111111 4012888888881881, 3782 822463 10005 4111-1111-1111-1111") == (
        "[card] [card], [card] [card]"
    )
    # Many in a row, each found (the search does not recurse card by card).
    assert [kind for kind, _ in found("4111 1111 1111 1111 " * 300)] == ["card"] * 300


def test_card_followed_by_one_more_group() -> None:
    # The group after it is an expiry date (MMYY), not part of the number.
    assert found("card 4111 1111 1111 1111 1226") == [("card", "4111 1111 1111 1111")]
    assert redact("card 4111 1111 1111 1111 1226 please") == "card [card] 1226 please"
    # A code that goes on in groups of four is still no card (USPS tracking).
    for code in (
        "4111 1111 1111 1111 1226 5678",
        "4111 1111 1111 1111 1226 56",
        "9400 4111 1111 1111 1111 11",
        "9400 1000 0000 0000 0000 00",
    ):
        assert found(f"USPS tracking {code}.") == [], code


def test_card_glued_to_a_word() -> None:
    assert redact("card 4111111111111111exp 12/26") == "card [card]exp 12/26"
    assert redact("card 4111 1111 1111 1111exp 12/26") == "card [card]exp 12/26"
    assert texts(CardRecognizer(), "x4111111111111111") == []  # a word before: a code


# -- 2. IBANs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "iban",
    [
        "GB82-WEST-1234-5698-7654-32",
        "GB82\u00a0WEST\u00a01234\u00a05698\u00a07654\u00a032",
        "GB82  WEST 1234 5698 7654 32",
        "GB82 WEST 1234 5698\n7654 32",
        "GB82 WEST 1234 5698\r\n7654 32",
        "DE89 - 3704 - 0044 - 0532 - 0130 - 00",
        "DE89.3704.0044.0532.0130.00",
        "de89\u20093704\u20090044\u20090532\u20090130\u200900",
    ],
)
def test_iban_with_other_separators(iban: str) -> None:
    assert texts(IbanRecognizer(), f"iban: {iban}. Thanks") == [iban]
    assert redact(f"iban: {iban}. Thanks") == "iban: [iban]. Thanks"
    assert iban_is_valid(iban)


def test_iban_with_double_spaces_is_masked_whole() -> None:
    # Was "iban GB82  WEST 1234 [phone]": the tail masked, the rest shown.
    assert redact("iban GB82  WEST 1234 5698 7654 32") == "iban [iban]"
    assert redact("IBAN: GB82 WEST 1234 5698\n7654 32 thanks") == "IBAN: [iban] thanks"


# -- 3. phones ---------------------------------------------------------------------------

FULLWIDTH_PHONE = "+44 20 7946 0018".translate(corpus.FULLWIDTH).replace("+", "\uff0b")


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("call +44\u00a020\u00a07946\u00a00018", "+44\u00a020\u00a07946\u00a00018"),
        ("call 07911\u00a0123456", "07911\u00a0123456"),
        ("call 020\u20097946\u20090018", "020\u20097946\u20090018"),
        ("phone: +44 20  7946 0018", "+44 20  7946 0018"),
        ("phone: 020  7946  0018", "020  7946  0018"),
        ("call 0412\u2013345\u2013678", "0412\u2013345\u2013678"),
        ("call " + FULLWIDTH_PHONE, FULLWIDTH_PHONE),
        ("call +52 1 55 1234 5678", "+52 1 55 1234 5678"),
        ("call+44 20 7946 0018", "+44 20 7946 0018"),
    ],
)
def test_phone_masked_whole(text: str, number: str) -> None:
    assert found(text) == [("phone", number)]
    assert redact(text) == text.replace(number, "[phone]")


def test_phones_side_by_side_are_each_masked_whole() -> None:
    # The first number used to swallow the "0033" of the second.
    assert redact("+49 (0)40 55678052 0033 4 35 52 47 41") == "[phone] [phone]"
    assert redact("04 85 51 26 04 0061\u00a0434\u00a0596\u00a0350") == "[phone] [phone]"
    assert redact("+44 20 7946 0018 07911 123456") == "[phone] [phone]"
    assert redact("call 020 7946 0018 5 March") == "call [phone] 5 March"


# -- 4. e-mail ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        '"john doe"@example.com',
        '"john.doe"@example.com',
        '"j\\"d"@example.com',
        "ada.@example.com",
        "ada\uff20example.com",  # full-width @
    ],
)
def test_emails(address: str) -> None:
    assert texts(EmailRecognizer(), f"mail {address}, thanks") == [address]
    assert redact(f"mail {address}, thanks") == "mail [email], thanks"


def test_quoted_local_parts_side_by_side() -> None:
    text = 'ann@example.org"emma silva"@example.in, x"y"@example.com'
    assert texts(EmailRecognizer(), text) == [
        "ann@example.org",
        '"emma silva"@example.in',
        '"y"@example.com',
    ]
    assert_stable(text)


def test_guard_quoted_text_is_no_address() -> None:
    assert texts(EmailRecognizer(), 'he said "hi" @example.com, "" @ x, ""@example.com') == []


# -- 5. reference words and phone words ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # A reference word that does not directly precede the number, or a
        # phone word in the same clause, does not hide a phone number.
        ("Please call the customer on 07911 123456", "Please call the customer on [phone]"),
        ("Call me about my booking 0412 345 678", "Call me about my booking [phone]"),
        ("Text me about the order on 07911 123456", "Text me about the order on [phone]"),
        ("My account is 07911 123456, call me", "My account is [phone], call me"),
        (
            "My account is 07911 123456 - please text me back.",
            "My account is [phone] - please text me back.",
        ),
        ("Order placed: 2125550123.", "Order placed: [phone]."),
    ],
)
def test_phone_words_beat_reference_words(text: str, masked: str) -> None:
    assert redact(text) == masked
    assert_stable(text)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # Right after a reference word, a number is a reference...
        ("order number 9876543210", "order number 9876543210"),
        ("the DHL number is 2125550123.", "the DHL number is 2125550123."),
        ("DHL tracking no.: 2125550123", "DHL tracking no.: 2125550123"),
        ("ticket #2125550123", "ticket #2125550123"),
        ("Your confirmation: 0412 345 678", "Your confirmation: 0412 345 678"),
        (
            "For my order, you can reach me on 07911 123456",
            "For my order, you can reach me on [phone]",
        ),
        # ... and a phone word in another clause, or one introducing another
        # number, changes nothing.
        ("I called twice already and DHL 2125550123", "I called twice already and DHL 2125550123"),
        ("Sent from my phone: DHL 2125550123", "Sent from my phone: DHL 2125550123"),
        ("Sent from my phone - DHL 2125550123", "Sent from my phone - DHL 2125550123"),
        ("call me. DHL waybill: 2125550123", "call me. DHL waybill: 2125550123"),
        ("DHL 2125550123, I called twice already", "DHL 2125550123, I called twice already"),
        ("DHL 2125550123 - ring me at +1 415 640 9534", "DHL 2125550123 - ring me at [phone]"),
        ("DHL 2125550123 or mobile: 305.960.1350", "DHL 2125550123 or mobile: [phone]"),
        (
            "DHL 2125550123, call me and my number is 020 7946 0018",
            "DHL 2125550123, call me and my number is [phone]",
        ),
    ],
)
def test_guard_references_stay(text: str, masked: str) -> None:
    assert redact(text) == masked
    assert_stable(text)


# -- 6. long numbers side by side -----------------------------------------------------------


SIDE_BY_SIDE_BEFORE = [
    "DE89 3704 0044 0532 0130 00 4111 1111 1111 1111",
    "NO93 8601 1117 947 4111 1111 1111 1111",
    "DE89 3704 0044 0532 0130 00 4111111111111111",
    "4111 1111 1111 1111 BE68 5390 0754 7034",
]


@pytest.mark.parametrize(
    "text",
    [
        "GB82 WEST 1234 5698 7654 32 4111 1111 1111 1111",  # was found on a second pass only
        "BE68 5390 0754 7034 4111 1111 1111 1111",  # the IBAN grouped by four too
        "x\nBE68 5390 0754 7034 4111 1111 1111 1111\ny",
        "4111 1111 1111 1111BE68 5390 0754 7034",
        *SIDE_BY_SIDE_BEFORE,  # guards
    ],
)
def test_iban_and_card_side_by_side(text: str) -> None:
    result = default_redactor().redact(text)
    assert sorted(s.kind for s in result.spans) == ["card", "iban"]
    assert "4111" not in result.text
    assert "BE68" not in result.text
    assert_stable(text)


def test_numbers_glued_in_a_chain_are_all_found() -> None:
    iban = "MT49ELBA61226V8721J4W108X48TV25"  # glued: each is found once the next is masked
    assert redact(f"095604-80635{iban}{iban}{iban}") == "[phone][iban][iban][iban]"
    assert redact("095604-80635+353 86 007 7871") == "[phone][phone]"


# -- properties ---------------------------------------------------------------------------


def _write(number: str, rng: random.Random) -> str:
    sep = rng.choice([" ", "-", ".", "/", "_", "  ", " - ", "\u00a0", "\u2009", "\u2013"])
    if len(number) == 15:
        return sep.join((number[:4], number[4:10], number[10:]))
    return sep.join(number[i : i + 4] for i in range(0, len(number), 4))


@settings(max_examples=150, deadline=None)
@given(st.randoms(use_true_random=False), st.sampled_from([" ", "  ", "\n", " and "]))
def test_generated_data_side_by_side_is_masked_whole(rng: random.Random, sep: str) -> None:
    # An IBAN, cards and e-mail addresses of the corpus, in any order, one after
    # the other: each is found whole, as its own kind, and nothing is left over.
    kinds = [rng.choice(("card", "iban", "email")) for _ in range(rng.randint(2, 4))]
    items = [corpus.MAKERS[kind](rng)[0] for kind in kinds]
    text = "x " + sep.join(items) + " y"
    result = default_redactor().redact(text)
    pos = 2
    for kind, item in zip(kinds, items, strict=True):
        assert any(
            s.kind == kind and s.start == pos and s.end == pos + len(item) for s in result.spans
        ), (text, item, result.spans)
        pos += len(item) + len(sep)
    assert found(result.text) == []


@settings(max_examples=150, deadline=None)
@given(st.randoms(use_true_random=False))
def test_generated_phones_with_other_spaces(rng: random.Random) -> None:
    number = corpus.phone(rng)[0].replace("\u00a0", " ").replace("  ", " ")
    for space in ("\u00a0", "  ", "\u2009"):
        written = number.replace(" ", space)
        assert found(f"call me on {written} thanks") == [("phone", written)]
        assert redact(f"call me on {written} thanks") == "call me on [phone] thanks"


@settings(max_examples=150, deadline=None)
@given(st.randoms(use_true_random=False))
def test_generated_cards_with_any_separator(rng: random.Random) -> None:
    brand, prefix, length = rng.choice(corpus.CARD_BRANDS)
    body = prefix(rng)
    body += "".join(rng.choice("0123456789") for _ in range(length - 1 - len(body)))
    number = body + corpus.luhn_digit(body)
    written = number if length == 13 else _write(number, rng)
    assert found(f"{brand} {written}, exp 08/27") == [("card", written)]
