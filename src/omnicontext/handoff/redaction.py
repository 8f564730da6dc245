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
"""

from __future__ import annotations

import bisect
import functools
import re
import string
import types
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

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
    """Whether ``iban`` (spaces allowed, any case) is an IBAN: a known country,
    that country's length, and ISO 13616 mod-97 check digits.

    >>> iban_is_valid("GB82 WEST 1234 5698 7654 32"), iban_is_valid("GB82 WEST 1234 5698 7654 33")
    (True, False)
    """
    compact = iban.replace(" ", "").upper()
    if not compact.isascii() or not compact.isalnum() or len(compact) < 5:
        return False
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact[2:4].isdigit():
        return False
    if not "02" <= compact[2:4] <= "98":
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


# -- e-mail ------------------------------------------------------------------------------

_LOCAL_MAX = 64
_LOCAL_TAIL = re.compile(r"[\w!#$%&'*+/=?^`{|}~.-]{1,64}\Z")
_DOMAIN = re.compile(
    r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+(?:[^\W\d_]{2,63}|xn--[a-zA-Z0-9-]{1,59})(?![\w-])"
)


@attrs.frozen
class EmailRecognizer:
    """E-mail addresses: a local part of letters, digits and ``!#$%&'*+/=?^`{|}~.-``
    (dots not first or last, at most 64 characters), ``@``, and a domain of one
    or more dotted labels ending in an alphabetic top-level domain.

    Tags (``jane+orders@``), sub-domains, upper case and non-ASCII letters are
    accepted; surrounding angle brackets, quotes and trailing punctuation are
    not part of the match.

    >>> [s.text for s in EmailRecognizer().find("<Jane.Doe+x@Mail.Example.co.uk>, bye.")]
    ['Jane.Doe+x@Mail.Example.co.uk']
    """

    name: str = "email"

    def find(self, text: str) -> Iterator[PersonalDataSpan]:
        """See :meth:`Recognizer.find`."""
        at = text.find("@")
        while at != -1:
            nxt = text.find("@", at + 1)
            local = _LOCAL_TAIL.search(text, max(0, at - _LOCAL_MAX), at)
            if local is not None:
                start = local.start()
                while start < at and text[start] == ".":
                    start += 1
                domain = _DOMAIN.match(text, at + 1)
                if domain is not None and start < at and text[at - 1] != ".":
                    end = domain.end()
                    if nxt == -1 or nxt > end:
                        yield PersonalDataSpan(self.name, start, end, text[start:end])
                        nxt = text.find("@", end)
            at = nxt


# -- cards -----------------------------------------------------------------------------

_DIGIT_RUN = re.compile(r"(?=\d)(?<!\w)(?<!\d[./,])\d+(?:[ -]\d+)*+(?!\w)")
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


def _card_issuer_known(digits: str) -> bool:
    n = len(digits)
    for low, high, lengths in _CARD_RANGES:
        if n in lengths and low <= digits[: len(low)] <= high:
            return True
    return False


def _is_card(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and _card_issuer_known(digits) and luhn_is_valid(digits)


@attrs.frozen
class CardRecognizer:
    """Payment card numbers: 13 to 19 digits, written together or in groups
    separated by single spaces or dashes (the same separator throughout, first
    group of four digits), with the issuer prefix and length of a known scheme
    (Visa, Mastercard including the 2-series, American Express, Discover,
    UnionPay, JCB, Diners Club, Mir, Maestro) and a valid Luhn check digit.

    Within a longer run of digit groups, a card-shaped part is taken only when
    it is not continued by another four-digit group, so long tracking numbers
    are left alone.

    >>> text = "card 4111-1111-1111-1111, not 4111 1111 1111 1112"
    >>> [s.text for s in CardRecognizer().find(text)]
    ['4111-1111-1111-1111']
    """

    name: str = "card"

    def find(self, text: str) -> Iterator[PersonalDataSpan]:
        """See :meth:`Recognizer.find`."""
        for run in _DIGIT_RUN.finditer(text):
            if run.end() - run.start() < 13:
                continue
            groups = [(g.start(), g.end()) for g in _GROUP.finditer(text, run.start(), run.end())]
            yield from self._in_run(text, groups)

    def _in_run(self, text: str, groups: list[tuple[int, int]]) -> Iterator[PersonalDataSpan]:
        count = len(groups)
        i = 0
        while i < count:
            found = False
            for j in range(count - 1, i - 1, -1):  # the longest window first
                start, end = groups[i][0], groups[j][1]
                window = text[start:end]
                digits = window.replace(" ", "").replace("-", "")
                if not 13 <= len(digits) <= 19 or not self._shaped(text, groups, i, j):
                    continue
                if _is_card(digits):
                    yield PersonalDataSpan(self.name, start, end, window)
                    i = j + 1
                    found = True
                    break
            if not found:
                i += 1

    @staticmethod
    def _shaped(text: str, groups: list[tuple[int, int]], i: int, j: int) -> bool:
        if i == j:
            return True  # one compact group, delimited on both sides
        seps = {text[groups[k][1]] for k in range(i, j)}
        if len(seps) != 1 or groups[i][1] - groups[i][0] not in (4, 6):
            return False
        sep = seps.pop()
        if any(groups[k][1] - groups[k][0] != 4 for k in range(i, j)):
            return True  # not grouped by four (4-6-5): not part of a longer code
        # Not continued by a four-digit group with the same separator (which is
        # not itself the start or end of something written otherwise).
        last = len(groups) - 1
        if (
            i > 0
            and text[groups[i - 1][1]] == sep
            and groups[i - 1][1] - groups[i - 1][0] == 4
            and (i == 1 or text[groups[i - 2][1]] == sep)
        ):
            return False
        return not (
            j < last
            and text[groups[j][1]] == sep
            and groups[j + 1][1] - groups[j + 1][0] == 4
            and (j + 1 == last or text[groups[j + 1][1]] == sep)
        )


# -- IBAN --------------------------------------------------------------------------------

# The check digits, after a two-letter country code that starts a word (searching
# for digits first is faster: text has fewer digits than letters).
_IBAN_CHECK = re.compile(r"(?=\d\d)(?<=[A-Za-z]{2})(?<![^\W_][A-Za-z]{2})\d\d")


@attrs.frozen
class IbanRecognizer:
    """IBANs: a country code from :data:`IBAN_LENGTHS`, two check digits and the
    account part, in upper or lower case, compact or with single spaces (usually
    every four characters), exactly as long as that country's IBANs, and with
    correct ISO 13616 mod-97 check digits.

    >>> [s.text for s in IbanRecognizer().find("IBAN: de89 3704 0044 0532 0130 00. Thanks")]
    ['de89 3704 0044 0532 0130 00']
    """

    name: str = "iban"

    def find(self, text: str) -> Iterator[PersonalDataSpan]:
        """See :meth:`Recognizer.find`."""
        pos = 0
        n = len(text)
        while True:
            m = _IBAN_CHECK.search(text, pos)
            if m is None:
                return
            begin = m.start() - 2
            pos = m.end()
            country = text[begin : m.start()].upper()
            length = IBAN_LENGTHS.get(country)
            if length is None:
                continue
            need = length - 4
            k = m.end()
            chars = [country, m.group()]
            while need and k < n:
                ch = text[k]
                if ch.isascii() and ch.isalnum():
                    chars.append(ch)
                    need -= 1
                    k += 1
                elif ch == " " and k + 1 < n and text[k + 1].isascii() and text[k + 1].isalnum():
                    k += 1
                else:
                    break
            if need or (k < n and (text[k].isalnum() or text[k] == "_")):
                continue
            if iban_is_valid("".join(chars)):
                yield PersonalDataSpan(self.name, begin, k, text[begin:k])
                pos = k


# -- phones ------------------------------------------------------------------------------

_PHONE_GROUP = r"(?:\(\+?\d{1,5}\)|\d+)"
_PHONE_SEP = r"(?:[-./]|[ ]|(?<=\))|(?=\())"
_PHONE_GROUP_RE = re.compile(_PHONE_GROUP)
_PHONE_CANDIDATE = re.compile(
    rf"(?=[+(\d])(?<![\w@+])(?<!\d[-./,])(?<![^\W\d_]-)(?:\+[ ]?)?{_PHONE_GROUP}"
    rf"(?:{_PHONE_SEP}{_PHONE_GROUP})*+(?![\w@])"
)
_CHUNK = re.compile(r"\S+")
# A date (05/03/2024, 2024-03-05, 03.05.24) or a decimal (7.693, 49.99) is never
# part of a phone number.
_NOT_IN_PHONE = re.compile(
    r"\(?(?:\d{1,2}([./-])\d{1,2}\1(?:\d{4}|\d{2})|\d{4}([./-])\d{1,2}\2\d{1,2}"
    r"|\d{1,4}\.\d{1,3})\)?"
)
_TRUNK_ZERO = re.compile(r"\(0\)")
_WORD = re.compile(r"[^\W\d_]+|\d+|[#.!?;,:\n]")
_CLAUSE_ENDS = frozenset("!?;,\n")


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
_MIN_PHONE_DIGITS = 7
_MAX_PHONE_DIGITS = 17  # 15 for E.164, plus a written trunk prefix or 00


def _reference_before(text: str, start: int) -> bool:
    """Whether the words just before ``start`` say the number is a reference.

    Up to three words back, stopping at the end of a clause (``,;!?``, a new
    line, a full stop after a word or a number) or at another number: a
    reference word (``order``, ``tracking``...) or ``#`` says yes, a phone word
    (``call``, ``mobile``...) says no.
    """
    tokens = _WORD.findall(text, max(0, start - 48), start)
    seen = 0
    i = len(tokens) - 1
    while i >= 0 and seen < 3:
        token = tokens[i]
        i -= 1
        if token == "#":
            return True
        if token in _CLAUSE_ENDS:
            return False
        if token == ":":
            continue
        if token.isdigit():
            return False  # the words before describe that other number
        if token == ".":
            before = tokens[i] if i >= 0 else ""
            if before.isdigit() or len(before) >= 4:
                return False
            continue
        seen += 1
        low = token.lower()
        if low in _PHONE_WORDS:
            return False
        if low in _REFERENCE_WORDS:
            return True
    return False


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

    A candidate is a run of digit groups separated by single spaces, dashes,
    dots or slashes, with optional parentheses (``(020)``, ``+44 (0)20``), of 7
    to 17 digits, not glued to a word, an address or another number (nor
    after ``ORD-`` and the like). A run may hold
    more than one number, or a number next to another figure: from its first
    space-separated chunk on, the longest stretch of chunks that is a phone
    number is taken, then the search goes on after it. A date (``05/03/2024``,
    ``2024-03-05``, ``03.05.2024``), a decimal (``7.693``) or a long code grouped
    by four is never part of a number, nor is a lone digit at either end.
    A candidate is a phone number when:

    * written in international form (``+CC`` or ``00CC``): the country code
      exists and the number has a length that country's numbers can have
      (``phonenumbers.is_possible_number``; the ``+`` is evidence enough, so
      unassigned and fictional ranges such as ``+44 7700 900123`` count);
    * written nationally: it is a valid number of one of ``regions``, and it
      either starts with that region's trunk prefix (``0`` in most of Europe,
      Australia and India, optional ``1`` in North America) or has exactly
      ten digits (North American numbers, Indian mobiles); and the words
      just before it do not call it a reference
      (``order``, ``tracking``, ``invoice``, ``ref``, ``#``, courier names...).

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
        for m in _PHONE_CANDIDATE.finditer(text):
            run = m.group()
            if len(run) < _MIN_PHONE_DIGITS or sum(map(str.isdigit, run)) < _MIN_PHONE_DIGITS:
                continue
            yield from self._in_run(text, m.start(), run)

    def _in_run(self, text: str, start: int, run: str) -> Iterator[PersonalDataSpan]:
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
            found = None
            # From this chunk, the longest stretch of chunks that is a number.
            j, digits = first, 0
            while j < count and not bad[j] and digits + sizes[j] <= _MAX_PHONE_DIGITS:
                digits += sizes[j]
                j += 1
            while j > first and digits >= _MIN_PHONE_DIGITS:
                if self._window_is_phone(text, start, run, chunks, sizes, first, j, reference):
                    found = j
                    break
                j -= 1
                digits -= sizes[j]
            if found is None:
                first += 1
                continue
            yield PersonalDataSpan(
                self.name,
                start + chunks[first][0],
                start + chunks[found - 1][1],
                run[chunks[first][0] : chunks[found - 1][1]],
            )
            first = found

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
        return not reference[at] and self._national(part)

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
    equal length, the recogniser listed first; then the leftmost.

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
        found: list[tuple[int, int, int, PersonalDataSpan]] = []
        for priority, recognizer in enumerate(self.recognizers):
            for span in recognizer.find(text):
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
        if not found:
            return ()
        if len(found) == 1:
            return (found[0][3],)
        found.sort(key=lambda item: item[:3])
        starts: list[int] = []
        kept: list[PersonalDataSpan] = []
        for *_, span in found:
            i = bisect.bisect_right(starts, span.start)
            if i and kept[i - 1].end > span.start:
                continue
            if i < len(kept) and kept[i].start < span.end:
                continue
            starts.insert(i, span.start)
            kept.insert(i, span)
        return tuple(kept)

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
