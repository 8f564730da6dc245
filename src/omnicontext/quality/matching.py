"""Which approved answer a reply was written from, by its words.

:class:`AnswerIndex` scores a reply against every version of every answer in
a :class:`~omnicontext.quality.catalog.Catalog` (the canonical texts and
their renderings) by the cosine similarity of TF-IDF weighted words and word
pairs. Before scoring, text is folded (:func:`normalize_phrase`), and words
holding a digit, @handles, links and a short list of English function words
are dropped: figures are compared separately, as facts, so a reply quoting an
old figure still matches the answer it was written from.

A reply *matches* an answer when its best score reaches the threshold
(``0.55`` by default; see the quality guide for how it was chosen). The
search is exact and does not score the whole catalog: a text can reach the
threshold only if it shares one of the reply's rarest terms that together
carry more than ``1 - threshold²`` of the reply's squared weight, so only
those texts are candidates, and a candidate is dropped as soon as the rest of
the reply could not lift it to the threshold.

>>> from omnicontext.quality import Catalog
>>> catalog = Catalog.from_dict({"answers": [
...     {"id": "dm-invite", "intent": "move_private", "text":
...      "Thanks for reaching out. Send us a DM so we can look into this together."},
...     {"id": "refund-window", "intent": "refund", "text":
...      "You can return any item within 30 days for a full refund."}]})
>>> index = AnswerIndex(catalog)
>>> match = index.match("@105844 Thanks for reaching out! Send us a DM so we can look into this.")
>>> match.answer.id, round(match.score, 2)
('dm-invite', 0.92)
>>> index.match("Is the store open on Sunday?") is None
True
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable

import attrs

from omnicontext.errors import FieldError, InvalidInput
from omnicontext.quality.catalog import Answer, Catalog, normalize_phrase

__all__ = ["DEFAULT_THRESHOLD", "AnswerIndex", "Match", "tokens"]

DEFAULT_THRESHOLD = 0.55
"""The similarity from which a reply counts as written from an answer."""

_LINK = re.compile(r"https?://\S+|www\.\S+|@\w+", re.IGNORECASE)
_STOP_WORDS = """a an and are as at be been but by can could did do does for from had has have he
her here his how i if in into is it its just me my of on or our ours she so than that the their
them then there these they this those to too us was we were what when where which who will with
would you your yours i'm i'd i'll you're you'll we're we'll we've it's let's that's"""
_STOP = frozenset(_STOP_WORDS.split())
_DIGITS = 12
"""Scores are rounded to this many decimals: the same text scores exactly 1."""
_CACHE_LIMIT = 50_000


def tokens(text: str) -> tuple[str, ...]:
    """The words of ``text`` as the index sees them, in order, then the pairs
    of neighbouring words (``"full refund"`` as ``"full_refund"``).

    >>> tokens("Send us a DM: https://t.co/x within 30 days!")
    ('send', 'dm', 'within', 'days', 'send_dm', 'dm_within', 'within_days')

    Raises :class:`~omnicontext.errors.InvalidInput` if ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise InvalidInput("text", [FieldError("text", text, "must be a string")])
    folded = normalize_phrase(_LINK.sub(" ", text))
    words = [w for w in folded.split() if w not in _STOP and not any(c.isdigit() for c in w)]
    return (*words, *(f"{a}_{b}" for a, b in itertools.pairwise(words)))


@attrs.frozen
class Match:
    """The answer version a reply is closest to, and how close (cosine, 0-1)."""

    answer: Answer
    score: float
    scores: tuple[tuple[Answer, float], ...] = ()
    """Every version of the same answer id that reached the threshold, best
    first: the audit picks among them by the figures the reply gives."""


@attrs.frozen
class _Doc:
    answer: Answer
    weights: dict[str, float]


class AnswerIndex:
    """An inverted index over a catalog's answers (every version, canonical
    text and renderings), for :meth:`match`.

    ``threshold`` is the cosine similarity from which a reply matches (between
    0 and 1, exclusive of 0). Results for a text already seen are remembered
    (up to 50,000 distinct texts, then forgotten all at once: a few tens of
    MB at most), since support replies repeat.
    """

    def __init__(self, catalog: Catalog, *, threshold: float = DEFAULT_THRESHOLD) -> None:
        if not isinstance(catalog, Catalog):
            raise InvalidInput(
                "answer index", [FieldError("catalog", catalog, "must be a Catalog")]
            )
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, int | float)
            or not 0 < threshold <= 1
        ):
            raise InvalidInput(
                "answer index",
                [FieldError("threshold", threshold, "must be a number above 0 and at most 1")],
            )
        self.threshold = float(threshold)
        texts: list[tuple[Answer, tuple[str, ...]]] = []
        for answer in catalog.answers:
            for text in (answer.text, *answer.renderings.values()):
                texts.append((answer, tokens(text)))
        df: Counter[str] = Counter()
        for _, toks in texts:
            df.update(set(toks))
        n = len(texts)
        self._idf = {term: math.log((n + 1) / (count + 1)) + 1.0 for term, count in df.items()}
        self._unknown_idf = math.log(n + 1) + 1.0
        self._docs: list[_Doc] = []
        postings: dict[str, list[tuple[int, float]]] = {}
        for answer, toks in texts:
            weights = self._weigh(toks)
            norm = math.sqrt(sum(w * w for w in weights.values()))
            if norm == 0:
                continue
            unit = {term: w / norm for term, w in weights.items()}
            doc_index = len(self._docs)
            self._docs.append(_Doc(answer, unit))
            for term, w in unit.items():
                postings.setdefault(term, []).append((doc_index, w))
        self._postings = postings
        self._answers = {(a.id, a.version): a for a in catalog.answers}
        self._cache: dict[str, Match | None] = {}
        self._scored = 0  # texts scored in full: what the search saves is seen here

    def _weigh(self, toks: Iterable[str]) -> dict[str, float]:
        counts = Counter(toks)
        idf, unknown = self._idf, self._unknown_idf
        return {term: (1.0 + math.log(c)) * idf.get(term, unknown) for term, c in counts.items()}

    def match(self, text: str) -> Match | None:
        """The answer ``text`` was most likely written from, or ``None`` when
        no answer reaches the threshold. Ties go to the lower id, then the
        higher version. Raises :class:`~omnicontext.errors.InvalidInput` if
        ``text`` is not a string."""
        toks = tokens(text)
        if not toks:
            return None
        # The words decide the pairs that follow them: the words are the key.
        key = " ".join(toks[: (len(toks) + 1) // 2])
        cached = self._cache.get(key, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        result = self._score(toks)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = result
        return result

    def _score(self, toks: tuple[str, ...]) -> Match | None:
        """Every text scoring at least the threshold, found exactly without
        scoring the others: a text that shares none of the reply's rarest
        terms covering more than ``1 - threshold**2`` of its squared weight
        cannot reach the threshold (Cauchy-Schwarz), so only texts sharing one
        of those are candidates; a candidate is dropped as soon as what is
        left of the reply could not lift it to the threshold."""
        weights = self._weigh(toks)
        norm = math.sqrt(sum(w * w for w in weights.values()))
        postings = self._postings
        order = sorted(weights, key=lambda t: (len(postings.get(t, ())), t))
        limit = self.threshold * self.threshold - 1e-12
        remaining = 1.0
        acc: dict[int, float] = {}
        prefix = 0  # the rarest terms, until the rest could not reach the threshold
        while prefix < len(order) and remaining >= limit:
            r = weights[order[prefix]] / norm
            for doc_index, w in postings.get(order[prefix], ()):
                acc[doc_index] = acc.get(doc_index, 0.0) + r * w
            remaining -= r * r
            prefix += 1
        if not acc:
            return None
        suffix = [(term, weights[term] / norm) for term in order[prefix:]]
        reach = math.sqrt(max(remaining, 0.0))
        floor = self.threshold - 1e-9
        best: dict[tuple[str, int], float] = {}
        docs = self._docs
        for doc_index, partial in acc.items():
            if partial + reach < floor:
                continue  # even every remaining term could not lift it
            self._scored += 1
            doc = docs[doc_index]
            dw = doc.weights
            dot = partial + sum(r * dw.get(term, 0.0) for term, r in suffix)
            score = round(dot, _DIGITS)
            key = (doc.answer.id, doc.answer.version)
            if score > best.get(key, -1.0):
                best[key] = score
        passing = [(key, s) for key, s in best.items() if s >= self.threshold - 1e-12]
        if not passing:
            return None
        (top_id, _), _ = min(passing, key=lambda item: (-item[1], item[0][0], -item[0][1]))
        same = sorted(
            ((key, s) for key, s in passing if key[0] == top_id),
            key=lambda item: (-item[1], -item[0][1]),
        )
        scores = tuple((self._answers[key], min(1.0, s)) for key, s in same)
        return Match(answer=scores[0][0], score=scores[0][1], scores=scores)


_MISSING = object()
