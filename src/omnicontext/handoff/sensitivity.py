"""Sensitive content in a customer's words, and agents asking to go private.

A :class:`SensitivityDetector` finds what should not be discussed on a public
channel, by topic (:class:`SensitiveTopic`):

* ``account``: account numbers, sort codes, routing numbers, passwords, PINs,
  one-time codes, a hacked account;
* ``health``: diagnoses, medication, hospital, disability, illness;
* ``payment``: card details, CVV, bank transfers, billing disputes;
* ``personal_data``: the customer's own contact data (email addresses and
  phone numbers found by the redactor), postal addresses, dates of birth,
  identity documents.

Words come from a lexicon (:data:`DEFAULT_LEXICON`, English) matched as whole
words or phrases, case-insensitively: ``pin`` is not found in "shipping",
``ill`` not in "bill", ``card`` not in "discard". Single words that are too
often innocent are only listed inside phrases: "account" alone ("on account
of") is not sensitive, "account number" is; "PIN" counts in "my PIN" or "PIN
code", not in "the pin on the charger". Data itself (an email address, a phone
or card number, an IBAN) is found by the
:class:`~omnicontext.handoff.redaction.Redactor`, and UK postcodes and street
addresses by two built-in patterns; a hit on data never carries the data
itself, only a masked form of it.

>>> detector = SensitivityDetector()
>>> [(h.topic.value, h.evidence) for h in detector.detect(
...     "I was charged twice, card 4111 1111 1111 1111, and I'm in hospital")]
[('payment', 'charged twice'), ('payment', '**** 1111'), ('health', 'hospital')]
>>> detector.detect("On account of the delay I'll discard the bill")
()

:func:`asks_to_go_private` tells whether an agent's message asks the customer to
move to a private channel ("DM us", "send us a direct message"), the way brands
move a public conversation on social media to a private one.

>>> asks_to_go_private("@ada We'd like to help. Please DM us your order number.")
True
"""

from __future__ import annotations

import enum
import functools
import re
import types
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from omnicontext.errors import FieldError, InvalidInput
from omnicontext.handoff.redaction import PersonalDataSpan, Redactor, default_redactor

__all__ = [
    "ASK_PRIVATE",
    "DEFAULT_LEXICON",
    "SensitiveHit",
    "SensitiveTopic",
    "SensitivityDetector",
    "asks_to_go_private",
    "default_detector",
]


class SensitiveTopic(enum.StrEnum):
    """What a piece of sensitive content is about. Members are plain strings."""

    ACCOUNT = "account"
    """Account numbers, sort codes, routing numbers, passwords, PINs, one-time codes."""
    HEALTH = "health"
    """Diagnoses, medication, hospital, disability, illness."""
    PAYMENT = "payment"
    """Card details, CVV, bank transfer details, billing disputes."""
    PERSONAL_DATA = "personal_data"
    """The customer's own contact data: emails, phones, addresses, dates of birth."""


DEFAULT_LEXICON: Mapping[SensitiveTopic, tuple[str, ...]] = types.MappingProxyType(
    {
        SensitiveTopic.ACCOUNT: (
            "account number*",
            "account no",
            "acct number*",
            "acct no",
            "a/c number",
            "a/c no",
            "sort code*",
            "routing number*",
            "aba number",
            "iban",
            "swift code",
            "bic code",
            "password*",
            "passcode*",
            "pin number",
            "pin code",
            "my pin",
            "your pin",
            "new pin",
            "card pin",
            "sim pin",
            "reset my pin",
            "one-time code*",
            "one-time password*",
            "one-time passcode*",
            "otp",
            "verification code*",
            "security code*",
            "authentication code*",
            "2fa code*",
            "login details",
            "login credentials",
            "username and password",
            "security question*",
            "memorable word",
            "memorable information",
            "mother's maiden name",
            "hacked",
            "account compromised",
            "account was compromised",
            "account has been compromised",
        ),
        SensitiveTopic.HEALTH: (
            "diagnos*",
            "medication*",
            "medicine*",
            "prescription*",
            "hospital",
            "hospitals",
            "hospitalised",
            "hospitalized",
            "hospitalisation",
            "hospitalization",
            "a&e",
            "emergency room",
            "surgery",
            "cancer",
            "chemo*",
            "radiotherapy",
            "pregnan*",
            "miscarriage",
            "disabilit*",
            "disabled person",
            "disabled people",
            "blue badge",
            "wheelchair*",
            "mobility scooter",
            "hearing aid*",
            "hard of hearing",
            "i am deaf",
            "i'm deaf",
            "visually impaired",
            "partially sighted",
            "registered blind",
            "mental health",
            "depression",
            "anxiety",
            "panic attack*",
            "ptsd",
            "autism",
            "autistic",
            "dementia",
            "alzheimer*",
            "diabet*",
            "insulin",
            "epilep*",
            "seizure*",
            "asthma",
            "allergic reaction",
            "allergy",
            "allergies",
            "pacemaker",
            "dialysis",
            "illness*",
            "terminally ill",
            "seriously ill",
            "chronically ill",
            "fell ill",
            "been ill",
            "am ill",
            "i'm ill",
            "sick leave",
            "off sick",
            "sick note",
            "medical",
            "doctor",
            "doctors",
            "doctor's",
            "therapy",
            "therapist",
            "injur*",
        ),
        SensitiveTopic.PAYMENT: (
            "card number*",
            "card details",
            "card info",
            "card information",
            "credit card*",
            "debit card*",
            "bank card*",
            "my card",
            "card declined",
            "card was declined",
            "card got declined",
            "declined card",
            "card security code",
            "cvv",
            "cvv2",
            "cvc",
            "cvc2",
            "expiry date",
            "expiration date",
            "bank transfer*",
            "wire transfer*",
            "bank details",
            "banking details",
            "payment details",
            "billing details",
            "billing dispute*",
            "billing error*",
            "disputed charge*",
            "dispute a charge",
            "dispute the charge",
            "dispute this charge",
            "charged twice",
            "charged me twice",
            "double charged",
            "overcharged",
            "unauthorised charge*",
            "unauthorized charge*",
            "unauthorised transaction*",
            "unauthorized transaction*",
            "unauthorised payment*",
            "unauthorized payment*",
            "fraudulent charge*",
            "fraudulent transaction*",
            "chargeback*",
            "direct debit*",
            "standing order*",
        ),
        SensitiveTopic.PERSONAL_DATA: (
            "date of birth",
            "dob",
            "d.o.b",
            "birth date",
            "home address",
            "my address",
            "postal address",
            "full address",
            "billing address",
            "postcode",
            "post code",
            "zip code",
            "zipcode",
            "passport number",
            "passport details",
            "driving licence",
            "driving license",
            "driver's license",
            "driver's licence",
            "social security number",
            "ssn",
            "national insurance number",
            "ni number",
            "tax id",
            "id number",
        ),
    }
)
"""The built-in English lexicon, by topic.

A term is a word or a phrase, matched whole and case-insensitively. In a term,
a space matches any run of spaces or hyphens ("one time code" and
"one-time code" alike), a hyphen matches a hyphen, a space or nothing, an
apostrophe is optional ("drivers license" matches "driver's license"), and a
trailing ``*`` matches any word ending (``diagnos*``: diagnosis, diagnosed).
"""

ASK_PRIVATE: tuple[str, ...] = (
    "dm",
    "dms",
    "dm'd",
    "dm'ing",
    "dming",
    "direct message*",
    "direct messaging",
    "private message*",
    "privately",
    "pm us",
    "pm me",
    "send us a pm",
    "send me a pm",
    "via pm",
    "inbox us",
    "inbox me",
)
"""Phrases by which an agent asks the customer to move to a private channel.

"DM" as a word covers the usual forms: "DM us", "send us a DM", "please follow
and DM", "let us know in DM", "DM your name and zip code". "PM" only counts in
a phrase ("PM us"), since alone it is usually a time ("5 pm"). Same matching
rules as :data:`DEFAULT_LEXICON`; web links and @handles are ignored.
"""

# What the redactor's span kinds are about, and how a hit on each is described.
_SPAN_TOPICS: Mapping[str, SensitiveTopic] = {
    "email": SensitiveTopic.PERSONAL_DATA,
    "phone": SensitiveTopic.PERSONAL_DATA,
    "card": SensitiveTopic.PAYMENT,
    "iban": SensitiveTopic.ACCOUNT,
}

# Links and handles are not the writer's words: a link may hold "dm" or "cvv"
# by chance. They are blanked out (same length, so offsets are kept).
_NOT_WORDS = re.compile(r"https?://\S+|www\.\S+|@\w+")

# A UK postcode ("SW1A 2AA"), in capitals as written on an address. The letters
# C, I, K, M, O and V never end one, and "1TB" or "2GB" after a model name are
# sizes, not postcodes.
_POSTCODE = re.compile(
    r"(?<![\w-])(?:[A-Z]{1,2}\d[A-Z\d]?|GIR) ?\d(?!TB\b|GB\b)[ABD-HJLNP-UW-Z]{2}(?![\w-])"
)

# A house number and one or two capitalised words before a street word:
# "10 Downing Street", "221b Baker St". Capitals keep "5 hours on the road" out.
_STREET = re.compile(
    r"(?<![\w-])\d{1,5}[A-Za-z]?,? (?:[A-Z][a-z']+ ){1,2}"
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Boulevard|Blvd|Crescent|Terrace)\b\.?"
)

_ADDRESS_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("postcode", _POSTCODE),
    ("address", _STREET),
)


# A typed apostrophe and the curly one phones write ("driver\u2019s").
_APOSTROPHES = "'\u2019"


def _term_regex(term: str) -> str:
    """The regular expression of one lexicon term (see :data:`DEFAULT_LEXICON`)."""
    body = term.strip()
    wildcard = body.endswith("*")
    if wildcard:
        body = body[:-1].rstrip()
    parts: list[str] = []
    for char in body:
        if char.isspace():
            if not parts or parts[-1] != r"[\s\-]+":
                parts.append(r"[\s\-]+")
        elif char == "-":
            parts.append(r"[\s\-]?")
        elif char in _APOSTROPHES:
            parts.append(f"[{_APOSTROPHES}]?")
        else:
            parts.append(re.escape(char))
    if wildcard:
        parts.append(r"\w*")
    return "".join(parts)


@functools.lru_cache(maxsize=64)
def _compile(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern matching any of ``terms`` as whole words (longest first)."""
    if not terms:
        return None
    alternatives = sorted({_term_regex(t) for t in terms}, key=lambda r: (-len(r), r))
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


def _blank_links(text: str) -> str:
    return _NOT_WORDS.sub(lambda m: " " * len(m.group()), text)


def _last_digits(text: str, count: int) -> str:
    digits = "".join(c for c in text if c.isdigit())
    return digits[-count:]


def _mask(kind: str, text: str) -> str:
    """A form of personal data ``text`` of ``kind`` that is safe to show.

    Cards keep their last four digits, phones their last three, IBANs their
    country code and last four characters, emails the first letter and the
    domain, postcodes their outward part; anything else shows its shape only.

    >>> _mask("card", "4111 1111 1111 1111"), _mask("email", "ada@example.com")
    ('**** 1111', 'a***@example.com')
    >>> _mask("phone", "+44 20 7946 0958"), _mask("iban", "GB82 WEST 1234 5698 7654 32")
    ('*** 958', 'GB** **** 5432')
    >>> _mask("postcode", "SW1A 2AA"), _mask("address", "10 Downing Street")
    ('SW1A ***', '** ******* ******')
    """
    if kind == "card":
        return f"**** {_last_digits(text, 4)}"
    if kind == "phone":
        return f"*** {_last_digits(text, 3)}"
    if kind == "iban":
        compact = "".join(c for c in text if c.isalnum())
        return f"{compact[:2].upper()}** **** {compact[-4:]}"
    if kind == "email" and "@" in text:
        local, _, domain = text.rpartition("@")
        return f"{local[:1]}***@{domain}"
    if kind == "postcode":
        outward = text.split()[0] if " " in text.strip() else text[:-3]
        return f"{outward} ***"
    return "".join("*" if c.isalnum() else c for c in text)


@attrs.frozen
class SensitiveHit:
    """One piece of sensitive content found in a text.

    ``evidence`` is the matched word or phrase as written, or for data (a card
    number, an email address...) a masked form of it, never the data itself.
    ``start`` and ``end`` delimit the match in the text (``text[start:end]``).
    ``kind`` says what was found: ``"term"`` for a lexicon word, else the kind
    of data (``"email"``, ``"phone"``, ``"card"``, ``"iban"``, ``"postcode"``,
    ``"address"``).

    >>> SensitivityDetector().detect("my sort code is 12-34-56")[0]
    SensitiveHit(topic=<SensitiveTopic.ACCOUNT: 'account'>, evidence='sort code', start=3, end=12, kind='term')
    """  # noqa: E501

    topic: SensitiveTopic
    evidence: str
    start: int
    end: int
    kind: str = "term"


def _freeze_lexicon(value: Any) -> Mapping[SensitiveTopic, tuple[str, ...]]:
    """Check a lexicon and make an immutable copy of it."""
    if not isinstance(value, Mapping):
        raise InvalidInput(
            "sensitivity lexicon",
            [FieldError("lexicon", value, "must be a mapping of topic to terms")],
        )
    errors: list[FieldError] = []
    table: dict[SensitiveTopic, tuple[str, ...]] = {}
    for key, terms in value.items():
        try:
            topic = SensitiveTopic(key)
        except ValueError:
            known = ", ".join(t.value for t in SensitiveTopic)
            errors.append(FieldError("lexicon", key, f"unknown topic; expected one of {known}"))
            continue
        if isinstance(terms, str) or not isinstance(terms, Iterable):
            errors.append(
                FieldError(f"lexicon.{topic.value}", terms, "must be a sequence of terms")
            )
            continue
        kept = tuple(terms)
        for i, term in enumerate(kept):
            if not isinstance(term, str) or not term.strip().rstrip("*").strip():
                errors.append(
                    FieldError(f"lexicon.{topic.value}[{i}]", term, "must be a non-empty word")
                )
        table[topic] = table.get(topic, ()) + kept
    if errors:
        raise InvalidInput("sensitivity lexicon", errors)
    return types.MappingProxyType(table)


@attrs.frozen
class SensitivityDetector:
    """Finds sensitive content in a text; see the module for what is found.

    ``lexicon`` maps each topic to its terms (:data:`DEFAULT_LEXICON` unless
    given; a topic left out is only found through data, if at all).
    ``redactor`` finds personal data (the default redactor unless given).
    ``addresses`` also looks for UK postcodes and street addresses. Patterns are
    compiled once per lexicon and shared, so making a detector is cheap.

    >>> detector = SensitivityDetector().with_terms("health", "physio*")
    >>> [h.evidence for h in detector.detect("Missed my physiotherapy session")]
    ['physiotherapy']
    """

    lexicon: Mapping[SensitiveTopic, tuple[str, ...]] = attrs.field(
        default=DEFAULT_LEXICON, converter=_freeze_lexicon, eq=True, hash=False
    )
    redactor: Redactor | None = None
    addresses: bool = True
    _patterns: tuple[tuple[SensitiveTopic, re.Pattern[str]], ...] = attrs.field(
        init=False, repr=False, eq=False, hash=False
    )

    @_patterns.default
    def _compile_lexicon(self) -> tuple[tuple[SensitiveTopic, re.Pattern[str]], ...]:
        compiled: list[tuple[SensitiveTopic, re.Pattern[str]]] = []
        for topic in SensitiveTopic:
            pattern = _compile(tuple(self.lexicon.get(topic, ())))
            if pattern is not None:
                compiled.append((topic, pattern))
        return tuple(compiled)

    def with_terms(self, topic: SensitiveTopic | str, *terms: str) -> SensitivityDetector:
        """A detector that also finds ``terms`` under ``topic``; this one is unchanged.

        Raises :class:`~omnicontext.errors.InvalidInput` for an unknown topic or
        an empty term.

        >>> SensitivityDetector().with_terms("payment", "klarna").detect("Klarna")[0].topic
        <SensitiveTopic.PAYMENT: 'payment'>
        """
        table: dict[Any, tuple[Any, ...]] = dict(self.lexicon)
        try:
            key: Any = SensitiveTopic(topic)
        except ValueError:
            key = topic  # rejected, with the known topics, by the lexicon check
        table[key] = (*table.get(key, ()), *terms)
        return attrs.evolve(self, lexicon=table)

    def topics(self, text: str) -> tuple[SensitiveTopic, ...]:
        """The topics ``text`` touches, each once, in order of first appearance.

        >>> SensitivityDetector().topics("my PIN code, and my date of birth")
        (<SensitiveTopic.ACCOUNT: 'account'>, <SensitiveTopic.PERSONAL_DATA: 'personal_data'>)
        """
        return tuple(dict.fromkeys(h.topic for h in self.detect(text)))

    def detect(self, text: str) -> tuple[SensitiveHit, ...]:
        """Every sensitive hit in ``text``, in order of position.

        A word inside a piece of data (``hospital`` in an email address) is not
        reported on its own: the data hit covers it. Raises
        :class:`~omnicontext.errors.InvalidInput` when ``text`` is not a string.
        """
        if not isinstance(text, str):
            raise InvalidInput("text", [FieldError("text", text, "must be a string")])
        if not text:
            return ()
        redactor = self.redactor if self.redactor is not None else default_redactor()
        data: list[SensitiveHit] = [_span_hit(span) for span in redactor.find(text)]
        if self.addresses:
            for kind, pattern in _ADDRESS_PATTERNS:
                for match in pattern.finditer(text):
                    if not _overlaps(match.start(), match.end(), data):
                        data.append(
                            SensitiveHit(
                                topic=SensitiveTopic.PERSONAL_DATA,
                                evidence=_mask(kind, match.group()),
                                start=match.start(),
                                end=match.end(),
                                kind=kind,
                            )
                        )
        words = _blank_links(text)
        hits = list(data)
        for topic, pattern in self._patterns:
            for match in pattern.finditer(words):
                if not _overlaps(match.start(), match.end(), data):
                    hits.append(
                        SensitiveHit(
                            topic=topic,
                            evidence=match.group(),
                            start=match.start(),
                            end=match.end(),
                        )
                    )
        order = list(SensitiveTopic)
        hits.sort(key=lambda h: (h.start, -h.end, order.index(h.topic)))
        return tuple(hits)


def _span_hit(span: PersonalDataSpan) -> SensitiveHit:
    kind = str(span.kind)
    return SensitiveHit(
        topic=_SPAN_TOPICS.get(kind, SensitiveTopic.PERSONAL_DATA),
        evidence=_mask(kind, span.text),
        start=span.start,
        end=span.end,
        kind=kind,
    )


def _overlaps(start: int, end: int, hits: Iterable[SensitiveHit]) -> bool:
    return any(start < h.end and h.start < end for h in hits)


@functools.cache
def default_detector() -> SensitivityDetector:
    """The detector with the built-in lexicon and the default redactor, made once.

    >>> default_detector() is default_detector()
    True
    """
    return SensitivityDetector()


def asks_to_go_private(text: str, *, phrases: Iterable[str] = ASK_PRIVATE) -> bool:
    """Whether an agent's ``text`` asks the customer to move to a private channel.

    Looks for the :data:`ASK_PRIVATE` phrases (or ``phrases``) as whole words,
    case-insensitively, ignoring web links and @handles (a link may contain
    "DM" by chance). Meant for agents' messages: a customer writing "I sent
    you a DM" is not being asked anything.

    >>> asks_to_go_private("Send us a DM and we can start there. https://t.co/GDrqU22YpT")
    True
    >>> asks_to_go_private("Can you try the steps here? https://t.co/EqisDMwZAT")
    False
    >>> asks_to_go_private("LiveChat is online until 5 pm")
    False
    """
    if not isinstance(text, str):
        raise InvalidInput("text", [FieldError("text", text, "must be a string")])
    terms = tuple(phrases)
    for i, term in enumerate(terms):
        if not isinstance(term, str) or not term.strip().rstrip("*").strip():
            raise InvalidInput(
                "private-channel phrases",
                [FieldError(f"phrases[{i}]", term, "must be a non-empty phrase")],
            )
    pattern = _compile(terms)
    return pattern is not None and pattern.search(_blank_links(text)) is not None
