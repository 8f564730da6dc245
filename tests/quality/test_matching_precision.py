"""How precisely AnswerIndex finds the answer a reply was written from.

The figures are pinned at ``DEFAULT_THRESHOLD`` on the seeded corpus of
``matching_corpus.py`` (a 210-answer catalog over 42 topics, every answer
quoted as agents quote it, and replies written without any answer), less a
small margin; ``benchmarks/matching.py`` prints the whole table. The brand
replies of the public Twitter sample are checked against hand labels (skipped
when the sample is not next to the checkout).
"""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicontext.quality.catalog import Catalog
from omnicontext.quality.matching import DEFAULT_THRESHOLD, AnswerIndex, Match

from . import matching_corpus as corpus

# Measured on corpus.corpus(DEFAULT_SEED) (1,487 positives, 752 negatives) with
# benchmarks/matching.py --rounds 1; a threshold not listed here must be measured
# and added before it becomes the default.
MEASURED: dict[float, dict[str, float]] = {
    0.5: {
        "precision": 0.9985,
        "recall": 0.9233,
        "false_match_rate": 0.0027,
        "wrong_answer": 0,
        "greeting": 1.0,
        "dropped_clause": 1.0,
        "reordered": 1.0,
        "synonyms": 0.985,
        "figures": 1.0,
        "typos": 0.957,
        "short": 0.947,
        "mixed": 0.562,
    },
    0.55: {
        "precision": 1.0,
        "recall": 0.8911,
        "false_match_rate": 0.0,
        "wrong_answer": 0,
        "greeting": 1.0,
        "dropped_clause": 1.0,
        "reordered": 1.0,
        "synonyms": 0.960,
        "figures": 1.0,
        "typos": 0.938,
        "short": 0.878,
        "mixed": 0.438,
    },
}
FIGURE = r"\d+(?:\.\d+)?"
PRECISION_MARGIN = 0.003
RECALL_MARGIN = 0.01
KIND_MARGIN = 0.03
FALSE_MATCH_MARGIN = 0.004

# Which template of corpus.twitter_catalog_data() each brand reply of the
# Twitter sample was written from (answer key), or None.
TWITTER_LABELS: dict[str, str | None] = {
    "tw-119246": None,
    "tw-119240": None,
    "tw-119243": None,
    "tw-119245": None,
    # Apple's opener, then its own questions and no DM invitation: written freely
    "tw-119325": None,
    "tw-119271": "apple-dm@1",
    # the template's first sentence, then a personal aside
    "tw-119314": "tesco-think-25@1",
    # another brand's own DM request
    "tw-119273": None,
    "tw-119238": None,
    # the template's last sentence, after "this is correct but"
    "tw-119311": "tesco-think-25@1",
    "tw-119277": None,
    "tw-119293": "apple-dm@2",
    "tw-119269": "apple-dm@2",
    # Apple asks for the iOS version in DM: a tailored reply, not the template
    "tw-119267": None,
    # a DM invitation in its own words, asking for the steps tried
    "tw-119262": None,
    # asks what is going on, then "DM us": tailored
    "tw-119300": None,
    "tw-119281": None,
    # the template's second sentence, word for word
    "tw-119308": "tesco-think-25@1",
    # "Tell us more ... in DM": tailored
    "tw-119298": None,
    "tw-119332": None,
    # a question about Apple Music, then "Let us know in DM": tailored
    "tw-119279": None,
    "tw-119264": None,
    "tw-119327": None,
    "tw-119266": None,
    # asks for the iOS version, "Reply in DM": tailored
    "tw-119248": None,
    "tw-119295": None,
    "tw-119252": "apple-dm@2",
    "tw-119254": None,
    "tw-119304": None,
    "tw-119317": None,
    "tw-119275": None,
    # asks for the iOS version and apps, "DM us your reply": tailored
    "tw-119289": None,
    "tw-119320": None,
    # Tesco asks for details by DM: not Apple's template
    "tw-119322": None,
    # asks which app and model, "Join us in DM": tailored
    "tw-119323": None,
    "tw-119329": None,
    "tw-119257": None,
    "tw-119284": None,
    "tw-119259": None,
    "tw-119261": None,
    # Tesco asks for details by DM: not Apple's template
    "tw-119335": None,
    "tw-119303": None,
    "tw-119286": None,
    "tw-119288": None,
}
# Labelled replies the index gets wrong at DEFAULT_THRESHOLD (0.5 and 0.55 alike):
# one sentence of a three-sentence template scores too low to match (tw-119311
# scores 0.35, tw-119314 0.19, next to a personal aside).
TWITTER_KNOWN_MISSES = {"tw-119311", "tw-119314"}
# Against the evaluation catalog no brand reply should match, but Spotify's
# closer is nearly the catalog's own closer word for word.
TWITTER_KNOWN_FALSE_MATCHES = {"tw-119261": "thanks-closing"}

needs_sample = pytest.mark.skipif(
    not corpus.TWEETS.exists(), reason="the Twitter sample is not next to the checkout"
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return corpus.build_catalog()


@pytest.fixture(scope="module")
def index(catalog: Catalog) -> AnswerIndex:
    return AnswerIndex(catalog)


@pytest.fixture(scope="module")
def figures(index: AnswerIndex) -> corpus.Figures:
    return corpus.evaluate(index.match, corpus.corpus())


# -- the corpus ---------------------------------------------------------------------


def test_catalog_size_and_confusable_siblings(catalog: Catalog) -> None:
    ids = {a.id for a in catalog.answers}
    assert len(ids) == 210
    assert len({a.intent for a in catalog.answers}) == 42
    assert sum(1 for a in catalog.answers if a.version == 1 and a.id in corpus.OLDER) == 38
    topics = corpus.topic_of()
    assert topics["refund-window"] == topics["refund-method"] == "refunds"
    assert topics["delivery-times"] == topics["delivery-tracking"] == "delivery"
    # some answers share a sentence on purpose: quoting it alone is ambiguous
    lax = AnswerIndex(catalog, threshold=0.4)
    shared = lax.match("Sorry that an item is missing from your order.")
    assert shared is not None
    assert shared.answer.id in {"order-missing-item", "grocery-missing-item"}


def test_corpus_composition() -> None:
    replies = corpus.corpus()
    kinds = Counter(r.kind for r in replies)
    assert kinds["greeting"] == kinds["typos"] == kinds["mixed"] == 210
    assert (kinds["short"], kinds["figures"]) == (188, 96)
    assert (kinds["free"], kinds["same_words"], kinds["off_catalog"]) == (336, 168, 80)
    assert all((r.label is None) == (r.kind in corpus.NEGATIVE_KINDS) for r in replies)
    assert {r.label for r in replies if r.label} == set(corpus.answer_texts())


def test_corpus_is_seeded() -> None:
    assert corpus.corpus(7) == corpus.corpus(7)
    assert corpus.corpus(7) != corpus.corpus(8)
    assert corpus.positives(7, rounds=2)[: len(corpus.positives(7))] == corpus.positives(7)


def test_variants_by_example() -> None:
    rng = random.Random(1)
    text = corpus.answer_texts()["delivery-cost"]
    assert corpus.change_figures(text, rng) is not None
    assert corpus.change_figures("No figures here.", rng) is None
    assert corpus.shorten("Just one sentence.", rng) is None
    short = corpus.shorten(text, rng)
    assert short in corpus.sentences(text)
    dressed = corpus.with_greeting("Thanks for waiting.", random.Random(3))
    assert "Thanks for waiting." in dressed or "thanks for waiting." in dressed
    assert dressed != "Thanks for waiting."
    assert corpus.reorder("If it rains, we close early.", rng) == "We close early, if it rains."


answer_keys = st.sampled_from(
    sorted(corpus.answer_texts().items()) + sorted((k, v) for k, v in corpus.OLDER.items())
)


@settings(max_examples=150, deadline=None)
@given(answer=answer_keys, seed=st.integers(0, 2**32))
def test_variants_keep_their_shape(answer: tuple[str, str], seed: int) -> None:
    _, text = answer
    rng = random.Random(seed)
    for kind in corpus.POSITIVE_KINDS:
        changed = corpus.variant(kind, text, rng)
        if changed is None:
            continue
        assert changed != text
        if kind == "dropped_clause":
            assert len(changed.split()) >= 0.6 * len(text.split())
        elif kind == "short":
            assert changed in corpus.sentences(text)
        elif kind == "figures":
            before, after = re.findall(FIGURE, text), re.findall(FIGURE, changed)
            assert len(before) == len(after)
            assert all(a != b for a, b in zip(before, after, strict=True))
            assert re.sub(FIGURE, "#", changed) == re.sub(FIGURE, "#", text)
        elif kind == "reordered" and len(corpus.sentences(text)) > 1:
            assert sorted(corpus.sentences(changed)) == sorted(corpus.sentences(text))


# -- invariants of the matcher on this catalog ---------------------------------------


@settings(max_examples=120, deadline=None)
@given(answer=answer_keys, seed=st.integers(0, 2**32))
def test_greetings_order_and_figures_never_change_the_answer(
    index: AnswerIndex, answer: tuple[str, str], seed: int
) -> None:
    ident, text = answer
    ident = ident.split("@")[0]
    rng = random.Random(seed)
    original = index.match(text)
    assert original is not None
    assert original.answer.id == ident
    for kind in ("greeting", "reordered", "figures"):
        changed = corpus.variant(kind, text, rng)
        if changed is None:
            continue
        found = index.match(changed)
        if found is None and kind == "greeting":
            # A greeting and a sign-off around a one-sentence answer can take
            # it under the threshold (recall, measured above); never elsewhere.
            continue
        assert found is not None, (kind, changed)
        assert found.answer.id == ident, (kind, changed, found.answer.key)
        if kind == "figures":  # figures are dropped before scoring
            assert found.score == pytest.approx(original.score)


# -- the figures at the default threshold -------------------------------------------


def test_default_threshold_has_measured_figures() -> None:
    assert DEFAULT_THRESHOLD in MEASURED, (
        f"measure threshold {DEFAULT_THRESHOLD} with benchmarks/matching.py and pin it here"
    )


def test_precision_at_default_threshold(figures: corpus.Figures) -> None:
    want = MEASURED[DEFAULT_THRESHOLD]
    assert (figures.positives, figures.negatives) == (1487, 752)
    assert figures.precision >= want["precision"] - PRECISION_MARGIN
    assert figures.wrong_answer <= want["wrong_answer"] + 2
    assert figures.false_match_rate <= want["false_match_rate"] + FALSE_MATCH_MARGIN


def test_recall_at_default_threshold(figures: corpus.Figures) -> None:
    want = MEASURED[DEFAULT_THRESHOLD]
    assert figures.recall >= want["recall"] - RECALL_MARGIN
    for kind in corpus.POSITIVE_KINDS:
        assert figures.recall_by_kind[kind] >= want[kind] - KIND_MARGIN, kind


def test_only_replies_reusing_answer_wording_are_falsely_matched(index: AnswerIndex) -> None:
    negatives = corpus.negatives()
    wrong = corpus.misses(index.match, negatives)
    assert {reply.kind for reply, _ in wrong} <= {"same_words"}
    assert len({reply.text for reply, _ in wrong}) <= 3


def test_the_evaluation_counts_what_it_says() -> None:
    catalog = Catalog.from_dict(
        {
            "answers": [
                {"id": "a", "intent": "x", "text": "Refunds go back to the card you paid with."},
                {"id": "b", "intent": "y", "text": "Standard delivery takes three working days."},
            ]
        }
    )
    replies = [
        corpus.Reply("Refunds go back to the card you paid with!", "a", "greeting", "a@1"),
        corpus.Reply("Standard delivery takes three working days.", "a", "short", "a@1"),
        corpus.Reply("Is the store open?", "b", "typos", "b@1"),
        corpus.Reply("Standard delivery takes three working days, sorry.", None, "free", "t"),
        corpus.Reply("The store is open.", None, "free", "t"),
    ]
    got = corpus.evaluate(AnswerIndex(catalog).match, replies)
    assert (got.positives, got.negatives, got.matched) == (3, 2, 3)
    assert (got.correct, got.wrong_answer, got.false_matches) == (1, 1, 1)
    assert got.precision == pytest.approx(1 / 3)
    assert got.recall == pytest.approx(1 / 3)
    assert got.false_match_rate == pytest.approx(1 / 2)
    assert got.balanced_precision == pytest.approx((1 / 3) / (1 / 3 + 1 / 3 + 1 / 2))
    assert got.recall_by_kind == {"greeting": 1.0, "typos": 0.0, "short": 0.0}
    assert got.false_match_by_kind == {"free": 0.5}


def test_a_careless_matcher_fails_the_pinned_precision(catalog: Catalog) -> None:
    first = catalog.answers[0]

    def always(text: str) -> Match | None:
        return Match(answer=first, score=1.0)

    got = corpus.evaluate(always, corpus.corpus())
    assert got.precision < MEASURED[DEFAULT_THRESHOLD]["precision"] - PRECISION_MARGIN
    assert got.false_match_rate == 1.0


# -- real replies ---------------------------------------------------------------------


@needs_sample
def test_twitter_labels_cover_every_brand_reply() -> None:
    assert {r.source for r in corpus.twitter_replies()} == set(TWITTER_LABELS)


@needs_sample
def test_twitter_templates_match_the_hand_labels() -> None:
    index = AnswerIndex(Catalog.from_dict(corpus.twitter_catalog_data()))
    disagreements = {}
    for reply in corpus.twitter_replies():
        found = index.match(reply.text)
        got = found.answer.key if found is not None else None
        if got != TWITTER_LABELS[reply.source]:
            disagreements[reply.source] = got
    assert disagreements == dict.fromkeys(TWITTER_KNOWN_MISSES)


@needs_sample
def test_twitter_replies_against_the_evaluation_catalog(index: AnswerIndex) -> None:
    found = {}
    for reply in corpus.twitter_replies():
        match = index.match(reply.text)
        if match is not None:
            found[reply.source] = match.answer.id
    assert found == TWITTER_KNOWN_FALSE_MATCHES
