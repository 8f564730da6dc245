"""Matching benchmark: how precisely ``AnswerIndex`` finds the answer a reply was written from.

Run from the project root::

    .venv/bin/python benchmarks/matching.py            # 3 replies per answer and kind
    .venv/bin/python benchmarks/matching.py --quick    # 1 (the corpus the tests pin)
    .venv/bin/python benchmarks/matching.py --rounds 5 --seed 3

The input, seeded: the labelled corpus of ``tests/quality/matching_corpus.py``.
A retailer's catalog of 210 answers over 42 topics (shop, groceries, mobile,
broadband, credit card, insurance, travel money, services), siblings sharing
wording on purpose, 38 ids with an older version. Positives: each answer quoted
as agents quote it, ``--rounds`` times per kind (a greeting and sign-off, a
clause dropped, sentences reordered, synonyms, figures changed, typos, one
sentence only, and several of these at once). Negatives, each as written and
with a greeting: replies written freely on a catalog topic, replies on one
customer's case in the words of the topic's answers (the hardest), templated
replies on the topic's nouns, replies off the catalog; and the 44 brand replies
of the Customer Support on Twitter sample (``../shared/data/twcs_sample.csv``,
read in place; skipped when absent), which used no answer of this catalog.

Figures, at each threshold from 0.30 to 0.80 by 0.05:

* precision: of the replies matched, the share matched to the right answer id,
  at the corpus's mix (positives outnumber negatives about four to one) and at
  a 1:1 mix (as many negatives as positives, the figure the recommendation
  uses);
* recall: of the positives, the share matched to the right id, overall and per
  kind of change; wrong answers: positives matched to another id;
* false-match rate: of the negatives, the share matched to anything, per kind;
* Twitter templates: a catalog of the templates brands of the sample did use
  (Apple's "Send us a DM" in two versions, Tesco's Think 25) against the hand
  labels of ``tests/quality/test_matching_precision.py``: replies labelled
  right, of 44.

The recommended threshold is the lowest at which no positive goes to a wrong
answer and precision at a 1:1 mix reaches the target: a false match makes a
false finding in the consistency audit, which costs more trust than a missed
one. Nothing here asserts; the tests pin the figures at the default threshold.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from _report import Row, machine, print_table, verdict

from omnicontext.quality.catalog import Catalog
from omnicontext.quality.matching import DEFAULT_THRESHOLD, AnswerIndex

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "quality" / "matching_corpus.py"
LABELS = ROOT / "tests" / "quality" / "test_matching_precision.py"
THRESHOLDS = tuple(round(0.30 + 0.05 * i, 2) for i in range(11))
PRECISION_TARGET = 0.998
"""Precision at a 1:1 mix the recommended threshold must reach (at most one
false or wrong match in 500 matches)."""
DEFAULT_ROUNDS = 3


def _corpus() -> ModuleType:
    """The corpus generator the tests use (a plain module under ``tests/``)."""
    name = "omnicontext_matching_corpus"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, CORPUS)
    if spec is None or spec.loader is None:  # pragma: no cover
        raise RuntimeError(f"cannot load {CORPUS}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def twitter_labels() -> dict[str, str | None]:
    """The hand labels of the Twitter sample, read from the test module's
    ``TWITTER_LABELS`` (without importing the test module)."""
    tree = ast.parse(LABELS.read_text(encoding="utf-8"))
    for node in tree.body:
        target: ast.expr
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id == "TWITTER_LABELS":
            labels: dict[str, str | None] = ast.literal_eval(value)
            return labels
    raise RuntimeError(f"no TWITTER_LABELS in {LABELS}")


def measure(*, seed: int, rounds: int, thresholds: Sequence[float] = THRESHOLDS) -> dict[str, Any]:
    """The figures at each threshold.

    Returns ``{"rows": [...], "positives", "negatives", "twitter", "answers",
    "topics", "seconds"}``; each row has ``threshold``, ``precision``,
    ``balanced_precision``, ``recall``, ``wrong_answer``, ``false_matches``,
    ``false_match_rate``, ``recall_by_kind``, ``false_match_by_kind`` and
    ``twitter_agree`` (hand labels matched, or ``None`` without the sample).
    """
    corpus = _corpus()
    catalog = corpus.build_catalog()
    replies = corpus.corpus(seed, rounds=rounds)
    tweets = corpus.twitter_replies() if corpus.TWEETS.exists() else []
    labels = twitter_labels() if tweets else {}
    templates = Catalog.from_dict(corpus.twitter_catalog_data())
    started = time.perf_counter()
    rows = []
    for threshold in thresholds:
        figures = corpus.evaluate(
            AnswerIndex(catalog, threshold=threshold).match, replies + tweets
        )
        agree = None
        if tweets:
            index = AnswerIndex(templates, threshold=threshold)
            agree = 0
            for reply in tweets:
                found = index.match(reply.text)
                agree += (found.answer.key if found else None) == labels.get(reply.source)
        rows.append(
            {
                "threshold": threshold,
                "precision": figures.precision,
                "balanced_precision": figures.balanced_precision,
                "recall": figures.recall,
                "wrong_answer": figures.wrong_answer,
                "false_matches": figures.false_matches,
                "false_match_rate": figures.false_match_rate,
                "recall_by_kind": figures.recall_by_kind,
                "false_match_by_kind": figures.false_match_by_kind,
                "twitter_agree": agree,
            }
        )
    return {
        "rows": rows,
        "positives": figures.positives,
        "negatives": figures.negatives,
        "twitter": len(tweets),
        "answers": len({a.id for a in catalog.answers}),
        "versions": len(catalog.answers),
        "topics": len(corpus.TOPICS),
        "seconds": time.perf_counter() - started,
    }


def recommend(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The lowest threshold with no wrong answer and precision at a 1:1 mix
    of at least :data:`PRECISION_TARGET`; else the most precise."""
    for row in rows:
        if row["wrong_answer"] == 0 and row["balanced_precision"] >= PRECISION_TARGET:
            return row
    return max(rows, key=lambda r: (r["balanced_precision"], r["recall"]))


_KIND_HEADS = {
    "greeting": "greet",
    "dropped_clause": "drop",
    "reordered": "reord",
    "synonyms": "syn",
    "figures": "fig",
    "typos": "typo",
    "short": "short",
    "mixed": "mixed",
}
_NEGATIVE_HEADS = {
    "free": "free",
    "same_words": "same",
    "templated": "tmpl",
    "off_catalog": "off",
    "twitter": "tw",
}


def print_sweep(rows: Sequence[dict[str, Any]], twitter: int) -> None:
    """The threshold sweep as a plain table: precision, recall by kind (%),
    false-match rate by kind of negative (%)."""
    heads = ["thr", "prec", "prec1:1", "recall", "wrong"]
    heads += list(_KIND_HEADS.values())
    heads += [f"fm:{h}" for h in _NEGATIVE_HEADS.values()]
    heads.append("tw labels")
    lines = []
    for row in rows:
        cells = [
            f"{row['threshold']:.2f}",
            f"{row['precision']:.4f}",
            f"{row['balanced_precision']:.4f}",
            f"{row['recall']:.3f}",
            str(row["wrong_answer"]),
        ]
        cells += [f"{100 * row['recall_by_kind'].get(k, 0):.0f}" for k in _KIND_HEADS]
        cells += [
            f"{100 * row['false_match_by_kind'][k]:.1f}"
            if k in row["false_match_by_kind"]
            else "-"
            for k in _NEGATIVE_HEADS
        ]
        agree = row["twitter_agree"]
        cells.append("-" if agree is None else f"{agree}/{twitter}")
        lines.append(cells)
    widths = [max(len(h), *(len(c[i]) for c in lines)) for i, h in enumerate(heads)]
    print("  ".join(h.rjust(w) for h, w in zip(heads, widths, strict=True)))
    for cells in lines:
        print("  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True)))


def _rows_at(row: dict[str, Any], twitter: int, *, targets: bool) -> list[Row]:
    out = [
        Row(
            "precision, 1:1 mix",
            f"{row['balanced_precision']:.4f}",
            f">= {PRECISION_TARGET}" if targets else "",
            verdict(row["balanced_precision"] >= PRECISION_TARGET) if targets else "",
        ),
        Row("precision, corpus mix", f"{row['precision']:.4f}"),
        Row("recall", f"{row['recall']:.3f}"),
        Row(
            "positives matched to a wrong answer",
            str(row["wrong_answer"]),
            "0" if targets else "",
            verdict(row["wrong_answer"] == 0) if targets else "",
        ),
        Row(
            "false-match rate on negatives",
            f"{100 * row['false_match_rate']:.2f}% ({row['false_matches']})",
        ),
    ]
    for kind, value in row["recall_by_kind"].items():
        out.append(Row(f"recall: {kind}", f"{value:.3f}"))
    for kind, value in row["false_match_by_kind"].items():
        out.append(Row(f"false matches: {kind}", f"{100 * value:.2f}%"))
    if row["twitter_agree"] is not None:
        out.append(
            Row("Twitter templates: hand labels agreed", f"{row['twitter_agree']}/{twitter}")
        )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--rounds",
        type=int,
        default=None,
        help=f"replies per answer and kind (default {DEFAULT_ROUNDS})",
    )
    parser.add_argument("--quick", action="store_true", help="1 reply per answer and kind")
    parser.add_argument("--seed", type=int, default=None, help="default: the corpus's own")
    args = parser.parse_args(argv)
    corpus = _corpus()
    seed = corpus.DEFAULT_SEED if args.seed is None else args.seed
    rounds = max(1, args.rounds or (1 if args.quick else DEFAULT_ROUNDS))
    figures = measure(seed=seed, rounds=rounds)
    rows = figures["rows"]
    best = recommend(rows)
    default = next((r for r in rows if abs(r["threshold"] - DEFAULT_THRESHOLD) < 1e-9), None)
    twitter = figures["twitter"]
    print("omnicontext answer matching: threshold sweep")
    print(
        f"  recall and false matches in %; fm:same = replies in the words of an answer's "
        f"topic, fm:tw = the {twitter} Twitter brand replies against this catalog; "
        f"tw labels = Twitter templates vs hand labels"
    )
    print_sweep(rows, twitter)
    print()
    header = [
        f"catalog: {figures['answers']} answers ({figures['versions']} versions) over "
        f"{figures['topics']} topics; seed {seed}, {rounds} round(s): "
        f"{figures['positives']:,} positives, {figures['negatives']:,} negatives "
        f"({twitter} of them real Twitter brand replies)",
        f"recommended threshold: the lowest with no wrong answer and precision (1:1 mix) "
        f">= {PRECISION_TARGET}: {best['threshold']:.2f} (default {DEFAULT_THRESHOLD})",
        machine(("omnicontext",)),
        f"scoring every reply at {len(rows)} thresholds took {figures['seconds']:,.1f} s",
    ]
    sections = [
        (f"at {best['threshold']:.2f} (recommended)", _rows_at(best, twitter, targets=True))
    ]
    if default is not None and default is not best:
        sections.append(
            (f"at {DEFAULT_THRESHOLD} (default)", _rows_at(default, twitter, targets=True))
        )
    print_table("omnicontext matching benchmark", header, sections)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
