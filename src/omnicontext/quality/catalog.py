"""The catalog of approved answers and policies, rendered per channel.

An :class:`Answer` is one version of one approved answer: an id, the intent it
answers, a version number, the canonical text, the disclosures every use of it
must carry, phrases it must never contain, and its renderings for channels
whose limits the canonical text does not fit (an SMS, a public post).

A :class:`Catalog` holds every version of every answer; the highest version of
an id is its *current* one, the others are kept so that replies quoting them
can be found. Building a catalog checks each current rendering against its
canonical text (checked, not assumed):

- the same facts and figures (:func:`~omnicontext.quality.facts.fact_set`:
  amounts, percentages, durations, clock times, phone numbers, limits), no
  more and no fewer;
- every required disclosure, and no forbidden phrase (the answer's own or the
  catalog's);
- within the channel's limit: ``max_sms_segments`` parts for SMS, the
  channel's ``max_message_length`` elsewhere.

A catalog that breaks any of these raises
:class:`~omnicontext.errors.InvalidInput` listing every problem.

>>> catalog = Catalog.from_dict({"answers": [{
...     "id": "refund-window", "intent": "refund", "version": 2,
...     "text": "You can return any item within 30 days for a full refund. "
...             "Terms apply: see our returns policy.",
...     "disclosures": ["terms apply"],
...     "renderings": {"sms": "Returns: full refund within 30 days. Terms apply."}}]})
>>> catalog.render("refund-window", "sms")
'Returns: full refund within 30 days. Terms apply.'
>>> Catalog.from_dict({"answers": [{
...     "id": "refund-window", "intent": "refund", "version": 1,
...     "text": "Full refund within 30 days.",
...     "renderings": {"sms": "Full refund within 14 days."}}]})
Traceback (most recent call last):
...
omnicontext.errors.InvalidInput: invalid catalog: answers[0].renderings.sms=...: drops duration \
30 days; adds duration 14 days
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from omnicontext._settings import read_settings
from omnicontext.errors import FieldError, InvalidInput, NotFound
from omnicontext.handoff import sms_segments
from omnicontext.model import ChannelRegistry, current_channels
from omnicontext.quality.facts import fact_set

__all__ = ["Answer", "Catalog", "normalize_phrase", "rendering_problems"]

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}$")
_NOT_WORD = re.compile(r"[^\w']+")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "`": "'"})
_DEFAULT_SMS_SEGMENTS = 2


def normalize_phrase(text: str) -> str:
    """``text`` folded for phrase matching: Unicode compatibility forms,
    case, curly apostrophes, ``&`` as ``and``, and any run of punctuation or
    space as one space, padded with a space at each end.

    A phrase is *in* a text when its normalised form is a substring of the
    text's: whole words only, whatever the punctuation and case.

    >>> normalize_phrase("Terms & Conditions  apply!")
    ' terms and conditions apply '
    >>> normalize_phrase("T&Cs apply") in normalize_phrase("Offer ends soon. T&Cs apply.")
    True

    Raises :class:`~omnicontext.errors.InvalidInput` if ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise InvalidInput("text", [FieldError("text", text, "must be a string")])
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_QUOTES)
    folded = folded.replace("&", " and ")
    words = _NOT_WORD.sub(" ", folded).replace("_", " ").split()
    return " " + " ".join(word.strip("'") for word in words) + " "


def _describe(facts: Iterable[tuple[str, str]]) -> str:
    return ", ".join(f"{kind} {value}" for kind, value in sorted(facts))


def rendering_problems(
    text: str,
    rendering: str,
    *,
    disclosures: Iterable[str] = (),
    forbidden: Iterable[str] = (),
) -> list[str]:
    """What makes ``rendering`` say something other than ``text``: facts it
    drops or adds, required disclosures it lacks, forbidden phrases it uses.
    An empty list means the rendering keeps the meaning.

    >>> rendering_problems("Delivery takes 3-5 working days and costs £4.99.",
    ...                    "Delivery: 3 to 5 business days, £4.99.")
    []
    >>> rendering_problems("Call us on 0800 123 4567.", "Call us.")
    ['drops phone 08001234567']
    """
    problems: list[str] = []
    want, have = fact_set(text), fact_set(rendering)
    if want - have:
        problems.append(f"drops {_describe(want - have)}")
    if have - want:
        problems.append(f"adds {_describe(have - want)}")
    folded = normalize_phrase(rendering)
    missing = [d for d in disclosures if normalize_phrase(d) not in folded]
    if missing:
        problems.append("lacks the disclosure " + ", ".join(repr(d) for d in missing))
    used = [p for p in forbidden if normalize_phrase(p) in folded]
    if used:
        problems.append("uses the forbidden phrase " + ", ".join(repr(p) for p in used))
    return problems


def _segments(value: Any, errors: list[FieldError]) -> int:
    """``max_sms_segments`` checked; the default stands in for a bad value."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        errors.append(FieldError("max_sms_segments", value, "must be an integer >= 1"))
        return _DEFAULT_SMS_SEGMENTS
    return value


def _strings(where: str, value: Any, errors: list[FieldError]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, list | tuple):
        errors.append(FieldError(where, value, "must be a list of strings"))
        return ()
    out: list[str] = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not normalize_phrase(item).strip():
            errors.append(FieldError(f"{where}[{i}]", item, "must be a non-empty phrase"))
        else:
            out.append(item)
    return tuple(out)


@attrs.frozen
class Answer:
    """One version of one approved answer. Build answers through
    :meth:`Catalog.from_dict` (or :meth:`Catalog.from_file`), which validates
    them; the catalog checks their renderings.

    ``renderings`` maps a channel name to the text to send there; a channel
    without one gets the canonical ``text`` when it fits the channel. Answers
    compare field by field and are hashable (the renderings left out of the
    hash), so they can key a dict.
    """

    id: str
    intent: str
    version: int
    text: str
    disclosures: tuple[str, ...] = ()
    """Phrases every use of the answer must carry (``"terms apply"``)."""
    forbidden: tuple[str, ...] = ()
    """Phrases no reply using the answer may contain."""
    renderings: Mapping[str, str] = attrs.field(factory=dict, hash=False)
    title: str = ""
    facts: frozenset[tuple[str, str]] = attrs.field(init=False, eq=False, repr=False)
    """The facts of the canonical text, as ``(kind, value)`` pairs."""
    figures: Mapping[str, frozenset[str]] = attrs.field(init=False, eq=False, repr=False)
    """The same facts by kind: ``{"duration": {"30 days"}}``."""

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        for name in ("disclosures", "forbidden"):
            value = getattr(self, name)
            if not isinstance(value, tuple | list) or not all(isinstance(p, str) for p in value):
                errors.append(FieldError(name, value, "must be a list of phrases"))
            else:
                object.__setattr__(self, name, tuple(value))
        if not isinstance(self.renderings, Mapping):
            errors.append(FieldError("renderings", self.renderings, "must map channels to texts"))
        if not isinstance(self.text, str):
            errors.append(FieldError("text", self.text, "must be a text"))
        if errors:
            raise InvalidInput("answer", errors)
        facts = fact_set(self.text)
        object.__setattr__(self, "facts", facts)
        by_kind: dict[str, set[str]] = {}
        for kind, value in facts:
            by_kind.setdefault(kind, set()).add(value)
        object.__setattr__(self, "figures", {k: frozenset(v) for k, v in by_kind.items()})

    @property
    def key(self) -> str:
        """``id@version``, as findings name the answer."""
        return f"{self.id}@{self.version}"

    def to_dict(self) -> dict[str, Any]:
        """The answer in the form :meth:`Catalog.from_dict` reads."""
        out: dict[str, Any] = {
            "id": self.id,
            "intent": self.intent,
            "version": self.version,
            "text": self.text,
        }
        if self.title:
            out["title"] = self.title
        if self.disclosures:
            out["disclosures"] = list(self.disclosures)
        if self.forbidden:
            out["forbidden"] = list(self.forbidden)
        if self.renderings:
            out["renderings"] = dict(self.renderings)
        return out


_ANSWER_KEYS = {
    "id",
    "intent",
    "version",
    "text",
    "title",
    "disclosures",
    "forbidden",
    "renderings",
}


def _answer(
    where: str, data: Any, channels: ChannelRegistry, errors: list[FieldError]
) -> Answer | None:
    if not isinstance(data, Mapping):
        errors.append(FieldError(where, data, "must be a table (id, intent, version, text, ...)"))
        return None
    before = len(errors)
    for key in sorted(set(data) - _ANSWER_KEYS, key=str):
        errors.append(FieldError(f"{where}.{key}", data[key], "unknown setting"))
    ident = data.get("id")
    if not isinstance(ident, str) or not _ID.match(ident):
        errors.append(
            FieldError(f"{where}.id", ident, "must be 1-128 letters, digits or _.:- (no spaces)")
        )
    intent = data.get("intent")
    if not isinstance(intent, str) or not intent.strip() or len(intent) > 128:
        errors.append(FieldError(f"{where}.intent", intent, "must be a non-empty name"))
    version = data.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        errors.append(FieldError(f"{where}.version", version, "must be an integer >= 1"))
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        errors.append(FieldError(f"{where}.text", text, "must be a non-empty text"))
    title = data.get("title", "")
    if not isinstance(title, str):
        errors.append(FieldError(f"{where}.title", title, "must be a string"))
    disclosures = _strings(f"{where}.disclosures", data.get("disclosures"), errors)
    forbidden = _strings(f"{where}.forbidden", data.get("forbidden"), errors)
    renderings: dict[str, str] = {}
    raw = data.get("renderings")
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        errors.append(FieldError(f"{where}.renderings", raw, "must map channel names to texts"))
        raw = {}
    for channel, rendered in raw.items():
        if channel not in channels:
            errors.append(FieldError(f"{where}.renderings.{channel}", rendered, "unknown channel"))
        elif not isinstance(rendered, str) or not rendered.strip():
            errors.append(
                FieldError(f"{where}.renderings.{channel}", rendered, "must be a non-empty text")
            )
        else:
            renderings[channel] = rendered
    if len(errors) > before or not isinstance(ident, str) or not isinstance(text, str):
        return None
    assert isinstance(intent, str)
    return Answer(
        id=ident,
        intent=intent.strip(),
        version=version,
        text=text,
        disclosures=disclosures,
        forbidden=forbidden,
        renderings=renderings,
        title=title,
    )


@attrs.frozen(init=False)
class Catalog:
    """Every version of every approved answer, checked (see the module docs).

    ``forbidden`` phrases apply to every answer and, in the consistency audit,
    to every reply. ``max_sms_segments`` is how many SMS parts a rendering may
    take. ``channels`` is the channel registry limits come from (default: the
    one in force).
    """

    answers: tuple[Answer, ...]
    """Every version of every answer, by id then version."""
    forbidden: tuple[str, ...]
    max_sms_segments: int
    _current: Mapping[str, Answer]
    _versions: Mapping[str, tuple[Answer, ...]]
    _channels: ChannelRegistry

    def __init__(
        self,
        answers: Iterable[Answer] = (),
        *,
        forbidden: Iterable[str] = (),
        max_sms_segments: int = _DEFAULT_SMS_SEGMENTS,
        channels: ChannelRegistry | None = None,
    ) -> None:
        registry = channels if channels is not None else current_channels()
        errors: list[FieldError] = []
        max_sms_segments = _segments(max_sms_segments, errors)
        # A lone string is one phrase where a list belongs: reported, never
        # read as its letters.
        listed_phrases = (
            list(forbidden)
            if isinstance(forbidden, Iterable) and not isinstance(forbidden, str)
            else forbidden
        )
        phrases = _strings("forbidden", listed_phrases, errors)
        listed = list(answers)
        by_id: dict[str, list[Answer]] = {}
        for i, answer in enumerate(listed):
            if not isinstance(answer, Answer):
                errors.append(FieldError(f"answers[{i}]", answer, "must be an Answer"))
                continue
            same = by_id.setdefault(answer.id, [])
            if any(a.version == answer.version for a in same):
                errors.append(
                    FieldError(
                        f"answers[{i}].version", answer.version, f"{answer.key} is listed twice"
                    )
                )
            same.append(answer)
        current = {ident: max(vs, key=lambda a: a.version) for ident, vs in by_id.items()}
        for i, answer in enumerate(listed):
            if isinstance(answer, Answer) and current.get(answer.id) is answer:
                errors.extend(
                    _check_answer(f"answers[{i}]", answer, phrases, max_sms_segments, registry)
                )
        if errors:
            raise InvalidInput("catalog", errors)
        ordered = tuple(sorted((a for a in listed), key=lambda a: (a.id, a.version)))
        self.__attrs_init__(
            ordered,
            phrases,
            max_sms_segments,
            dict(sorted(current.items())),
            {ident: tuple(sorted(vs, key=lambda a: a.version)) for ident, vs in by_id.items()},
            registry,
        )

    # -- reading ------------------------------------------------------------

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, channels: ChannelRegistry | None = None
    ) -> Catalog:
        """A catalog from plain data: ``{"answers": [{...}, ...], "forbidden":
        [...], "max_sms_segments": 2}``; each answer has ``id``, ``intent``,
        ``version`` (default 1), ``text`` and optionally ``title``,
        ``disclosures``, ``forbidden`` and ``renderings`` (channel to text).
        Every problem is reported at once, named by its path
        (``answers[3].renderings.sms``)."""
        registry = channels if channels is not None else current_channels()
        if not isinstance(data, Mapping):
            raise InvalidInput("catalog", [FieldError("catalog", data, "must be a table")])
        errors: list[FieldError] = []
        for key in sorted(set(data) - {"answers", "forbidden", "max_sms_segments"}, key=str):
            errors.append(FieldError(key, data[key], "unknown setting"))
        raw = data.get("answers", [])
        if not isinstance(raw, list | tuple):
            errors.append(FieldError("answers", raw, "must be a list of answers"))
            raw = []
        answers = [_answer(f"answers[{i}]", item, registry, errors) for i, item in enumerate(raw)]
        forbidden = _strings("forbidden", data.get("forbidden"), errors)
        segments = _segments(data.get("max_sms_segments", _DEFAULT_SMS_SEGMENTS), errors)
        if errors:
            raise InvalidInput("catalog", errors)
        return cls(
            [a for a in answers if a is not None],
            forbidden=forbidden,
            max_sms_segments=segments,
            channels=registry,
        )

    @classmethod
    def from_file(cls, path: str | Path, *, channels: ChannelRegistry | None = None) -> Catalog:
        """Read a catalog from TOML (``[[answers]]`` tables, ``.toml``) or JSON
        (``.json``)."""
        data = read_settings(path, "catalog")
        return cls.from_dict(data, channels=channels)

    def to_dict(self) -> dict[str, Any]:
        """The catalog in the form :meth:`from_dict` reads."""
        out: dict[str, Any] = {"answers": [a.to_dict() for a in self.answers]}
        if self.forbidden:
            out["forbidden"] = list(self.forbidden)
        if self.max_sms_segments != _DEFAULT_SMS_SEGMENTS:
            out["max_sms_segments"] = self.max_sms_segments
        return out

    # -- lookups ------------------------------------------------------------

    def __len__(self) -> int:
        """How many answers (ids), not counting older versions."""
        return len(self._current)

    def __iter__(self) -> Iterator[Answer]:
        """The current version of each answer, by id."""
        return iter(self._current.values())

    def __contains__(self, answer_id: object) -> bool:
        return answer_id in self._current

    def current(self, answer_id: str) -> Answer:
        """The current (highest) version of an answer, or
        :class:`~omnicontext.errors.NotFound`."""
        try:
            return self._current[answer_id]
        except KeyError:
            raise NotFound("answer", answer_id) from None

    def versions(self, answer_id: str) -> tuple[Answer, ...]:
        """Every version of an answer, oldest first (``()`` for an unknown id)."""
        return self._versions.get(answer_id, ())

    def version(self, answer_id: str, version: int) -> Answer:
        """One version of an answer, or :class:`~omnicontext.errors.NotFound`."""
        for answer in self.versions(answer_id):
            if answer.version == version:
                return answer
        raise NotFound("answer", f"{answer_id}@{version}")

    def for_intent(self, intent: str) -> tuple[Answer, ...]:
        """The current answers for ``intent``, by id."""
        return tuple(a for a in self._current.values() if a.intent == intent)

    @property
    def intents(self) -> frozenset[str]:
        """The intents the current answers cover."""
        return frozenset(a.intent for a in self._current.values())

    # -- rendering ----------------------------------------------------------

    def render(self, answer_id: str, channel: str) -> str:
        """The current answer's text for ``channel``: its rendering there, or
        the canonical text when it fits the channel's limit. An answer with
        neither raises :class:`~omnicontext.errors.InvalidInput` naming the
        channel and the limit, and an unknown channel does too."""
        answer = self.current(answer_id)
        if channel not in self._channels:
            raise InvalidInput("rendering", [FieldError("channel", channel, "unknown channel")])
        if channel in answer.renderings:
            return answer.renderings[channel]
        problem = _limit_problem(answer.text, channel, self.max_sms_segments, self._channels)
        if problem:
            raise InvalidInput(
                "rendering",
                [
                    FieldError(
                        "channel", channel, f"{answer.key} has no rendering and its text {problem}"
                    )
                ],
            )
        return answer.text


def _limit_problem(text: str, channel: str, max_sms: int, channels: ChannelRegistry) -> str:
    if channel == "sms":
        parts = sms_segments(text).segments
        if parts > max_sms:
            return f"needs {parts} SMS parts (limit {max_sms})"
        return ""
    limit = channels[channel].max_message_length
    if limit is not None and len(text) > limit:
        return f"has {len(text)} characters (limit {limit} on {channel})"
    return ""


def _check_answer(
    where: str,
    answer: Answer,
    catalog_forbidden: tuple[str, ...],
    max_sms: int,
    channels: ChannelRegistry,
) -> list[FieldError]:
    errors: list[FieldError] = []
    forbidden = (*answer.forbidden, *catalog_forbidden)
    own = rendering_problems(
        answer.text, answer.text, disclosures=answer.disclosures, forbidden=forbidden
    )
    if own:
        errors.append(FieldError(f"{where}.text", answer.text, "; ".join(own)))
    for channel, rendered in sorted(answer.renderings.items()):
        problems = rendering_problems(
            answer.text, rendered, disclosures=answer.disclosures, forbidden=forbidden
        )
        limit = _limit_problem(rendered, channel, max_sms, channels)
        if limit:
            problems.append(limit)
        if problems:
            errors.append(
                FieldError(f"{where}.renderings.{channel}", rendered, "; ".join(problems))
            )
    return errors
