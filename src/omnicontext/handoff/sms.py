"""SMS arithmetic: encoding, segments, GSM-7 clean-up and fitting a text.

An SMS is sent in the GSM-7 alphabet when every character of it belongs to the
GSM 03.38 basic character set or its extension table, and in UCS-2 (UTF-16)
otherwise; a single curly quote is enough to switch a whole message to UCS-2
and cut its capacity from 160 to 70 characters.

=========  ==================  ==================================
encoding   one message holds   each part of a concatenated one
=========  ==================  ==================================
GSM-7      160 septets         153 septets
UCS-2      70 code units       67 code units
=========  ==================  ==================================

A character of the extension table (``^ { } \\ [ ~ ] | €`` and form feed) is
sent as an escape pair and counts two septets; a character outside the Basic
Multilingual Plane (most emoji) is a UTF-16 surrogate pair and counts two
units. Neither pair is ever split across two parts of a concatenated message,
so a part may end one unit short.

>>> sms_segments("Your parcel is on its way.")
SmsSegments(encoding='GSM-7', units=26, segments=1, per_segment=160, remaining=134)
>>> sms_segments("It\u2019s on its way.").encoding
'UCS-2'
>>> sms_segments(gsm7_safe("It\u2019s on its way.")).encoding
'GSM-7'
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Literal

import attrs

from omnicontext.errors import FieldError, InvalidInput

__all__ = [
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "GSM7_REPLACEMENTS",
    "SmsSegments",
    "fit_sms",
    "gsm7_safe",
    "is_gsm7",
    "sms_segments",
]

GSM7_BASIC: frozenset[str] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
"""The 127 characters of the GSM 03.38 basic set (position 0x1B is the escape), one septet each."""

GSM7_EXTENSION: frozenset[str] = frozenset("\f^{}\\[~]|€")
"""The GSM 03.38 extension table: each is sent as an escape pair, two septets."""

GSM7_REPLACEMENTS: Mapping[str, str] = MappingProxyType(
    {
        # Single quotes, apostrophes, primes and accents.
        "\u2018": "'",  # left single quotation mark
        "\u2019": "'",  # right single quotation mark, typographic apostrophe
        "\u201a": "'",  # single low-9 quotation mark
        "\u201b": "'",  # single high-reversed-9 quotation mark
        "\u2032": "'",  # prime
        "\u2039": "'",  # single left-pointing angle quotation mark
        "\u203a": "'",  # single right-pointing angle quotation mark
        "\u00b4": "'",  # acute accent
        "`": "'",  # grave accent (not in GSM-7)
        # Double quotes.
        "\u201c": '"',  # left double quotation mark
        "\u201d": '"',  # right double quotation mark
        "\u201e": '"',  # double low-9 quotation mark
        "\u201f": '"',  # double high-reversed-9 quotation mark
        "\u2033": '"',  # double prime
        "\u00ab": '"',  # left-pointing double angle quotation mark
        "\u00bb": '"',  # right-pointing double angle quotation mark
        # Dashes and hyphens.
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "-",  # figure dash
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2015": "-",  # horizontal bar
        "\u2212": "-",  # minus sign
        "\u2022": "-",  # bullet
        # Ellipsis.
        "\u2026": "...",
        # Spaces: no-break, thin, figure, ideographic... and the tab.
        "\t": " ",
        "\u00a0": " ",
        "\u2000": " ",
        "\u2001": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\u2004": " ",
        "\u2005": " ",
        "\u2006": " ",
        "\u2007": " ",
        "\u2008": " ",
        "\u2009": " ",
        "\u200a": " ",
        "\u202f": " ",
        "\u205f": " ",
        "\u3000": " ",
        # Line and paragraph separators.
        "\u2028": "\n",
        "\u2029": "\n",
        # Invisible characters that only force UCS-2.
        "\u00ad": "",  # soft hyphen
        "\u200b": "",  # zero-width space
        "\u2060": "",  # word joiner
        "\ufeff": "",  # zero-width no-break space (byte-order mark)
        # Symbols with a plain spelling.
        "\u00a9": "(c)",
        "\u00ae": "(R)",
        "\u2122": "TM",
        "\u00d7": "x",  # multiplication sign
    }
)
"""What :func:`gsm7_safe` replaces, character by replacement.

Typographic punctuation and spacing only: letters are left alone, because a
name or a word in the customer's language is content (``"Łukasz"`` is sent in
UCS-2 rather than misspelt)."""

_TRANSLATE = str.maketrans(dict(GSM7_REPLACEMENTS))

_SINGLE = {"GSM-7": 160, "UCS-2": 70}
_PART = {"GSM-7": 153, "UCS-2": 67}
_ELLIPSIS = "..."
_SENTENCE_END = ".!?"


@attrs.frozen
class SmsSegments:
    """How a text is sent as SMS: its encoding, size and number of parts.

    ``units`` are septets for GSM-7 (an extension-table character counts two)
    and UTF-16 code units for UCS-2 (an emoji counts two). ``per_segment`` is
    what one part holds: 160 / 70 for a single message, 153 / 67 for each part
    of a concatenated one. ``remaining`` is how many units are still free in
    the last part. Always true: ``segments * per_segment >= units``.

    >>> s = sms_segments("x" * 161)
    >>> s.segments, s.per_segment, s.remaining
    (2, 153, 145)
    """

    encoding: Literal["GSM-7", "UCS-2"]
    units: int
    segments: int
    per_segment: int
    remaining: int


def is_gsm7(text: str) -> bool:
    """Whether every character of ``text`` can be sent in the GSM-7 alphabet.

    >>> is_gsm7("Price: 5 €"), is_gsm7("Price: 5 ₹")
    (True, False)
    """
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _weights(text: str, encoding: str) -> list[int]:
    if encoding == "GSM-7":
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def sms_segments(text: str) -> SmsSegments:
    """The encoding, size and number of parts of ``text`` sent as one SMS.

    Parts of a concatenated message are packed greedily; an escape pair or a
    surrogate pair that would straddle two parts moves whole to the next one.
    The empty text is one segment of 0 units (GSM-7).

    >>> sms_segments("x" * 160).segments, sms_segments("x" * 161).segments
    (1, 2)
    >>> sms_segments("x" * 306).segments, sms_segments("x" * 307).segments
    (2, 3)
    >>> sms_segments("😀").units
    2
    >>> sms_segments("x" * 152 + "€" + "x" * 8).remaining  # the € opens part 2
    143
    """
    if not isinstance(text, str):
        raise InvalidInput("sms", [FieldError("text", text, "must be a string")])
    encoding: Literal["GSM-7", "UCS-2"] = "GSM-7" if is_gsm7(text) else "UCS-2"
    weights = _weights(text, encoding)
    units = sum(weights)
    single = _SINGLE[encoding]
    if units <= single:
        return SmsSegments(encoding, units, 1, single, single - units)
    part = _PART[encoding]
    segments, used = 1, 0
    for weight in weights:
        if used + weight > part:
            segments += 1
            used = 0
        used += weight
    return SmsSegments(encoding, units, segments, part, part - used)


def gsm7_safe(text: str) -> str:
    """``text`` with typographic characters replaced by GSM-7 equivalents.

    The text is first put in Unicode normal form C (:func:`unicodedata.normalize`
    with ``"NFC"``), so a letter written as a base letter plus a combining
    accent (``"e\u0301"``) becomes the one precomposed character (``"é"``),
    which GSM-7 has for many accented letters. Then curly quotes become
    straight ones, dashes a hyphen, the ellipsis three dots, unusual spaces a
    plain space, invisible characters nothing (the full table is
    :data:`GSM7_REPLACEMENTS`), and the result is normalised again (an accent
    an invisible character kept apart joins its letter), so a message pasted
    from a word processor stays GSM-7. Other characters are kept as they are.

    >>> gsm7_safe("\u201cThanks\u201d \u2013 we\u2019ll call\u2026 soon")
    '"Thanks" - we\\'ll call... soon'
    >>> gsm7_safe("Cafe\u0301"), is_gsm7("Cafe\u0301"), is_gsm7(gsm7_safe("Cafe\u0301"))
    ('Café', False, True)
    """
    if not isinstance(text, str):
        raise InvalidInput("sms", [FieldError("text", text, "must be a string")])
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).translate(_TRANSLATE))


def _cut_point(text: str, limit: int) -> int:
    """Where to cut ``text`` so that at most ``limit`` characters remain.

    A sentence end (``.``, ``!``, ``?`` or a line break, not the dot of a
    ``"1."`` list number) is preferred when it keeps at least half of what
    fits; else the last word boundary; else a hard cut.
    """
    if limit >= len(text):
        return len(text)
    sentence = 0
    for i in range(limit, 0, -1):
        after = text[i] if i < len(text) else " "
        before = text[i - 1]
        if before == "\n" or (
            before in _SENTENCE_END and after.isspace() and not (i >= 2 and text[i - 2].isdigit())
        ):
            sentence = i
            break
    if sentence and sentence * 2 >= limit:
        return sentence
    for i in range(limit, 0, -1):
        if text[i].isspace():
            return i
    return limit


def _shorten(text: str, fits: Callable[[str], bool]) -> str | None:
    """``text`` if it fits, else its longest cut at a boundary plus ``"..."`` that fits.

    ``fits`` must be monotone (a prefix of a text that fits also fits).
    ``None`` when not even ``"..."`` fits.
    """
    if fits(text):
        return text
    if not fits(_ELLIPSIS):
        return None
    low, high = 0, len(text)  # text[:low] + "..." fits; text[:high] + "..." may not
    while low < high:
        mid = (low + high + 1) // 2
        if fits(text[:mid] + _ELLIPSIS):
            low = mid
        else:
            high = mid - 1
    cut = text[: _cut_point(text, low)].rstrip(" \t\r\n,;:.-")
    return cut + _ELLIPSIS


def fit_sms(text: str, *, max_segments: int) -> str:
    """``text``, shortened if needed so that it is sent in at most ``max_segments`` parts.

    A text that fits is returned unchanged. Otherwise it is cut at a sentence
    end (when that keeps at least half of what fits), else at a word boundary,
    else mid-word, and ``"..."`` is appended; trailing punctuation before the
    ``"..."`` is dropped. The encoding is not changed: apply :func:`gsm7_safe`
    first to keep a text GSM-7.

    >>> fit_sms("Your engineer is booked. They arrive between 8 and 12.", max_segments=1)
    'Your engineer is booked. They arrive between 8 and 12.'
    >>> short = fit_sms("We called. " + "Please call us back today. " * 10, max_segments=1)
    >>> short.endswith("today..."), sms_segments(short).segments
    (True, 1)
    >>> fit_sms("hello", max_segments=0)
    Traceback (most recent call last):
    ...
    omnicontext.errors.InvalidInput: invalid sms: max_segments=0: must be an integer of at least 1
    """
    if isinstance(max_segments, bool) or not isinstance(max_segments, int) or max_segments < 1:
        raise InvalidInput(
            "sms", [FieldError("max_segments", max_segments, "must be an integer of at least 1")]
        )
    if not isinstance(text, str):
        raise InvalidInput("sms", [FieldError("text", text, "must be a string")])
    result = _shorten(text, lambda t: sms_segments(t).segments <= max_segments)
    if result is None:  # pragma: no cover - "..." always fits one segment
        raise AssertionError("'...' does not fit one SMS segment")
    return result
