"""Which approved answer a reply was written from, by its words.

:class:`AnswerIndex` scores a reply against every version of every answer in
a :class:`~omnicontext.quality.catalog.Catalog` (the canonical texts and
their renderings) by the cosine similarity of TF-IDF weighted words and word
pairs. Before scoring, text is folded (:func:`normalize_phrase`), and words
holding a digit, @handles, links and a short list of English function words
are dropped: figures are compared separately, as facts, so a reply quoting an
old figure still matches the answer it was written from.

A reply *matches* an answer when its best score reaches the threshold
(``0.55`` by default; see the quality guide for how it was chosen). Only
answers sharing at least one of the reply's rarer words are scored, so the
cost of a reply grows with its length and the handful of answers it shares
words with, not with the size of the catalog. A word is rare when few answers
use it (the versions and renderings of one answer count once), and every
text is also found through its own rarest words, so that an answer made only
of words common in the catalog is still found.

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
_CANDIDATE_SHARE = 0.2
"""Words found in more than this share of the answers (ids) nominate no
candidates (they still count in the score), except as one of a text's
:data:`_OWN_RAREST` rarest words."""
_OWN_RAREST = 3
"""How many of its rarest words each text is always found through."""
_SMALL = 5
"""Up to this many answers (ids), every word nominates candidates."""
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
    norm: float


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
        # Rarity for candidates counts answers, not texts: an answer's versions
        # and renderings repeat its words, which must not make them common.
        users: dict[str, set[str]] = {}
        for answer, toks in texts:
            for term in toks:
                users.setdefault(term, set()).add(answer.id)
        id_df = {term: len(ids) for term, ids in users.items()}
        answer_count = len({answer.id for answer, _ in texts})
        common = max(1, int(answer_count * _CANDIDATE_SHARE))
        self._docs: list[_Doc] = []
        postings: dict[str, list[int]] = {}
        for answer, toks in texts:
            weights = self._weigh(toks)
            norm = math.sqrt(sum(w * w for w in weights.values()))
            if norm == 0:
                continue
            doc_index = len(self._docs)
            self._docs.append(_Doc(answer, weights, norm))
            rarest = set(sorted(weights, key=lambda t: (id_df[t], t))[:_OWN_RAREST])
            for term in weights:
                if answer_count <= _SMALL or id_df[term] <= common or term in rarest:
                    postings.setdefault(term, []).append(doc_index)
        self._postings = postings
        self._answers = {(a.id, a.version): a for a in catalog.answers}
        self._cache: dict[str, Match | None] = {}

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
        weights = self._weigh(toks)
        candidates: set[int] = set()
        for term in weights:
            candidates.update(self._postings.get(term, ()))
        if not candidates:
            return None
        norm = math.sqrt(sum(w * w for w in weights.values()))
        best: dict[tuple[str, int], float] = {}
        for doc_index in candidates:
            doc = self._docs[doc_index]
            dot = sum(w * doc.weights.get(term, 0.0) for term, w in weights.items())
            score = round(dot / (norm * doc.norm), _DIGITS)
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
