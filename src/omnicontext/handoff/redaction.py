"""Masking personal data before context leaves the people allowed to see it.

A :class:`Redactor` runs a few :class:`Recognizer` objects over a text, keeps
the spans they find (sorted, never overlapping) and replaces each with a mask
such as ``[email]``. The built-in recognisers are fast and checked:

* :class:`EmailRecognizer`: addresses with a dotted domain;
* :class:`PhoneRecognizer`: numbers in international form (``+44 ...``,
  ``0044 ...``) for any country, national forms for a short list of regions,
  each confirmed by ``phonenumbers``;
* :class:`CardRecognizer`: payment card numbers with a known issuer prefix and
  length that pass the Luhn check;
* :class:`IbanRecognizer`: IBANs of the right length for their country whose
  ISO 13616 mod-97 check digits are right.

The built-in recognisers read Unicode spaces (no-break, thin...), dashes
(en dash, non-breaking hyphen...), full-width characters and other scripts'
digits as their ASCII forms; spans are always positions in the text as given.
A user adds a :class:`PatternRecognizer` for anything else, optionally with a
validator.

>>> redactor = default_redactor()
>>> result = redactor.redact("Mail jane.doe@example.com or call +44 20 7946 0018.")
>>> result.text
'Mail [email] or call [phone].'
>>> result.counts()
{'email': 1, 'phone': 1}
>>> result.spans[0]
PersonalDataSpan(kind='email', start=5, end=25, text='jane.doe@example.com')
>>> redactor.redact("card 4111\\u00a01111\\u00a01111\\u00a01111, exp 12/26").text
'card [card], exp 12/26'
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import string
import types
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol, cast, runtime_checkable

import attrs
import phonenumbers

from omnicontext.errors import FieldError, InvalidInput

__all__ = [
    "DEFAULT_PHONE_REGIONS",
    "IBAN_LENGTHS",
    "CardRecognizer",
    "EmailRecognizer",
    "IbanRecognizer",
    "PatternRecognizer",
    "PersonalDataSpan",
    "PhoneRecognizer",
    "Recognizer",
    "Redaction",
    "Redactor",
    "default_redactor",
    "iban_is_valid",
    "luhn_is_valid",
]

DEFAULT_PHONE_REGIONS: tuple[str, ...] = ("GB", "US", "DE", "FR", "IN", "AU")
"""Regions whose national number formats :class:`PhoneRecognizer` reads by default.

Numbers written in international form (``+33 6 12 34 56 78``, ``0033 6 ...``)
are recognised for every country whatever the regions; these regions only
decide which numbers *without* a country code are understood (``US`` covers
the whole North American numbering plan, Canada included).
"""

IBAN_LENGTHS: Mapping[str, int] = types.MappingProxyType(
    {
        "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
        "BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24,
        "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
        "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
        "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
        "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
        "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20,
        "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
        "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
        "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
        "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
        "YE": 30,
    }
)  # fmt: skip
"""IBAN length by country code, from the SWIFT IBAN registry (ISO 13616)."""


# -- spans and the recogniser protocol ------------------------------------------------


def _check_span(instance: PersonalDataSpan, attribute: Any, value: Any) -> None:
    # One validator for the whole span, run on the last field.
    problems: list[FieldError] = []
    if not isinstance(instance.kind, str) or not instance.kind:
        problems.append(FieldError("kind", instance.kind, "must be a non-empty string"))
    if not isinstance(instance.start, int) or instance.start < 0:
        problems.append(FieldError("start", instance.start, "must be an integer >= 0"))
    elif not isinstance(instance.end, int) or instance.end <= instance.start:
        problems.append(FieldError("end", instance.end, "must be an integer > start"))
    elif not isinstance(value, str) or len(value) != instance.end - instance.start:
        problems.append(FieldError("text", value, "must be a string of length end - start"))
    if problems:
        raise InvalidInput("personal data span", problems)


@attrs.frozen
class PersonalDataSpan:
    """One piece of personal data found in a text.

    ``kind`` is ``"email"``, ``"phone"``, ``"card"``, ``"iban"`` or the name of
    a user's pattern; ``start`` and ``end`` are positions in the text that was
    searched (``text[start:end] == span.text``).

    >>> span = PersonalDataSpan("email", 5, 12, "a@b.com")
    >>> span.end - span.start == len(span.text)
    True
    >>> PersonalDataSpan("email", 5, 5, "")
    Traceback (most recent call last):
    ...
    omnicontext.errors.InvalidInput: invalid personal data span: end=5: must be an integer > start
    """

    kind: str
    start: int
    end: int
    text: str = attrs.field(validator=_check_span)


@runtime_checkable
class Recognizer(Protocol):
    """Finds one kind of personal data in a text.

    Any object with a ``name`` and a ``find(text)`` method returning
    :class:`PersonalDataSpan` objects is a recogniser; spans may overlap each
    other and come in any order (the :class:`Redactor` sorts them out).

    >>> isinstance(EmailRecognizer(), Recognizer)
    True
    """

    @property
    def name(self) -> str:
        """The kind of data this recogniser finds (the ``kind`` of its spans)."""
        ...

    def find(self, text: str) -> Iterable[PersonalDataSpan]:
        """Every piece of this kind of data in ``text``."""
        ...


# -- checksums -------------------------------------------------------------------------


def luhn_is_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn (mod-10) check of card numbers.

    >>> luhn_is_valid("4111111111111111"), luhn_is_valid("4111111111111112")
    (True, False)
    """
    if not digits.isdigit() or not digits.isascii():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_is_valid(iban: str) -> bool:
    """Whether ``iban`` is an IBAN: a known country, that country's length, and
    ISO 13616 mod-97 check digits. Any case; spaces (no-break ones too), line
    breaks, dashes, dots, slashes and underscores between the characters are
    ignored, and full-width characters read as their ASCII forms.

    >>> iban_is_valid("GB82 WEST 1234 5698 7654 32"), iban_is_valid("GB82 WEST 1234 5698 7654 33")
    (True, False)
    >>> iban_is_valid("gb82-west-1234-5698-7654-32")
    True
    """
    compact = _IBAN_IGNORED.sub("", _normalised(iban)).upper()
    if not compact.isascii() or not compact.isalnum() or len(compact) < 5:
        return False
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact[2:4].isdigit():
        return False
    if not "02" <= compact[2:4] <= "98":
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


# -- normalisation -----------------------------------------------------------------------

# Characters searched as their ASCII look-alikes: spaces other than U+0020
# (no-break, thin, ideographic...), dashes and hyphens (en dash, non-breaking
# hyphen, minus...), the full-width forms (digits, letters, "+", "@"...) and
# the decimal digits of other scripts. Invisible characters (zero-width
# space and joiners, word joiner, byte order mark) are read as a space and a
# soft hyphen as a hyphen. Each replacement is one character, so a position in
# the searched copy is the same position in the text.
_UNUSUAL = re.compile(  # a non-ASCII character, then which (faster than the other way)
    r"[^\x00-\x7f](?<=[\d\s\u00ad\u200b-\u200d\u2010-\u2015\u2060\u2212\ufe58\ufe63\ufeff"
    r"\uff01-\uff5e])"
)
_DASHES = frozenset("\u00ad\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63")
_LINE_BREAKS = frozenset("\x85\u2028\u2029")
_IBAN_IGNORED = re.compile(r"[\s./_-]+")


@functools.cache
def _ascii_for(ch: str) -> str:
    code = ord(ch)
    if 0xFF01 <= code <= 0xFF5E:  # the full-width forms of "!" to "~"
        return chr(code - 0xFEE0)
    if ch in _DASHES:
        return "-"
    if ch in _LINE_BREAKS:
        return "\n"
    if ch.isdecimal():
        return str(unicodedata.decimal(ch))
    return " "


def _ascii_match(m: re.Match[str]) -> str:
    return _ascii_for(m.group())


def _normalised(text: str) -> str:
    """``text`` with the characters above replaced by their ASCII forms (the same
    length, so spans found in it are spans of ``text``)."""
    if text.isascii() or _UNUSUAL.search(text) is None:
        return text
    return _UNUSUAL.sub(_ascii_match, text)


# -- e-mail ------------------------------------------------------------------------------

_LOCAL_MAX = 64
_LOCAL_TAIL = re.compile(r"[\w!#$%&'*+/=?^`{|}~.-]{1,64}\Z")
_QUOTED_LOCAL = re.compile(r'"(?:[^"\\\n]|\\[^\n]){1,62}"\Z')
_DOMAIN = re.compile(
    r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+(?:[^\W\d_]{2,63}|xn--[a-zA-Z0-9-]{1,59})(?![\w-])"
)


def _local_start(text: str, at: int) -> int | None:
    """Where the local part of an address whose ``@`` is at ``at`` starts, if any."""
    if at and text[at - 1] == '"':  # a quoted local part: "john doe"@example.com
        quoted = _QUOTED_LOCAL.search(text, max(0, at - _LOCAL_MAX), at)
        if quoted is None or not quoted.group().strip('" '):
            return None
        return quoted.start()
    local = _LOCAL_TAIL.search(text, max(0, at - _LOCAL_MAX), at)
    if local is None:
        return None
    start = local.start()
    while start < at and text[start] == ".":
        start += 1
    return start if start < at else None


@attrs.frozen
class EmailRecognizer:
    """E-mail addresses: a local part, ``@``, and a domain of one or more dotted
    labels ending in an alphabetic top-level domain.

    The local part is letters, digits and ``!#$%&'*+/=?^`{|}~.-`` (not starting
    with a dot, at most 64 characters; a dot at the end or two in a row, which
    some providers allow, are accepted), or a quoted string
    (``"john doe"@example.com``, the quotes included in the match). Tags
    (``jane+orders@``), sub-domains, upper case, non-ASCII letters and
    full-width characters (a full-width ``@``) are accepted; surrounding
    angle brackets, quotes and trailing punctuation are not part of the match.

    >>> [s.text for s in EmailRecognizer().find("<Jane.Doe+x@Mail.Example.co.uk>, bye.")]
    ['Jane.Doe+x@Mail.Example.co.uk']
    >>> [s.text for s in EmailRecognizer().find('write to "john doe"@example.com')]
    ['"john doe"@example.com']
    """

    name: str = "email"

    def find(self, text: str) -> Iterator[PersonalDataSpan]:
        """See :meth:`Recognizer.find`."""
        return self._search(text, _normalised(text))

    def _search(self, text: str, norm: str) -> Iterator[PersonalDataSpan]:
        # Searches ``norm``, the normalised ``text``; spans are of ``text``.
        at = norm.find("@")
        while at != -1:
            nxt = norm.find("@", at + 1)
            start = _local_start(norm, at)
            if start is not None:
                domain = _DOMAIN.match(norm, at + 1)
                if domain is not None:
                    end = domain.end()
                    if nxt == -1 or nxt > end:
                        yield PersonalDataSpan(self.name, start, end, text[start:end])
                        nxt = norm.find("@", end)
            at = nxt


# -- cards -----------------------------------------------------------------------------

# Digit groups joined by separators: one or two spaces, or one of "-./_" with a
# space on either side or none. Letters may follow the last group ("...1111exp").
_DIGIT_RUN = re.compile(r"(?=\d)(?<!\w)(?<!\d[./,])\d+(?:(?:[ ]{1,2}|[ ]?[-./_][ ]?)\d+)*+")
_GROUP = re.compile(r"\d+")

# (first digits from, first digits to, lengths); prefixes compared on equal length.
_CARD_RANGES: tuple[tuple[str, str, frozenset[int]], ...] = (
    ("4", "4", frozenset({13, 16, 19})),  # Visa
    ("51", "55", frozenset({16})),  # Mastercard
    ("2221", "2720", frozenset({16})),  # Mastercard 2-series
    ("34", "34", frozenset({15})),  # American Express
    ("37", "37", frozenset({15})),
    ("6011", "6011", frozenset({16, 17, 18, 19})),  # Discover
    ("644", "649", frozenset({16, 17, 18, 19})),
    ("65", "65", frozenset({16, 17, 18, 19})),
    ("62", "62", frozenset({16, 17, 18, 19})),  # UnionPay
    ("3528", "3589", frozenset({16, 17, 18, 19})),  # JCB
    ("300", "305", frozenset({14, 15, 16, 17, 18, 19})),  # Diners Club
    ("36", "36", frozenset({14, 15, 16, 17, 18, 19})),
    ("38", "39", frozenset({14, 15, 16, 17, 18, 19})),
    ("2200", "2204", frozenset({16, 17, 18, 19})),  # Mir
    ("50", "50", frozenset({13, 14, 15, 16, 17, 18, 19})),  # Maestro
    ("56", "58", frozenset({13, 14, 15, 16, 17, 18, 19})),
    ("63", "63", frozenset({13, 14, 15, 16, 17, 18, 19})),
    ("67", "67", frozenset({13, 14, 15, 16, 17, 18, 19})),
)


_CARD_FIRST_DIGITS = frozenset(low[0] for low, _, _ in _CARD_RANGES)


def _card_issuer_known(digits: str) -> bool:
    n = len(digits)
    for low, high, lengths in _CARD_RANGES:
        if n in lengths and low <= digits[: len(low)] <= high:
            return True
    return False


def _is_card(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and _card_issuer_known(digits) and luhn_is_valid(digits)


def _sep_key(sep: str) -> str:
    """A separator between digit groups, as compared: ``" "`` for spaces, the mark
    alone (``"-"``) or spaced (``" - "``)."""
    mark = sep.strip(" ")
    if not mark:
        return " "
    return mark if mark == sep else f" {mark} "


def _family(key: str) -> str:
    # Spaces and plain dashes mix in one number (4111-1111 1111-1111); other
    # separators are used alone.
    return " " if key == "-" else key


def _card_shape(sizes: list[int], i: int, j: int) -> int:
    """How groups ``i`` to ``j`` are laid out: 0 not like a card, 1 one compact
    group or 4-6-x (American Express, Diners Club), 2 grouped by four (the last
    group may be shorter), the layout of long codes too."""
    if i == j:
        return 1
    if sizes[i] != 4:
        return 0
    if j == i + 2 and sizes[i + 1] == 6 and sizes[j] in (4, 5):
        return 1
    if 1 <= sizes[j] <= 4 and all(sizes[k] == 4 for k in range(i + 1, j)):
        return 2
    return 0


def _cards_in_run(text: str, groups: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The card numbers among the digit ``groups`` of one run, as ``(start, end)``.

    A window grouped by four inside a longer code grouped the same way (a
    tracking number) is not a card; next to another card, or followed by one
    more group (an expiry date, MMYY), it is.
    """
    count = len(groups)
    sizes = [b - a for a, b in groups]
    seps = [text[groups[k][1] : groups[k + 1][0]] for k in range(count - 1)]
    if (
        text[groups[0][0]] not in _CARD_FIRST_DIGITS
        and all(size == 4 for size in sizes[:-1])
        and seps.count(seps[0]) == len(seps)
    ):
        return []  # a long code grouped by four (USPS), not starting as a card
    keys = [_sep_key(sep) for sep in seps]
    digits = "".join(text[a:b] for a, b in groups)
    offsets = [0]
    for size in sizes:
        offsets.append(offsets[-1] + size)

    def windows(i: int) -> tuple[list[tuple[int, int]], bool]:
        # The card-shaped windows from group i, the longest first, as (last
        # group, shape), and whether a group of four before i is part of the
        # same code (then no window grouped by four counts, unless a card ends
        # there).
        if text[groups[i][0]] not in _CARD_FIRST_DIGITS:
            return [], False
        ends: list[int] = []
        total = 0
        family = ""
        for j in range(i, count):  # at most 19 digits, one family of separators
            total += sizes[j]
            if total > 19:
                break
            if j == i + 1:
                family = _family(keys[i])
            elif j > i + 1 and _family(keys[j - 1]) != family:
                break
            if total >= 13:
                ends.append(j)
        shaped = []
        for j in reversed(ends):
            shape = _card_shape(sizes, i, j)
            if shape:
                shaped.append((j, shape))
        code_before = (
            i > 0
            and sizes[i - 1] == 4
            and _family(keys[i - 1]) == family
            and (i == 1 or keys[i - 2] == keys[i - 1])
        )
        return shaped, code_before

    candidates: list[tuple[list[tuple[int, int]], bool] | None] = [None] * count
    card_after: list[int | None] = [None] * (count + 1)  # the best card from i, after a card
    known = count  # card_after[i] is known from here on

    def after_card(i: int) -> int | None:
        # Filled from the right, so that best() never waits on itself.
        nonlocal known
        while known > i:
            known -= 1
            card_after[known] = best(known, True)
        return card_after[i]

    def best(i: int, after: bool) -> int | None:
        # The last group of the longest card from group i, if any.
        at = candidates[i]
        if at is None:
            at = candidates[i] = windows(i)
        shaped, code_before = at
        for j, shape in shaped:
            if shape == 2 and code_before and not after:
                continue
            if not _is_card(digits[offsets[i] : offsets[j + 1]]):
                continue
            if (
                shape == 2
                and j + 2 < count
                and sizes[j + 1] == 4
                and _family(keys[j]) == _family(keys[i])
                and keys[j + 1] == keys[j]
                and (sizes[j + 2] == 4 or j + 3 == count or keys[j + 2] != keys[j])
                and after_card(j + 1) is None
            ):
                continue  # the code goes on in groups of four: not a card
            return j
        return None

    found: list[tuple[int, int]] = []
    i = 0
    after = False
    while i < count:
        j = after_card(i) if after else best(i, False)
        if j is None:
            i += 1
            after = False
        else:
            found.append((groups[i][0], groups[j][1]))
            i = j + 1
            after = True
    return found


@attrs.frozen
class CardRecognizer:
    """Payment card numbers: 13 to 19 digits with the issuer prefix and length of
    a known scheme (Visa, Mastercard including the 2-series, American Express,
    Discover, UnionPay, JCB, Diners Club, Mir, Maestro) and a valid Luhn check
    digit.

    Written together, or in groups of four (the last may be shorter) or 4-6-5
    (4-6-4): groups separated by one or two spaces, or by a dash, dot, slash or
    underscore with or without spaces around it (``4111 - 1111 - ...``).
    Spaces and dashes may be mixed (``4111-1111 1111-1111``); no-break and
    thin spaces, en dashes, non-breaking hyphens and full-width or other
    scripts' digits are read as their ASCII forms. Letters may follow
    (``4111111111111111exp``), not precede.

    Two cards in a row are both found, and so is a card followed by one more
    group (an expiry date, ``4111 1111 1111 1111 1226``). Within a longer code
    grouped by four (a USPS tracking number), no card-shaped part is taken.

    >>> text = "card 4111.1111.1111.1111, not 4111 1111 1111 1112"
    >>> [s.text for s in CardRecognizer().find(text)]
    ['4111.1111.1111.1111']
    """

    name: str = "card"

    def find(self, text: str) -> Iterator[PersonalDataSpan]:
        """See :meth:`Recognizer.find`."""
        return self._search(text, _normalised(text))

    def _search(self, text: str, norm: str) -> Iterator[PersonalDataSpan]:
        # Searches ``norm``, the normalised ``text``; spans are of ``text``.
        for run in _DIGIT_RUN.finditer(norm):
            start, end = run.span()
            if end - start < 13:
                continue
            if run.group().isdigit():  # one compact group: the usual case
                if end - start <= 19 and _is_card(run.group()):
                    yield PersonalDataSpan(self.name, start, end, text[start:end])
                continue
            if sum(map(str.isdigit, run.group())) < 13:
                continue
            groups = [(g.start(), g.end()) for g in _GROUP.finditer(norm, start, end)]
            for a, b in _cards_in_run(norm, groups):
                yield PersonalDataSpan(self.name, a, b, text[a:b])


# -- IBAN --------------------------------------------------------------------------------

# The check digits, after a two-letter country code that does not follow a
# letter (searching for digits first is faster: text has fewer digits than
# letters).
_IBAN_CHECK = re.compile(r"(?=\d\d)(?<=[A-Za-z]{2})(?<![^\W\d_][A-Za-z]{2})\d\d")


# Between two characters of an IBAN: a dash, dot, slash or underscore (spaces
# around it allowed), a line break, or up to three spaces.
_IBAN_SEP = re.compile(r"[ ]?[-./_][ ]?|[ ]*\r?\n[ ]*|[ ]{1,3}")


@attrs.frozen
class IbanRecognizer:
    """IBANs: a country code from :data:`IBAN_LENGTHS`, two check digits and the
    account part, exactly as long as that country's IBANs, and with correct
    ISO 13616 mod-97 check digits.

    In upper or lower case, compact or in groups (usually of four) separated by
    spaces (one to three, no-break ones too), dashes, dots, slashes or
    underscores, or split over two lines. A letter or digit right after it
    rejects the match.

    >>> [s.text for s in IbanRecognizer().find("IBAN: de89 3704 0044 0532 0130 00. Thanks")]
    ['de89 3704 0044 0532 0130 00']
    >>> [s.text for s in IbanRecognizer().find("IBAN GB82-WEST-1234-5698-7654-32")]
    ['GB82-WEST-1234-5698-7654-32']
    """

    name: str = "iban"

    def find(self, text: str) -> Iterator[PersonalDataSpan]:
        """See :meth:`Recognizer.find`."""
        return self._search(text, _normalised(text))

    def _search(self, text: str, norm: str) -> Iterator[PersonalDataSpan]:
        # Searches ``norm``, the normalised ``text``; spans are of ``text``.
        pos = 0
        n = len(norm)
        while True:
            m = _IBAN_CHECK.search(norm, pos)
            if m is None:
                return
            begin = m.start() - 2
            pos = m.end()
            country = norm[begin : m.start()].upper()
            length = IBAN_LENGTHS.get(country)
            if length is None:
                continue
            need = length - 4
            k = m.end()
            chars = [country, m.group()]
            while need and k < n:
                ch = norm[k]
                if ch.isascii() and ch.isalnum():
                    chars.append(ch)
                    need -= 1
                    k += 1
                    continue
                sep = _IBAN_SEP.match(norm, k)
                if sep is None:
                    break
                after = sep.end()
                if after < n and norm[after].isascii() and norm[after].isalnum():
                    k = after
                else:
                    break
            if need or (k < n and (norm[k].isalnum() or norm[k] == "_")):
                continue
            if iban_is_valid("".join(chars)):
                yield PersonalDataSpan(self.name, begin, k, text[begin:k])
                pos = k


# -- phones ------------------------------------------------------------------------------

_PHONE_GROUP = r"(?:\(\+?\d{1,5}\)|\d+)"
_PHONE_SEP = r"(?:[-./]|[ ]{1,2}|(?<=\))|(?=\())"
_PHONE_GROUP_RE = re.compile(_PHONE_GROUP)
# Not glued to a word, an address or another number; a "+" may follow a word
# ("call+44 20 ...").
_PHONE_CANDIDATE = re.compile(
    rf"(?=[+(\d])(?:(?<![\w@+])|(?<=[^\W\d_])(?=\+))(?<!\d[-./,])(?<![^\W\d_]-)"
    rf"(?:\+[ ]?)?{_PHONE_GROUP}(?:{_PHONE_SEP}{_PHONE_GROUP})*+(?![\w@])"
)
_CHUNK = re.compile(r"\S+")
# A date (05/03/2024, 2024-03-05, 03.05.24) or a decimal (7.693, 49.99) is never
# part of a phone number.
_NOT_IN_PHONE = re.compile(
    r"\(?(?:\d{1,2}([./-])\d{1,2}\1(?:\d{4}|\d{2})|\d{4}([./-])\d{1,2}\2\d{1,2}"
    r"|\d{1,4}\.\d{1,3})\)?"
)
_TRUNK_ZERO = re.compile(r"\(0\)")
# Words, numbers (and text masked before a second search, read as a number)
# and the punctuation that matters around a number.
_WORD = re.compile(r"[^\W\d_]+|\d+|\x00+|[#.!?;,:\n]|(?<= )-(?= )")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_REFERENCE_WORDS = _words(
    "order orders ord tracking track trace parcel package shipment consignment waybill awb "
    "dhl ups usps fedex dpd hermes gls invoice inv ref reference ticket case receipt "
    "transaction txn booking confirmation po sku serial item article customer account acct "
    "iban bic swift card sort code pin otp pnr voucher coupon membership policy claim"
)
_PHONE_WORDS = _words(
    "call calling called phone phoned tel telephone mobile mob cell ring rang text texted "
    "whatsapp sms fax landline reach dial hotline callback"
)
# Between a reference word and its number: "order number is", "DHL no.".
_NUMBER_NOUNS = _words("no nr nbr num number")
_LEAD_WORDS = _NUMBER_NOUNS | _words("is was")
# After a number, a clause asking to be called on it: "07911 123456, call me".
_CALL_LEADS = ("and", "so", "please", "pls", "just")
_CALL_WORDS = (
    "call", "ring", "text", "phone", "whatsapp", "sms", "dial", "reach", "tel", "telephone",
    "mobile", "cell", "landline",
)  # fmt: skip
_CALL_TAILS = (
    "please", "pls", "anytime", "back", "later", "now", "today", "tomorrow", "asap", "thanks",
    "thx",
)  # fmt: skip
_CLAUSE_END = r"(?=[.!?,;\n)]|:\)|-[ ]|(?<=[ ])(?:and|or|but)\b|\Z)"
_CALL_AFTER = re.compile(  # on lower case; the phone word ends its clause
    rf"[ ]{{0,3}}(?:[,;:]|[ ]-)?[ ]{{0,3}}(?:(?:{'|'.join(_CALL_LEADS)})[ ]{{1,3}}){{0,2}}"
    rf"(?:{'|'.join(_CALL_WORDS)})"
    rf"(?:[ ]{{1,3}}(?:me|us)(?:[ ]{{1,3}}(?:{'|'.join(_CALL_TAILS)}))?[ ]{{0,3}}"
    rf"(?:{_CLAUSE_END}|(?=:))"  # "call me: ..." but not "mobile: ..."
    rf"|(?:[ ]{{1,3}}(?:{'|'.join(_CALL_TAILS)}))?[ ]{{0,3}}{_CLAUSE_END})"
)
_CALL_STARTS = _CALL_LEADS + _CALL_WORDS
_CLAUSE_LINKS = _words("and or but")
_ABBREVIATIONS = _words("no nr nbr num tel ph mob fax ref inv acct ord cust tkt")
_SENTENCE_END = re.compile(r"[.!?;](?=\s|\Z)|\n")
_MIN_PHONE_DIGITS = 7
_MAX_PHONE_DIGITS = 17  # 15 for E.164, plus a written trunk prefix or 00


def _sentence_ends(tokens: list[str], i: int) -> bool:
    """Whether the full stop ``tokens[i]`` ends a sentence rather than an
    abbreviation (``no.``, ``tel.``)."""
    return i == 0 or tokens[i - 1].lower() not in _ABBREVIATIONS


def _reference_before(text: str, start: int) -> bool:
    """Whether the words before ``start`` say the number there is a reference.

    A ``#`` right before it does. Otherwise the number must come right after a
    reference word (``order``, ``tracking``, ``DHL``...), with only ``:``,
    ``no.``, ``number``, ``is`` and more reference words between (``DHL
    tracking no.: ``, ``the order number is``); and a phone word (``call``,
    ``mobile``, ``tel``...) among them, ``on`` right before the number, or a
    phone word earlier in the same clause (up to a comma, a colon, a spaced
    dash, ``and``, ``or``, the end of a sentence or another number) says it
    is not: ``call me about my booking 0412 345 678``.
    """
    tokens = _WORD.findall(text, max(0, start - 64), start)
    last = len(tokens) - 1
    i = last
    reference = False
    while i >= 0:  # the lead: "order no.:", "the DHL number is"
        token = tokens[i]
        low = token.lower()
        if token == "#":
            return True  # "ticket #...", "#2125550123"
        if token == ":" or token == ".":
            if reference or (token == "." and _sentence_ends(tokens, i)):
                break
        elif low in _PHONE_WORDS or (low == "on" and i == last):
            return False
        elif low in _REFERENCE_WORDS:
            reference = True
        elif low not in _LEAD_WORDS:
            break
        i -= 1
    if not reference:
        return False
    seen = 0
    while i >= 0 and seen < 8:  # the rest of the clause
        token = tokens[i]
        low = token.lower()
        if token == ".":
            if _sentence_ends(tokens, i):
                return True
        elif not token[0].isalpha() or low in _CLAUSE_LINKS:
            return True  # punctuation, or another number: another clause
        elif low in _PHONE_WORDS:
            return False
        seen += 1
        i -= 1
    return True


def _asked_to_call(text: str, end: int) -> bool:
    """Whether the clause after a number that ends at ``end`` asks to be called on
    it: a short clause of a phone word (``, call me``, ``- please text me
    back``; not ``ring me at ...``, ``tel ...``), and no other number
    introduced as one to call in the rest of the sentence (``, call me, my
    number is ...``)."""
    if not text[end : end + 12].lstrip(" ,;:-").lower().startswith(_CALL_STARTS):
        return False  # the usual case, found faster
    tail = text[end : end + 80]
    asked = _CALL_AFTER.match(tail.lower())
    if asked is None or (asked.end() == len(tail) and end + 80 < len(text)):
        return False
    after = end + asked.end()
    stop = _SENTENCE_END.search(text, after, after + 80)
    tokens = _WORD.findall(text, after, stop.start() if stop else after + 80)
    for i, token in enumerate(tokens):
        low = token.lower()
        if low in _PHONE_WORDS:
            if any(t[0].isdigit() or t[0] == "\x00" for t in tokens[i + 1 : i + 4]):
                return False  # another number to call: "call me, mobile: ..."
        elif (
            low in _NUMBER_NOUNS
            and low != "no"
            and (i == 0 or tokens[i - 1].lower() not in _REFERENCE_WORDS)
        ):
            return False  # "call me, my number is ..." (not "my card number")
    return True


def _regions(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    try:
        regions = tuple(value)
    except TypeError:
        raise InvalidInput(
            "phone recognizer",
            [FieldError("regions", value, "must be a sequence of region codes")],
        ) from None
    for region in regions:
        if not isinstance(region, str) or region not in phonenumbers.SUPPORTED_REGIONS:
            raise InvalidInput(
                "phone recognizer",
                [
                    FieldError(
                        "regions",
                        region,
                        "unknown region (a two-letter code phonenumbers supports, upper case)",
                    )
                ],
            )
    return regions


@functools.cache
def _national_shape(region: str) -> tuple[str, frozenset[int]]:
    """The trunk prefix of ``region`` and the lengths its national numbers may have."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None:  # pragma: no cover - regions are checked on construction
        return "", frozenset()
    general = metadata.general_desc
    lengths = frozenset((general.possible_length if general is not None else None) or ())
    return metadata.national_prefix or "", lengths


def _possible(candidate: str) -> bool:
    """A number in international form: a known country code and a length that
    country's numbers can have (unassigned and fictional ranges included)."""
    try:
        number = phonenumbers.parse(candidate, None)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_possible_number(number))


def _valid(candidate: str, region: str | None) -> bool:
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(number))


def _mark_long_codes(
    run: str, chunks: list[tuple[int, int]], sizes: list[int], bad: list[bool]
) -> None:
    """Mark the chunks of long codes grouped by four (``9400 1000 0000 0000 0000 00``,
    a card number) as never part of a phone number."""
    count = len(chunks)
    i = 0
    while i < count:
        j = i
        while j < count and sizes[j] == 4 and chunks[j][1] - chunks[j][0] == 4:
            j += 1
        if j < count and j > i and sizes[j] < 4 and sizes[j] == chunks[j][1] - chunks[j][0]:
            j += 1  # the shorter last group
        if sum(sizes[i:j]) > 14:
            for k in range(i, j):
                bad[k] = True
        i = max(j, i + 1)


@attrs.frozen
class PhoneRecognizer:
    """Telephone numbers, confirmed by ``phonenumbers``.

    A candidate is a run of digit groups separated by one or two spaces (no-break
    and thin ones too), dashes, dots or slashes, with optional parentheses
    (``(020)``, ``+44 (0)20``), of 7 to 17 digits, not glued to a word, an
    address or another number (nor after ``ORD-`` and the like); a ``+`` may
    follow a word (``call+44 20 ...``). Full-width and other scripts' digits
    are read as ASCII digits. A run may hold more than one number, or a number
    next to another figure: from its first space-separated chunk on, the
    longest stretch of chunks that is a phone number is taken, then the search
    goes on after it. A date (``05/03/2024``, ``2024-03-05``, ``03.05.2024``), a
    decimal (``7.693``) or a long code grouped by four is never part of a
    number, nor is a lone digit at either end. A candidate is a phone number
    when:

    * written in international form (``+CC`` or ``00CC``): the country code
      exists and the number has a length that country's numbers can have
      (``phonenumbers.is_possible_number``; the ``+`` is evidence enough, so
      unassigned and fictional ranges such as ``+44 7700 900123`` count).
      Groups that follow such a number and are no number of their own belong
      to it (``+52 1 55 1234 5678``, with the old Mexican mobile prefix), so
      no part of it is left unmasked;
    * written nationally: it is a valid number of one of ``regions``, and it
      either starts with that region's trunk prefix (``0`` in most of Europe,
      Australia and India, optional ``1`` in North America) or has exactly
      ten digits (North American numbers, Indian mobiles); and it does not
      come right after a reference word (``order``, ``tracking``,
      ``invoice``, ``ref``, courier names...) or ``#``, with at most ``:``,
      ``no.``, ``number`` or ``is`` between (``DHL tracking no.: ...``),
      unless a phone word says otherwise: ``on`` right before the number, a
      phone word (``call``, ``text``, ``mobile``...) earlier in the clause
      (``call me about my booking 0412 345 678``), or a short clause after it
      (``My account is 07911 123456, call me``).

    >>> finder = PhoneRecognizer(regions=("GB", "US"))
    >>> [s.text for s in finder.find("Call (212) 555-0123 or +33 6 12 34 56 78, order 2125550199")]
    ['(212) 555-0123', '+33 6 12 34 56 78']
    >>> PhoneRecognizer(regions=("XX",))
    Traceback (most recent call last):
    ...
    omnicontext.errors.InvalidInput: invalid phone recognizer: regions='XX': unknown region ...
    """

    regions: tuple[str, ...] = attrs.field(default=DEFAULT_PHONE_REGIONS, converter=_regions)
    name: str = "phone"

    def find(self, text: str) -> Iterator[PersonalDataSpan]:
        """See :meth:`Recognizer.find`."""
        return self._search(text, _normalised(text))

    def _search(self, text: str, norm: str) -> Iterator[PersonalDataSpan]:
        # Searches ``norm``, the normalised ``text``; spans are of ``text``.
        for m in _PHONE_CANDIDATE.finditer(norm):
            run = m.group()
            if len(run) < _MIN_PHONE_DIGITS or sum(map(str.isdigit, run)) < _MIN_PHONE_DIGITS:
                continue
            for a, b in self._in_run(norm, m.start(), run):
                yield PersonalDataSpan(self.name, a, b, text[a:b])

    def _in_run(self, text: str, start: int, run: str) -> Iterator[tuple[int, int]]:
        if " " not in run:  # one chunk: the usual case
            if _NOT_IN_PHONE.fullmatch(run):
                return
            chunks = [(0, len(run))]
            sizes = [sum(map(str.isdigit, run))]
            bad = [False]
        else:
            chunks = [(c.start(), c.end()) for c in _CHUNK.finditer(run)]
            sizes = [sum(map(str.isdigit, run[a:b])) for a, b in chunks]
            bad = [bool(_NOT_IN_PHONE.fullmatch(run, a, b)) for a, b in chunks]
            _mark_long_codes(run, chunks, sizes, bad)
        reference: dict[int, bool] = {}  # by window start, computed when needed
        count = len(chunks)
        first = 0
        while first < count:
            found, stretch = self._number_at(
                text, start, run, chunks, sizes, bad, first, reference
            )
            if found is None:
                first += 1
                continue
            if (
                found < count
                and not bad[found]
                and self._number_at(text, start, run, chunks, sizes, bad, found, reference)[0]
                is None
            ):
                # Not ending inside the next number: when what follows is no
                # number of its own, a shorter stretch is a number too and the
                # next number then starts inside this one and goes on past it
                # ("+49 40 55678052 0033 4 35 52 47 41"), the shorter one is
                # taken, and the next number is masked whole.
                for k in range(found - 1, first, -1):
                    after = self._number_at(text, start, run, chunks, sizes, bad, k, reference)[0]
                    if (
                        after is not None
                        and after > found
                        and self._window_is_phone(
                            text, start, run, chunks, sizes, first, k, reference
                        )
                    ):
                        found = stretch = k
                        break
            if found < stretch and run[chunks[first][0] :].lstrip("(").startswith(("+", "00")):
                # A number in international form followed by more groups that
                # are no number of their own ("+52 1 55 1234 5678", with an old
                # mobile prefix phonenumbers no longer reads): they are part of
                # it, and a mask that left them would show part of it.
                more = found
                while more < stretch and sizes[more] >= 2:
                    more += 1
                if (
                    more > found
                    and self._number_at(text, start, run, chunks, sizes, bad, found, reference)[0]
                    is None
                ):
                    found = more
            yield start + chunks[first][0], start + chunks[found - 1][1]
            first = found

    def _number_at(
        self,
        text: str,
        start: int,
        run: str,
        chunks: list[tuple[int, int]],
        sizes: list[int],
        bad: list[bool],
        first: int,
        reference: dict[int, bool],
    ) -> tuple[int | None, int]:
        """From chunk ``first``, the end of the longest stretch of chunks that is a
        number (or None), and the end of the longest stretch tried."""
        count = len(chunks)
        j, digits = first, 0
        while j < count and not bad[j] and digits + sizes[j] <= _MAX_PHONE_DIGITS:
            digits += sizes[j]
            j += 1
        stretch = j
        while j > first and digits >= _MIN_PHONE_DIGITS:
            if self._window_is_phone(text, start, run, chunks, sizes, first, j, reference):
                return j, stretch
            j -= 1
            digits -= sizes[j]
        return None, stretch

    def _window_is_phone(
        self,
        text: str,
        start: int,
        run: str,
        chunks: list[tuple[int, int]],
        sizes: list[int],
        i: int,
        j: int,
        reference: dict[int, bool],
    ) -> bool:
        if j - i > 1 and (sizes[j - 1] == 1 or (sizes[i] == 1 and run[chunks[i][0]] not in "+1")):
            return False  # a lone digit before or after a number is not part of it
        part = run[chunks[i][0] : chunks[j - 1][1]]
        head = part.lstrip("(")
        if head.startswith(("+", "00")):
            number = "+" + head[2:] if head.startswith("00") else head
            return _possible(_TRUNK_ZERO.sub("", number, count=1))
        at = start + chunks[i][0]
        if at not in reference:
            reference[at] = _reference_before(text, at)
        if reference[at] and not _asked_to_call(text, start + chunks[j - 1][1]):
            return False
        return self._national(part)

    def _national(self, candidate: str) -> bool:
        digits = "".join(ch for ch in candidate if ch.isdigit())
        for region in self.regions:
            prefix, lengths = _national_shape(region)
            if prefix and digits.startswith(prefix):
                plausible = len(digits) - len(prefix) in lengths
            else:
                plausible = len(digits) == 10 and 10 in lengths
            if plausible and _valid(candidate, region):
                return True
        return False


# -- user patterns -----------------------------------------------------------------------

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def _check_name(subject: str, name: Any) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidInput(
            subject,
            [
                FieldError(
                    "name",
                    name,
                    "must be a word of letters, digits, '_' or '-' starting with a letter",
                )
            ],
        )
    return name


@attrs.frozen(init=False)
class PatternRecognizer:
    """A user's own kind of personal data: a regular expression, and optionally a
    ``validator`` that receives each match's text and returns whether it counts.

    ``name`` becomes the ``kind`` of the spans (and so the mask: ``[employee_id]``).
    A pattern that does not compile, or that matches the empty text, is rejected.

    >>> staff = PatternRecognizer("employee_id", r"\\bEMP-\\d{6}\\b")
    >>> [s.text for s in staff.find("ask EMP-004211 or EMP-12")]
    ['EMP-004211']
    >>> PatternRecognizer("employee_id", "EMP-(")
    Traceback (most recent call last):
    ...
    omnicontext.errors.InvalidInput: invalid pattern recognizer: pattern='EMP-(': does not ...
    """

    name: str
    pattern: re.Pattern[str]
    validator: Callable[[str], bool] | None = None

    def __init__(
        self,
        name: str,
        pattern: str | re.Pattern[str],
        validator: Callable[[str], bool] | None = None,
    ) -> None:
        subject = "pattern recognizer"
        _check_name(subject, name)
        if isinstance(pattern, str):
            try:
                compiled = re.compile(pattern)
            except re.error as exc:
                raise InvalidInput(
                    subject, [FieldError("pattern", pattern, f"does not compile: {exc}")]
                ) from None
        elif isinstance(pattern, re.Pattern) and isinstance(pattern.pattern, str):
            compiled = pattern
        else:
            raise InvalidInput(
                subject,
                [FieldError("pattern", pattern, "must be a string or a compiled str pattern")],
            )
        if compiled.fullmatch("") is not None:
            raise InvalidInput(
                subject, [FieldError("pattern", compiled.pattern, "matches the empty text")]
            )
        if validator is not None and not callable(validator):
            raise InvalidInput(subject, [FieldError("validator", validator, "must be callable")])
        self.__attrs_init__(name, compiled, validator)

    def find(self, text: str) -> Iterator[PersonalDataSpan]:
        """See :meth:`Recognizer.find`."""
        check = self.validator
        for m in self.pattern.finditer(text):
            start, end = m.span()
            if start == end:
                continue
            found = m.group()
            if check is None or check(found):
                yield PersonalDataSpan(self.name, start, end, found)


# -- the redactor ------------------------------------------------------------------------

_FIELDS = frozenset({"kind", "last4"})
_Builtin = EmailRecognizer | IbanRecognizer | CardRecognizer | PhoneRecognizer
_BUILTIN = frozenset({EmailRecognizer, IbanRecognizer, CardRecognizer, PhoneRecognizer})
_Search = Callable[[str, str], Iterable[PersonalDataSpan]]


def _plain_search(recognizer: Recognizer) -> _Search:
    find = recognizer.find
    return lambda text, _norm: find(text)


_RESEARCH_MIN_BUDGET = 4096
_BLANK = "\x00"


def _keep(
    found: list[tuple[int, int, int, PersonalDataSpan]], kept: list[PersonalDataSpan]
) -> tuple[list[PersonalDataSpan], list[PersonalDataSpan]]:
    """Add to ``kept`` (sorted, never overlapping) the ``found`` spans that fit,
    the longest first, then by priority, then the leftmost. Return those added,
    and those that did not fit and reach outside the kept spans they overlap."""
    found.sort(key=lambda item: item[:3])
    starts = [span.start for span in kept]
    added: list[PersonalDataSpan] = []
    lost: list[PersonalDataSpan] = []
    for *_, span in found:
        i = bisect.bisect_right(starts, span.start)
        before = i > 0 and kept[i - 1].end > span.start
        after = i < len(kept) and kept[i].start < span.end
        if before or after:
            if not (
                (before and kept[i - 1].end >= span.end)
                or (after and kept[i].start <= span.start and kept[i].end >= span.end)
            ):
                lost.append(span)
            continue
        starts.insert(i, span.start)
        kept.insert(i, span)
        added.append(span)
    return added, lost


# A letter or digit right after a span, or digits (or a "+" or "(" starting a
# number) past a few separators; the same before it.
_DIGITS_AFTER = re.compile(r"\w|[\s\-./_:,]{0,3}(?:\d|\+\d|\(\+?\d)")
_DIGITS_BEFORE = re.compile(r"(?:\w|\d[\s\-./_:,)]{0,3})\Z")


def _lines_to_search(
    text: str, added: list[PersonalDataSpan], lost: list[PersonalDataSpan]
) -> list[tuple[int, int]]:
    """The stretches of whole lines to search again, merged and in order: around
    the ``lost`` spans, and around the ``added`` spans with digits right next to
    them."""
    around = [
        span
        for span in added
        if _DIGITS_AFTER.match(text, span.end)
        or _DIGITS_BEFORE.search(text, max(0, span.start - 4), span.start)
    ]
    around = sorted(around + lost, key=lambda span: span.start)
    lines: list[tuple[int, int]] = []
    for span in around:
        start = text.rfind("\n", 0, span.start) + 1
        end = text.find("\n", span.end)
        end = len(text) if end == -1 else end
        if lines and start <= lines[-1][1]:
            lines[-1] = (lines[-1][0], max(end, lines[-1][1]))
        else:
            lines.append((start, end))
    return lines


def _blanked(text: str, start: int, end: int, spans: list[PersonalDataSpan]) -> str:
    """``text[start:end]`` with the ``spans`` in it blanked out."""
    parts: list[str] = []
    pos = start
    for span in spans:
        if span.end <= pos or span.start >= end:
            continue
        parts.append(text[pos : span.start])
        parts.append(_BLANK * (min(end, span.end) - max(pos, span.start)))
        pos = min(end, span.end)
    parts.append(text[pos:end])
    return "".join(parts)


def _check_mask(field: str, mask: Any, *, need_kind: bool) -> str:
    if not isinstance(mask, str):
        raise InvalidInput("redactor", [FieldError(field, mask, "must be a string")])
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(mask) if name is not None}
    except ValueError as exc:
        raise InvalidInput(
            "redactor", [FieldError(field, mask, f"is not a format: {exc}")]
        ) from None
    unknown = names - _FIELDS
    if unknown:
        raise InvalidInput(
            "redactor",
            [
                FieldError(
                    field,
                    mask,
                    f"unknown placeholder {{{sorted(unknown)[0]}}} (use {{kind}} and {{last4}})",
                )
            ],
        )
    if need_kind and "kind" not in names:
        raise InvalidInput(
            "redactor",
            [FieldError(field, mask, "must contain {kind}, so readers see what was hidden")],
        )
    try:
        mask.format(kind="x", last4="1234")
    except (ValueError, IndexError, KeyError) as exc:
        raise InvalidInput(
            "redactor", [FieldError(field, mask, f"is not a format: {exc}")]
        ) from None
    return mask


def _freeze_masks(value: Any) -> Mapping[str, str]:
    if not isinstance(value, Mapping):
        raise InvalidInput(
            "redactor", [FieldError("masks", value, "must be a mapping kind -> mask")]
        )
    frozen: dict[str, str] = {}
    for kind, mask in value.items():
        if not isinstance(kind, str) or not kind:
            raise InvalidInput("redactor", [FieldError("masks", kind, "keys must be kind names")])
        frozen[kind] = _check_mask(f"masks[{kind!r}]", mask, need_kind=False)
    return types.MappingProxyType(frozen)


def _check_recognizers(value: Any) -> tuple[Recognizer, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidInput(
            "redactor", [FieldError("recognizers", value, "must be a sequence of recognizers")]
        )
    items = tuple(value)
    for i, item in enumerate(items):
        if not isinstance(item, Recognizer):
            raise InvalidInput(
                "redactor",
                [FieldError(f"recognizers[{i}]", item, "has no name and find(text) method")],
            )
    return items


def _last4(text: str) -> str:
    kept = [ch for ch in text if ch.isalnum()]
    return "".join(kept[-4:])


@attrs.frozen
class Redaction:
    """The result of :meth:`Redactor.redact`: the masked ``text`` and the
    ``spans`` that were masked, with positions in the *original* text.

    >>> r = default_redactor().redact("card 4111 1111 1111 1111")
    >>> r.text, r.spans[0].start, r.counts()
    ('card [card]', 5, {'card': 1})
    """

    text: str
    spans: tuple[PersonalDataSpan, ...]

    def counts(self) -> dict[str, int]:
        """How many spans of each kind were masked, by kind name (sorted)."""
        counts: dict[str, int] = {}
        for span in self.spans:
            counts[span.kind] = counts.get(span.kind, 0) + 1
        return dict(sorted(counts.items()))

    @property
    def redacted(self) -> bool:
        """Whether anything was masked."""
        return bool(self.spans)


@attrs.frozen
class Redactor:
    """Finds personal data with its ``recognizers`` and masks it.

    ``mask`` is a format with ``{kind}`` (and optionally ``{last4}``, the last
    four letters or digits of what it replaces); ``masks`` overrides it per
    kind, for instance ``{"card": "[card ending {last4}]"}``.

    When spans found by different recognisers overlap, the longest wins; on
    equal length, the recogniser listed first; then the leftmost. Text may read
    otherwise once those spans are masked (a card written right after an
    IBAN's digits looks like part of one long code; a span that lost may have
    taken the start of another number): the lines around spans that lost and
    around spans with letters or digits right next to them are searched again
    with the kept spans blanked out, until nothing new is found, so that a
    second redaction of the result finds nothing more.

    >>> r = Redactor(
    ...     (CardRecognizer(), EmailRecognizer()), masks={"card": "[card ending {last4}]"}
    ... )
    >>> r.redact("4111 1111 1111 1111 / ann@example.org").text
    '[card ending 1111] / [email]'
    >>> Redactor((EmailRecognizer(),), mask="***")
    Traceback (most recent call last):
    ...
    omnicontext.errors.InvalidInput: invalid redactor: mask='***': must contain {kind}, ...
    """

    recognizers: tuple[Recognizer, ...] = attrs.field(converter=_check_recognizers)
    mask: str = attrs.field(
        default="[{kind}]", validator=lambda _i, _a, v: _check_mask("mask", v, need_kind=True)
    )
    masks: Mapping[str, str] = attrs.field(factory=dict, converter=_freeze_masks, hash=False)
    _searches: tuple[_Search, ...] = attrs.field(
        init=False, repr=False, eq=False, hash=False, alias="_searches"
    )

    def __attrs_post_init__(self) -> None:
        # How to search with each recogniser: the built-in ones search the text
        # normalised once for all of them.
        searches = tuple(
            cast(_Builtin, r)._search if type(r) in _BUILTIN else _plain_search(r)
            for r in self.recognizers
        )
        object.__setattr__(self, "_searches", searches)

    @classmethod
    def builtin(
        cls,
        *,
        regions: Sequence[str] = DEFAULT_PHONE_REGIONS,
        mask: str = "[{kind}]",
        masks: Mapping[str, str] | None = None,
    ) -> Redactor:
        """A redactor with the built-in recognisers (e-mail, IBAN, card, phone,
        in that order of priority), reading national phone numbers of ``regions``.

        >>> Redactor.builtin(regions=("DE",)).redact("Tel. 030 1234567").text
        'Tel. [phone]'
        """
        return cls(
            (
                EmailRecognizer(),
                IbanRecognizer(),
                CardRecognizer(),
                PhoneRecognizer(tuple(regions)),
            ),
            mask=mask,
            masks=masks or {},
        )

    def find(self, text: str) -> tuple[PersonalDataSpan, ...]:
        """Every span to mask in ``text``: sorted by position, never overlapping.

        >>> [s.kind for s in default_redactor().find("x@example.com, +1 212 555 0123")]
        ['email', 'phone']
        """
        if not isinstance(text, str):
            raise InvalidInput("redaction", [FieldError("text", text, "must be a string")])
        found = self._collect(text)
        if not found:
            return ()
        kept: list[PersonalDataSpan] = []
        added, lost = _keep(found, kept)
        budget = 2 * len(text) + _RESEARCH_MIN_BUDGET  # characters searched again, at most
        while True:
            # What a recogniser saw may read otherwise once the kept spans are
            # masked: a span that lost to a longer one may have taken the
            # start of another piece of data, and a card after an IBAN's
            # digits looks like part of one long code. The lines around such
            # spans are searched again with the kept spans blanked out, as a
            # second redaction would.
            lines = _lines_to_search(text, added, lost)
            budget -= sum(end - start for start, end in lines)
            if not lines or budget < 0:
                break
            more: list[tuple[int, int, int, PersonalDataSpan]] = []
            ends = [span.end for span in kept]
            for start, end in lines:
                # The kept spans in these lines, blanked out.
                first = bisect.bisect_right(ends, start)
                inside = []
                for span in itertools.islice(kept, first, None):
                    if span.start >= end:
                        break
                    inside.append(span)
                part = _blanked(text, start, end, inside)
                for size, priority, at, span in self._collect(part):
                    moved = PersonalDataSpan(span.kind, start + at, start + span.end, span.text)
                    if not any(o.start < moved.end and moved.start < o.end for o in inside):
                        more.append((size, priority, moved.start, moved))
            added, lost = _keep(more, kept)
            if not added:
                break
        return tuple(kept)

    def _collect(self, text: str) -> list[tuple[int, int, int, PersonalDataSpan]]:
        found: list[tuple[int, int, int, PersonalDataSpan]] = []
        norm = _normalised(text)  # once for the built-in recognisers
        for priority, search in enumerate(self._searches):
            for span in search(text, norm):
                if (
                    not isinstance(span, PersonalDataSpan)
                    or text[span.start : span.end] != span.text
                ):
                    raise InvalidInput(
                        "redaction",
                        [
                            FieldError(
                                f"recognizers[{priority}]",
                                span,
                                "returned a span that is not a PersonalDataSpan of the text",
                            )
                        ],
                    )
                found.append((span.start - span.end, priority, span.start, span))
        return found

    def redact(self, text: str) -> Redaction:
        """``text`` with every span :meth:`find` returns replaced by its mask.

        >>> default_redactor().redact("iban GB82WEST12345698765432!").text
        'iban [iban]!'
        """
        spans = self.find(text)
        if not spans:
            return Redaction(text, ())
        parts: list[str] = []
        pos = 0
        for span in spans:
            parts.append(text[pos : span.start])
            parts.append(self._mask(span))
            pos = span.end
        parts.append(text[pos:])
        return Redaction("".join(parts), spans)

    def _mask(self, span: PersonalDataSpan) -> str:
        mask = self.masks.get(span.kind, self.mask)
        if "{last4" in mask:
            return mask.format(kind=span.kind, last4=_last4(span.text))
        return mask.format(kind=span.kind)

    def with_pattern(
        self,
        name: str,
        pattern: str | re.Pattern[str],
        validator: Callable[[str], bool] | None = None,
    ) -> Redactor:
        """A copy that also masks ``pattern`` (see :class:`PatternRecognizer`),
        after the recognisers already there.

        >>> r = default_redactor().with_pattern("order_ref", r"\\bREF-[A-Z]{3}\\d{4}\\b")
        >>> r.redact("REF-ABC1234 for bob@example.com").text
        '[order_ref] for [email]'
        """
        return attrs.evolve(
            self, recognizers=(*self.recognizers, PatternRecognizer(name, pattern, validator))
        )


@functools.cache
def default_redactor() -> Redactor:
    """The shared redactor with the built-in recognisers and :data:`DEFAULT_PHONE_REGIONS`
    (built once; redactors are immutable, so sharing it is safe).

    >>> default_redactor() is default_redactor()
    True
    """
    return Redactor.builtin()
