"""SMS arithmetic: encodings, segment counts at the boundaries, clean-up and fitting."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicontext.errors import InvalidInput
from omnicontext.handoff.sms import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    GSM7_REPLACEMENTS,
    SmsSegments,
    fit_sms,
    gsm7_safe,
    is_gsm7,
    sms_segments,
)

EMOJI = "\U0001f600"  # outside the Basic Multilingual Plane: a surrogate pair


# ----------------------------------------------------------------- character sets


def test_the_basic_set_has_127_characters_and_the_extension_table_10() -> None:
    # 128 positions, one of which (0x1B) is the escape to the extension table.
    assert len(GSM7_BASIC) == 127
    assert len(GSM7_EXTENSION) == 10
    assert not GSM7_BASIC & GSM7_EXTENSION
    assert "\x1b" not in GSM7_BASIC


@pytest.mark.parametrize(
    "ch", ["@", "£", "$", "¥", "è", "Ç", "Δ", "Ξ", "ß", "¤", "¡", "§", "¿", "à"]
)
def test_basic_characters_are_one_septet(ch: str) -> None:
    assert sms_segments(ch) == SmsSegments("GSM-7", 1, 1, 160, 159)


@pytest.mark.parametrize("ch", ["^", "{", "}", "\\", "[", "~", "]", "|", "€", "\f"])
def test_extension_characters_are_two_septets(ch: str) -> None:
    assert sms_segments(ch) == SmsSegments("GSM-7", 2, 1, 160, 158)


@pytest.mark.parametrize("ch", ["`", "ç", "á", "\t", "\u2019", "\u00a0", "₹", "\x1b"])
def test_characters_outside_gsm7_force_ucs2(ch: str) -> None:
    assert not is_gsm7(ch)
    assert sms_segments("hello " + ch).encoding == "UCS-2"


# ----------------------------------------------------------------- segment counts


def test_empty_text_is_one_segment_of_zero_units() -> None:
    assert sms_segments("") == SmsSegments("GSM-7", 0, 1, 160, 160)


@pytest.mark.parametrize(
    ("length", "segments", "per_segment", "remaining"),
    [
        (1, 1, 160, 159),
        (160, 1, 160, 0),
        (161, 2, 153, 145),
        (306, 2, 153, 0),
        (307, 3, 153, 152),
        (459, 3, 153, 0),
        (460, 4, 153, 152),
    ],
)
def test_gsm7_boundaries(length: int, segments: int, per_segment: int, remaining: int) -> None:
    assert sms_segments("a" * length) == SmsSegments(
        "GSM-7", length, segments, per_segment, remaining
    )


@pytest.mark.parametrize(
    ("length", "segments", "per_segment", "remaining"),
    [
        (70, 1, 70, 0),
        (71, 2, 67, 63),
        (134, 2, 67, 0),
        (135, 3, 67, 66),
    ],
)
def test_ucs2_boundaries(length: int, segments: int, per_segment: int, remaining: int) -> None:
    text = "ж" * length
    assert sms_segments(text) == SmsSegments("UCS-2", length, segments, per_segment, remaining)


def test_an_emoji_counts_two_units() -> None:
    assert sms_segments(EMOJI).units == 2
    assert sms_segments("a" * 68 + EMOJI) == SmsSegments("UCS-2", 70, 1, 70, 0)
    assert sms_segments("a" * 69 + EMOJI).segments == 2


def test_a_euro_counts_two_septets() -> None:
    assert sms_segments("€" * 80) == SmsSegments("GSM-7", 160, 1, 160, 0)
    assert sms_segments("€" * 80 + "a").segments == 2


def test_an_escape_pair_is_never_split_across_segments() -> None:
    # 152 septets, then a euro: 154 would straddle the first part's end,
    # so the whole pair opens the second part and the first ends one short.
    text = "a" * 152 + "€" + "a" * 10
    s = sms_segments(text)
    assert (s.units, s.segments, s.remaining) == (164, 2, 153 - 12)
    # The same count with a one-septet character there fills part one exactly.
    assert sms_segments("a" * 153 + "a" * 11).remaining == 153 - 11
    # At 305 septets a euro would need 307 > 306: it opens a third part.
    assert sms_segments("a" * 305 + "€").segments == 3
    assert sms_segments("a" * 304 + "€").segments == 2


def test_a_surrogate_pair_is_never_split_across_segments() -> None:
    text = "a" * 66 + EMOJI + "a" * 5
    s = sms_segments(text)
    assert (s.encoding, s.units, s.segments, s.remaining) == ("UCS-2", 73, 2, 67 - 7)
    assert sms_segments("a" * 133 + EMOJI).segments == 3
    assert sms_segments("a" * 132 + EMOJI).segments == 2


def test_a_non_string_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as err:
        sms_segments(42)  # type: ignore[arg-type]
    assert err.value.field == "text"


# ----------------------------------------------------------------- gsm7_safe


def test_gsm7_safe_replaces_typography() -> None:
    text = "\u201cIt\u2019s\u201d \u2013 done\u2026\u00a0ok \u2014 \u2018yes\u2019\u200b"
    assert gsm7_safe(text) == "\"It's\" - done... ok - 'yes'"
    assert is_gsm7(gsm7_safe(text))


def test_gsm7_safe_keeps_letters_and_gsm_text() -> None:
    assert gsm7_safe("Łukasz") == "Łukasz"
    plain = "Hello {name}, 5€ [ok] ~ ^ | \\ @£$¥"
    assert gsm7_safe(plain) == plain


def test_every_replacement_is_gsm7() -> None:
    for source, target in GSM7_REPLACEMENTS.items():
        assert not is_gsm7(source), source
        assert is_gsm7(target), source


# ----------------------------------------------------------------- fit_sms


def test_fit_sms_returns_a_fitting_text_unchanged() -> None:
    assert fit_sms("a" * 160, max_segments=1) == "a" * 160
    assert fit_sms("", max_segments=1) == ""


def test_fit_sms_cuts_at_a_sentence_end() -> None:
    text = "Your engineer is booked for Monday. " * 3 + "x" * 100
    out = fit_sms(text, max_segments=1)
    assert (
        out == "Your engineer is booked for Monday. " * 2 + "Your engineer is booked for Monday..."
    )
    assert sms_segments(out).segments == 1


def test_fit_sms_cuts_at_a_word_boundary_when_no_sentence_is_near() -> None:
    text = "word " * 40  # 200 characters, no sentence end
    out = fit_sms(text, max_segments=1)
    assert out.endswith("word...")
    assert len(out) <= 160
    assert out[:-3] == ("word " * 40)[: len(out) - 3]


def test_fit_sms_prefers_words_to_a_sentence_end_that_keeps_too_little() -> None:
    out = fit_sms("Hi. " + "word " * 40, max_segments=1)
    assert out.startswith("Hi. word word")
    assert out.endswith("word...")
    assert len(out) > 150


def test_fit_sms_cuts_mid_word_when_there_is_no_boundary() -> None:
    out = fit_sms("a" * 200, max_segments=1)
    assert out == "a" * 157 + "..."


def test_fit_sms_does_not_take_a_list_number_for_a_sentence_end() -> None:
    text = "a" * 80 + ". 2. " + "b" * 100
    assert fit_sms(text, max_segments=1) == "a" * 80 + "..."


def test_fit_sms_counts_ucs2() -> None:
    text = "Привет, мир. " * 20
    out = fit_sms(text, max_segments=2)
    s = sms_segments(out)
    assert (s.encoding, s.segments) == ("UCS-2", 2)
    assert out.endswith("мир...")


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "2"])
def test_fit_sms_rejects_bad_max_segments(bad: object) -> None:
    with pytest.raises(InvalidInput) as err:
        fit_sms("hi", max_segments=bad)  # type: ignore[arg-type]
    assert err.value.field == "max_segments"
    assert err.value.value == bad


# ----------------------------------------------------------------- properties

sms_chars = st.sampled_from(
    [*"abc XYZ.!?,", "€", "[", "\n", "é", EMOJI, "ж", "\u2019", "\u2026", "😀", "1"]
)
texts = st.text(alphabet=sms_chars, max_size=500)


@given(texts, st.text(alphabet=sms_chars, min_size=1, max_size=50))
def test_appending_never_lowers_segments_or_units(text: str, more: str) -> None:
    before, after = sms_segments(text), sms_segments(text + more)
    assert after.segments >= before.segments
    assert after.units > before.units or (before.encoding, after.encoding) == ("GSM-7", "UCS-2")


@given(texts)
def test_segments_hold_the_units(text: str) -> None:
    s = sms_segments(text)
    assert s.segments * s.per_segment >= s.units
    assert 0 <= s.remaining < s.per_segment or (s.segments == 1 and s.units == 0)
    if s.segments == 1:
        assert s.remaining == s.per_segment - s.units
    else:
        # Packing can waste at most one unit per part (a pair moved whole).
        assert s.units <= s.segments * s.per_segment - s.remaining
        assert s.segments * s.per_segment - s.remaining - s.units < s.segments


@given(texts)
def test_the_encoding_follows_the_alphabet(text: str) -> None:
    s = sms_segments(text)
    assert (s.encoding == "GSM-7") == is_gsm7(text)
    if s.encoding == "UCS-2":
        assert s.units == len(text.encode("utf-16-le")) // 2


@given(texts, st.integers(min_value=1, max_value=4))
def test_fit_sms_always_fits_and_is_a_prefix(text: str, max_segments: int) -> None:
    out = fit_sms(text, max_segments=max_segments)
    assert sms_segments(out).segments <= max_segments
    if out != text:
        assert out.endswith("...")
        assert text.startswith(out[:-3])


@given(texts)
def test_gsm7_safe_is_idempotent(text: str) -> None:
    once = gsm7_safe(text)
    assert gsm7_safe(once) == once
