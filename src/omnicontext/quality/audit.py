"""The cross-channel consistency audit of replies.

:class:`ConsistencyAuditor` reads interactions once, in any order, and checks
each reply (an outbound :class:`~omnicontext.model.Message` from an agent, or
from the actors :class:`ConsistencyRules` names) against the
:class:`~omnicontext.quality.catalog.Catalog` and against the other replies:

``outdated_version``
    the reply was written from an older version of an answer: it names that
    version (``answer_id`` / ``answer_version``), or its words match the
    answer and its figures are those of an older version, not the current one;
``figure_mismatch``
    the reply was written from the current answer but gives another figure of
    a kind the answer states (30 days where the answer says 14);
``missing_disclosure``
    a disclosure the answer requires is absent;
``forbidden_phrase``
    a phrase the answer or the catalog forbids is present;
``tone``
    a :class:`ToneRule` objects (default: shouting, runs of exclamation marks);
``cross_channel_conflict``
    replies about one intent give different figures of one kind on different
    channels (the chat says 14 days, the emails 30); a reply that gives only
    some of another's figures (30 days, where the other says 30 days and 3-5
    working days) does not conflict with it.

Which answer a reply used is decided in this order, and each finding says
which: the reply's ``answer_id``; its words
(:class:`~omnicontext.quality.matching.AnswerIndex`, at the rules'
``similarity``). Its intent is the answer's, or else its case's ``intent``
(from ``intents``).

Memory holds the findings and, for the cross-channel check, one counter per
intent, kind of figure and distinct set of values: never the replies
themselves, so the cost is linear in the number of replies. The report does
not depend on the order the interactions came in: a conflict keeps the
earliest replies (by time, then id) as samples.

>>> from omnicontext.testing import factories as f
>>> catalog = Catalog.from_dict({"answers": [
...     {"id": "refund-window", "intent": "refund", "version": 1,
...      "text": "You can return any item within 14 days for a full refund."},
...     {"id": "refund-window", "intent": "refund", "version": 2,
...      "text": "You can return any item within 30 days for a full refund."}]})
>>> reply = f.message("m1", at=f.minutes(0), case_id="k1", direction="outbound",
...                   body="Hi! You can return any item within 14 days for a full refund.")
>>> report = audit_consistency([reply], catalog)
>>> [(x.kind.value, x.answer_key, x.evidence) for x in report.findings]
[('outdated_version', 'refund-window@1', 'gives duration 14 days of version 1; \
version 2 says duration 30 days')]
"""

from __future__ import annotations

import bisect
import enum
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

import attrs

from omnicontext.errors import FieldError, InvalidInput
from omnicontext.model import Actor, Direction, InteractionBase, Message
from omnicontext.quality.catalog import Answer, Catalog, normalize_phrase
from omnicontext.quality.facts import extract_facts
from omnicontext.quality.matching import DEFAULT_THRESHOLD, AnswerIndex

__all__ = [
    "ConsistencyAuditor",
    "ConsistencyReport",
    "ConsistencyRules",
    "ExclamationRule",
    "Finding",
    "FindingKind",
    "ShoutingRule",
    "ToneRule",
    "audit_consistency",
]


class FindingKind(enum.StrEnum):
    """Which rule a :class:`Finding` reports. Members are plain strings."""

    OUTDATED_VERSION = "outdated_version"
    FIGURE_MISMATCH = "figure_mismatch"
    MISSING_DISCLOSURE = "missing_disclosure"
    FORBIDDEN_PHRASE = "forbidden_phrase"
    TONE = "tone"
    CROSS_CHANNEL_CONFLICT = "cross_channel_conflict"


@runtime_checkable
class ToneRule(Protocol):
    """A tone check: ``check`` returns the evidence (what it saw) when the
    text breaks the rule, ``None`` otherwise. ``name`` names the rule in
    findings."""

    @property
    def name(self) -> str:
        """The rule's name, as findings show it."""
        ...

    def check(self, text: str) -> str | None:
        """The evidence when ``text`` breaks the rule, else ``None``."""
        ...


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_name(name: object, errors: list[FieldError]) -> None:
    if not isinstance(name, str) or not name.strip():
        errors.append(FieldError("name", name, "must be a non-empty name"))


_CAPS_WORD = re.compile(r"\b[^\W\d_]{2,}\b")


@attrs.frozen
class ShoutingRule:
    """Shouting: at least ``min_words`` words of two letters or more, of which
    at least ``share`` are written in capitals.

    >>> ShoutingRule().check("WE HAVE ALREADY TOLD YOU THIS TWICE")
    '7 of 7 words in capitals'
    >>> ShoutingRule().check("Your ID and PIN are on the NHS card") is None
    True
    """

    min_words: int = 4
    share: float = 0.6
    name: str = "shouting"

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        if not _is_int(self.min_words) or self.min_words < 1:
            errors.append(FieldError("min_words", self.min_words, "must be an integer >= 1"))
        share: object = self.share
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
            errors.append(FieldError("share", share, "must be a number above 0, at most 1"))
        _check_name(self.name, errors)
        if errors:
            raise InvalidInput("shouting rule", errors)

    def check(self, text: str) -> str | None:
        """See the class docs."""
        words = _CAPS_WORD.findall(text)
        if len(words) < self.min_words:
            return None
        loud = sum(1 for w in words if w.isupper())
        if loud >= self.min_words and loud / len(words) >= self.share:
            return f"{loud} of {len(words)} words in capitals"
        return None


@attrs.frozen
class ExclamationRule:
    """More than ``max_run`` exclamation marks in a row.

    >>> ExclamationRule().check("Done!!!")
    "'!!!'"
    >>> ExclamationRule().check("Done!") is None
    True
    """

    max_run: int = 2
    name: str = "exclamations"

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        if not _is_int(self.max_run) or self.max_run < 0:
            errors.append(FieldError("max_run", self.max_run, "must be an integer >= 0"))
        _check_name(self.name, errors)
        if errors:
            raise InvalidInput("exclamation rule", errors)

    def check(self, text: str) -> str | None:
        """See the class docs."""
        run = re.search(f"[!\uff01]{{{self.max_run + 1},}}", text)
        return repr(run.group()) if run else None


def _names(value: Iterable[object]) -> frozenset[str]:
    if isinstance(value, str):  # one actor, not its letters
        return frozenset([value])
    return frozenset(str(a) for a in value)


def _tone_rules(value: Iterable[ToneRule]) -> tuple[ToneRule, ...]:
    return tuple(value)


def _default_tone() -> tuple[ToneRule, ...]:
    return (ShoutingRule(), ExclamationRule())


@attrs.frozen
class ConsistencyRules:
    """What the audit checks, and how.

    ``similarity``: the score from which a reply's words match an answer
    (:class:`~omnicontext.quality.matching.AnswerIndex`). ``actors``: whose
    outbound messages are replies (a name or a set of names). ``tone``: the
    tone rules. ``samples``: how many interaction ids a cross-channel conflict
    keeps for each value and channel, the earliest.
    """

    similarity: float = DEFAULT_THRESHOLD
    actors: frozenset[str] = attrs.field(default=frozenset({"agent"}), converter=_names)
    tone: tuple[ToneRule, ...] = attrs.field(factory=_default_tone, converter=_tone_rules)
    samples: int = 5

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        sim: object = self.similarity
        if isinstance(sim, bool) or not isinstance(sim, int | float) or not 0 < sim <= 1:
            errors.append(FieldError("similarity", sim, "must be a number above 0, at most 1"))
        known = {a.value for a in Actor}
        for actor in sorted(self.actors - known):
            errors.append(FieldError("actors", actor, f"unknown actor; one of {sorted(known)}"))
        for i, rule in enumerate(self.tone):
            if not isinstance(rule, ToneRule):
                errors.append(FieldError(f"tone[{i}]", rule, "must have a name and check(text)"))
        if isinstance(self.samples, bool) or not isinstance(self.samples, int) or self.samples < 1:
            errors.append(FieldError("samples", self.samples, "must be an integer >= 1"))
        if errors:
            raise InvalidInput("consistency rules", errors)


@attrs.frozen
class Finding:
    """One consistency problem: which rule, the interactions and channels it
    is about, the answer (``id@version``) and intent concerned, and the
    evidence, in words."""

    kind: FindingKind
    interaction_ids: tuple[str, ...]
    channels: tuple[str, ...]
    evidence: str
    answer_key: str | None = None
    intent: str | None = None
    rule: str = ""
    """The tone rule's name, or the phrase, or how the answer was found
    (``answer_id`` or ``words 0.82``)."""
    occurred_at: datetime | None = None
    """When the (first) reply was sent; ``None`` for a cross-channel conflict."""

    def to_dict(self) -> dict[str, Any]:
        """The finding as JSON-ready data."""
        return {
            "kind": self.kind.value,
            "interaction_ids": list(self.interaction_ids),
            "channels": list(self.channels),
            "evidence": self.evidence,
            "answer": self.answer_key,
            "intent": self.intent,
            "rule": self.rule,
            "occurred_at": None if self.occurred_at is None else self.occurred_at.isoformat(),
        }

    def describe(self) -> str:
        """One line: kind, where, what."""
        where = ", ".join(self.channels)
        about = self.answer_key or self.intent or ""
        ids = ", ".join(self.interaction_ids[:4])
        if len(self.interaction_ids) > 4:
            ids += f" and {len(self.interaction_ids) - 4} more"
        about_text = f" [{about}]" if about else ""
        return f"{self.kind.value} on {where}{about_text}: {self.evidence} ({ids})"


@attrs.frozen
class ConsistencyReport:
    """What the audit found. ``replies`` and ``findings_by_channel`` count per
    channel; a cross-channel conflict counts once on each channel it names."""

    replies: int
    replies_by_channel: Mapping[str, int]
    matched: Mapping[str, int]
    """Replies tied to an answer, by how: ``answer_id`` or ``words``."""
    findings: tuple[Finding, ...]
    findings_by_channel: Mapping[str, int]
    findings_by_kind: Mapping[str, int]
    similarity: float

    def per_thousand(self, channel: str | None = None) -> float | None:
        """Findings per 1,000 replies, overall or on ``channel``; ``None``
        without replies."""
        if channel is None:
            replies = self.replies
            found = len(self.findings)
        else:
            replies = self.replies_by_channel.get(channel, 0)
            found = self.findings_by_channel.get(channel, 0)
        return None if replies == 0 else 1000.0 * found / replies

    def to_dict(self, *, limit: int | None = None) -> dict[str, Any]:
        """JSON-ready data; ``limit`` caps the findings listed (all are counted)."""
        shown = self.findings if limit is None else self.findings[:limit]
        return {
            "replies": self.replies,
            "replies_by_channel": dict(self.replies_by_channel),
            "matched": dict(self.matched),
            "similarity": self.similarity,
            "per_thousand": self.per_thousand(),
            "per_thousand_by_channel": {
                c: self.per_thousand(c) for c in sorted(self.replies_by_channel)
            },
            "findings_by_kind": dict(self.findings_by_kind),
            "findings_by_channel": dict(self.findings_by_channel),
            "findings": [f.to_dict() for f in shown],
            "findings_total": len(self.findings),
        }

    def __str__(self) -> str:
        rate = self.per_thousand()
        lines = [
            f"replies audited   {self.replies:,}"
            + (f"   findings per 1,000: {rate:.1f}" if rate is not None else ""),
        ]
        for kind, count in sorted(self.findings_by_kind.items()):
            lines.append(f"  {kind:<24}{count:>8,}")
        for finding in self.findings[:10]:
            lines.append("  - " + finding.describe())
        return "\n".join(lines)


IntentLookup = Mapping[str, str] | Callable[[str], "str | None"]
"""Case id to intent: a mapping, or a function returning ``None`` when unknown."""


@attrs.define
class _Values:
    count: int = 0
    samples: list[tuple[datetime, str]] = attrs.field(factory=list)
    """The earliest replies, as ``(occurred_at, id)``, sorted."""

    def add(self, reply: Message, limit: int) -> None:
        self.count += 1
        entry = (reply.occurred_at, reply.id)
        if len(self.samples) < limit:
            bisect.insort(self.samples, entry)
        elif entry < self.samples[-1]:
            self.samples.pop()
            bisect.insort(self.samples, entry)


class ConsistencyAuditor:
    """Feed interactions (in any order, each id once: a repeated id is
    ignored); read :meth:`report` at any moment.

    ``catalog`` may be ``None``: tone, cross-channel figures (by case intent)
    and nothing else are checked then. ``intents`` gives each case's intent.
    """

    def __init__(
        self,
        catalog: Catalog | None = None,
        *,
        rules: ConsistencyRules | None = None,
        intents: IntentLookup | None = None,
    ) -> None:
        self._rules = ConsistencyRules() if rules is None else rules
        if not isinstance(self._rules, ConsistencyRules):
            raise InvalidInput(
                "consistency audit", [FieldError("rules", rules, "must be ConsistencyRules")]
            )
        if catalog is not None and not isinstance(catalog, Catalog):
            raise InvalidInput(
                "consistency audit", [FieldError("catalog", catalog, "must be a Catalog")]
            )
        self._catalog = catalog
        self._index = (
            AnswerIndex(catalog, threshold=self._rules.similarity) if catalog is not None else None
        )
        # One finding per phrase, however often it is listed: by its folded form.
        folded: dict[str, str] = {}
        for phrase in catalog.forbidden if catalog is not None else ():
            folded.setdefault(normalize_phrase(phrase), phrase)
        self._forbidden = [(phrase, norm) for norm, phrase in folded.items()]
        self._forbidden_folded = frozenset(folded)
        self._folds: dict[str, str] = {}  # an answer's phrases, folded once
        self._intents: Callable[[str], str | None]
        if intents is None:
            self._intents = lambda _case: None
        elif isinstance(intents, Mapping):
            self._intents = intents.get
        elif callable(intents):
            self._intents = intents
        else:
            raise InvalidInput(
                "consistency audit",
                [FieldError("intents", intents, "must be a mapping or a function")],
            )
        self._case_intent: dict[str, str | None] = {}
        self._seen: set[str] = set()
        self._replies: Counter[str] = Counter()
        self._matched: Counter[str] = Counter()
        self._findings: list[Finding] = []
        self._figures: dict[tuple[str, str], dict[frozenset[str], dict[str, _Values]]] = {}

    def extend(self, interactions: Iterable[InteractionBase]) -> None:
        """:meth:`add` each interaction."""
        for interaction in interactions:
            self.add(interaction)

    def add(self, interaction: InteractionBase) -> bool:
        """Audit one interaction; ``False`` if it is not a reply or its id was
        already audited. Anything but an interaction raises
        :class:`~omnicontext.errors.InvalidInput`."""
        if not isinstance(interaction, InteractionBase):
            raise InvalidInput(
                "consistency audit",
                [FieldError("interaction", interaction, "must be an interaction")],
            )
        if (
            not isinstance(interaction, Message)
            or interaction.direction is not Direction.OUTBOUND
            or interaction.actor.value not in self._rules.actors
        ):
            return False
        if interaction.id in self._seen:
            return False
        self._seen.add(interaction.id)
        self._replies[interaction.channel] += 1
        self._audit(interaction)
        return True

    # -- one reply -------------------------------------------------------------

    def _finding(self, reply: Message, kind: FindingKind, evidence: str, **extra: Any) -> None:
        self._findings.append(
            Finding(
                kind=kind,
                interaction_ids=(reply.id,),
                channels=(reply.channel,),
                evidence=evidence,
                occurred_at=reply.occurred_at,
                **extra,
            )
        )

    def _audit(self, reply: Message) -> None:
        body = reply.body
        folded = normalize_phrase(body)
        facts = extract_facts(body)
        stated: dict[str, set[str]] = {}
        for fact in facts:
            stated.setdefault(fact.kind.value, set()).add(fact.value)
        answer, how = self._answer_of(reply, stated)
        intent = answer.intent if answer is not None else self._intent_of(reply.case_id)
        if answer is not None:
            self._matched[how.split()[0]] += 1
            self._check_answer(reply, answer, how, stated, folded)
        for phrase, norm in self._forbidden:
            if norm in folded:
                self._finding(
                    reply,
                    FindingKind.FORBIDDEN_PHRASE,
                    f"uses {phrase!r}, forbidden in every reply",
                    intent=intent,
                    rule=phrase,
                )
        for rule in self._rules.tone:
            evidence = rule.check(body)
            if evidence is not None:
                self._finding(reply, FindingKind.TONE, evidence, intent=intent, rule=rule.name)
        if intent is not None:
            for kind, values in stated.items():
                per_value = self._figures.setdefault((intent, kind), {})
                slot = per_value.setdefault(frozenset(values), {})
                slot.setdefault(reply.channel, _Values()).add(reply, self._rules.samples)

    def _fold(self, phrase: str) -> str:
        folded = self._folds.get(phrase)
        if folded is None:
            folded = self._folds[phrase] = normalize_phrase(phrase)
        return folded

    def _intent_of(self, case_id: str | None) -> str | None:
        if case_id is None:
            return None
        if case_id not in self._case_intent:
            self._case_intent[case_id] = self._intents(case_id)
        return self._case_intent[case_id]

    def _answer_of(
        self, reply: Message, stated: Mapping[str, set[str]]
    ) -> tuple[Answer | None, str]:
        catalog = self._catalog
        if catalog is None or self._index is None:
            return None, ""
        answer_id = getattr(reply, "answer_id", None)
        if answer_id is not None and answer_id in catalog:
            version = getattr(reply, "answer_version", None)
            if version is not None:
                for candidate in catalog.versions(answer_id):
                    if candidate.version == version:
                        return candidate, "answer_id"
            return self._by_figures(catalog.versions(answer_id), stated), "answer_id"
        match = self._index.match(reply.body)
        if match is None:
            return None, ""
        versions = tuple(answer for answer, _ in match.scores)
        return self._by_figures(versions, stated, first=match.answer), f"words {match.score:.2f}"

    @staticmethod
    def _by_figures(
        versions: Iterable[Answer], stated: Mapping[str, set[str]], first: Answer | None = None
    ) -> Answer:
        """Of several versions, the one whose figures the reply gives: most
        facts in common, then fewest contradicted, then the first given (the
        best words), then the newest."""
        listed = list(versions)
        ranked = sorted(
            listed,
            key=lambda a: (
                -_agreeing(a, stated),
                _contradicting(a, stated),
                a is not first,
                -a.version,
            ),
        )
        return ranked[0]

    def _check_answer(
        self,
        reply: Message,
        answer: Answer,
        how: str,
        stated: Mapping[str, set[str]],
        folded: str,
    ) -> None:
        catalog = self._catalog
        assert catalog is not None
        current = catalog.current(answer.id)
        if answer.version < current.version:
            old = answer.figures
            new = current.figures
            given = [
                f"{k} {v}"
                for k in sorted(stated)
                for v in sorted(stated[k])
                if v in old.get(k, ())
            ]
            changed = [
                f"{k} {v}" for k in sorted(new) for v in sorted(new[k]) if v not in old.get(k, ())
            ]
            evidence = (
                f"gives {', '.join(given)} of version {answer.version}"
                if given
                else f"written from version {answer.version}"
            )
            if changed:
                evidence += f"; version {current.version} says {', '.join(changed)}"
            else:
                evidence += f"; the current version is {current.version}"
            self._finding(
                reply,
                FindingKind.OUTDATED_VERSION,
                evidence,
                answer_key=answer.key,
                intent=answer.intent,
                rule=how,
            )
            return
        expected = answer.figures
        for kind in sorted(stated):
            if kind in expected and stated[kind] != expected[kind]:
                wrong = sorted(stated[kind] - expected[kind])
                if not wrong:
                    continue  # a partial answer: fewer figures, none wrong
                self._finding(
                    reply,
                    FindingKind.FIGURE_MISMATCH,
                    f"says {kind} {', '.join(wrong)} where {answer.key} says "
                    f"{', '.join(sorted(expected[kind]))}",
                    answer_key=answer.key,
                    intent=answer.intent,
                    rule=how,
                )
        for disclosure in answer.disclosures:
            if self._fold(disclosure) not in folded:
                self._finding(
                    reply,
                    FindingKind.MISSING_DISCLOSURE,
                    f"lacks {disclosure!r}, required by {answer.key}",
                    answer_key=answer.key,
                    intent=answer.intent,
                    rule=how,
                )
        done: set[str] = set()
        for phrase in answer.forbidden:
            norm = self._fold(phrase)
            if norm in self._forbidden_folded or norm in done:
                continue  # the catalog's phrases are checked on every reply
            done.add(norm)
            if norm in folded:
                self._finding(
                    reply,
                    FindingKind.FORBIDDEN_PHRASE,
                    f"uses {phrase!r}, forbidden by {answer.key}",
                    answer_key=answer.key,
                    intent=answer.intent,
                    rule=phrase,
                )

    # -- the report ------------------------------------------------------------

    def report(self) -> ConsistencyReport:
        """Everything found so far, the cross-channel conflicts included."""
        findings = list(self._findings)
        for (intent, kind), per_value in sorted(self._figures.items()):
            if len(per_value) < 2:
                continue
            channels = sorted({c for slot in per_value.values() for c in slot})
            if len(channels) < 2 or not _conflict(per_value):
                continue
            parts: list[str] = []
            ids: list[str] = []
            ranked = sorted(
                per_value.items(),
                key=lambda item: (-sum(v.count for v in item[1].values()), sorted(item[0])),
            )
            for values, slot in ranked[:_SHOWN_SETS]:
                where = ", ".join(f"{c} {slot[c].count}" for c in sorted(slot))
                parts.append(f"{' + '.join(sorted(values))} ({where})")
                for c in sorted(slot):
                    ids.extend(ident for _, ident in slot[c].samples)
            if len(ranked) > _SHOWN_SETS:
                rest = sum(v.count for _, slot in ranked[_SHOWN_SETS:] for v in slot.values())
                parts.append(f"and {len(ranked) - _SHOWN_SETS:,} other sets of values ({rest:,})")
            findings.append(
                Finding(
                    kind=FindingKind.CROSS_CHANNEL_CONFLICT,
                    interaction_ids=tuple(dict.fromkeys(ids)),
                    channels=tuple(channels),
                    evidence=f"{kind} differs: " + "; ".join(parts),
                    intent=intent,
                    rule=f"{intent}/{kind}",
                )
            )
        by_channel: Counter[str] = Counter()
        by_kind: Counter[str] = Counter()
        for finding in findings:
            by_kind[finding.kind.value] += 1
            for channel in finding.channels:
                by_channel[channel] += 1
        findings.sort(
            key=lambda f: (
                f.occurred_at.timestamp() if f.occurred_at is not None else float("inf"),
                f.kind.value,
                f.interaction_ids,
            )
        )
        return ConsistencyReport(
            replies=self._replies.total(),
            replies_by_channel=dict(sorted(self._replies.items())),
            matched=dict(sorted(self._matched.items())),
            findings=tuple(findings),
            findings_by_channel=dict(sorted(by_channel.items())),
            findings_by_kind=dict(sorted(by_kind.items())),
            similarity=self._rules.similarity,
        )


_SHOWN_SETS = 5
"""A cross-channel conflict lists its most given sets of values; the rest are
counted."""


def _conflict(per_value: Mapping[frozenset[str], Mapping[str, _Values]]) -> bool:
    """Whether two sets of values, neither holding the other, were given on
    two different channels."""
    sets = [(values, frozenset(slot)) for values, slot in per_value.items()]
    for (a, on_a), (b, on_b) in itertools.combinations(sets, 2):
        if not (a <= b or b <= a) and len(on_a | on_b) >= 2:
            return True
    return False


def _agreeing(answer: Answer, stated: Mapping[str, set[str]]) -> int:
    return sum(1 for kind, value in answer.facts if value in stated.get(kind, ()))


def _contradicting(answer: Answer, stated: Mapping[str, set[str]]) -> int:
    own = answer.figures
    return sum(1 for kind, values in stated.items() if kind in own and values - own[kind])


def audit_consistency(
    interactions: Iterable[InteractionBase],
    catalog: Catalog | None = None,
    *,
    rules: ConsistencyRules | None = None,
    intents: IntentLookup | None = None,
) -> ConsistencyReport:
    """Audit ``interactions`` in one pass (see :class:`ConsistencyAuditor`).
    A store's history: ``audit_consistency(chain.from_iterable(
    store.interactions.scan()), catalog)``."""
    auditor = ConsistencyAuditor(catalog, rules=rules, intents=intents)
    auditor.extend(interactions)
    return auditor.report()
