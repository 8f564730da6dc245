"""Redaction benchmark: ``omnicontext.handoff.redaction`` on generated chat traffic.

Run from the project root::

    .venv/bin/python benchmarks/redaction.py            # 10 MB of chat lines
    .venv/bin/python benchmarks/redaction.py --quick    # 1 MB
    .venv/bin/python benchmarks/redaction.py --size-mb 20

The input, seeded: chat lines from the redaction corpus generator
(``tests/handoff/redaction_corpus.py``, :func:`chat_lines`), about 53 bytes a
line, 3% of them carrying personal data (e-mail addresses, phone numbers,
card numbers, IBANs in the corpus's varied formats, with order numbers,
dates, amounts and tracking codes beside them); of the rest, about one clause
in seven holds a date, an amount, an order number or a tracking code, so the
digit-heavy paths are exercised too.

Figures, with ``default_redactor()`` (built-in recognisers, default phone
regions), each pass repeated ``--repeat`` times (3) and the fastest counted:

* redact, per message: ``redact(line)`` for every line, MB/s of UTF-8 input;
* find only, per message: ``find(line)`` for every line;
* redact, one document: ``redact`` of all lines joined by newlines, once;
* per message: each ``redact(line)`` timed alone, p50 / p95 / p99 in µs
  (a timer call costs well under a microsecond here).

:func:`measure` returns the figures as a dict, for other benchmark scripts.
Nothing here asserts on speed.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

from _report import Row, machine, print_table

from omnicontext.handoff.redaction import default_redactor

DEFAULT_SIZE_MB = 10.0
QUICK_SIZE_MB = 1.0
PERSONAL_SHARE = 0.03
SEED = 7
CORPUS = Path(__file__).resolve().parent.parent / "tests" / "handoff" / "redaction_corpus.py"


def _corpus() -> ModuleType:
    """The corpus generator the tests use (a plain module under ``tests/``)."""
    name = "omnicontext_redaction_corpus"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, CORPUS)
    if spec is None or spec.loader is None:  # pragma: no cover
        raise RuntimeError(f"cannot load {CORPUS}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _percentile(sorted_values: Sequence[float], q: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def measure(size_mb: float, *, repeat: int = 3, seed: int = SEED) -> dict[str, float]:
    """Redaction figures on ``size_mb`` MB of generated chat lines.

    Keys: ``size_mb``, ``lines``, ``lines_with_personal_data``, ``spans``,
    ``redact_mb_s`` and ``find_mb_s`` (one call per line), ``document_mb_s``
    (one call for all lines joined), ``message_us_p50``, ``message_us_p95``,
    ``message_us_p99`` (one ``redact`` call per line, timed alone).
    """
    lines: list[str] = _corpus().chat_lines(int(size_mb * 2**20), share=PERSONAL_SHARE, seed=seed)
    document = "\n".join(lines)
    megabytes = len(document.encode()) / 2**20
    redactor = default_redactor()
    redact, find = redactor.redact, redactor.find

    def best(run: Callable[[], object]) -> float:
        times = []
        for _ in range(max(1, repeat)):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        return min(times)

    spans = sum(len(find(line)) for line in lines)  # also warms the caches
    with_data = sum(1 for line in lines if find(line))
    redact_s = best(lambda: [redact(line) for line in lines])
    find_s = best(lambda: [find(line) for line in lines])
    document_s = best(lambda: redact(document))
    clock = time.perf_counter_ns
    per_message: list[float] = []
    for line in lines:
        start = clock()
        redact(line)
        per_message.append((clock() - start) / 1000)
    per_message.sort()
    return {
        "size_mb": megabytes,
        "lines": float(len(lines)),
        "lines_with_personal_data": float(with_data),
        "spans": float(spans),
        "redact_mb_s": megabytes / redact_s,
        "find_mb_s": megabytes / find_s,
        "document_mb_s": megabytes / document_s,
        "message_us_p50": _percentile(per_message, 0.50),
        "message_us_p95": _percentile(per_message, 0.95),
        "message_us_p99": _percentile(per_message, 0.99),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--size-mb",
        type=float,
        default=None,
        help=f"MB of chat lines (default {DEFAULT_SIZE_MB:g})",
    )
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SIZE_MB:g} MB")
    parser.add_argument("--repeat", type=int, default=3, help="passes per figure; the best counts")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    size = args.size_mb or (QUICK_SIZE_MB if args.quick else DEFAULT_SIZE_MB)
    started = time.perf_counter()
    figures = measure(size, repeat=args.repeat, seed=args.seed)
    total = time.perf_counter() - started
    header = [
        f"{figures['size_mb']:,.1f} MB of chat lines, seed {args.seed}: {figures['lines']:,.0f} "
        f"lines, {figures['lines_with_personal_data']:,.0f} with personal data "
        f"({figures['spans']:,.0f} spans)",
        "default_redactor(): e-mail, IBAN, card, phone (regions GB US DE FR IN AU)",
        machine(("omnicontext", "phonenumbers")),
        f"passes per figure: {args.repeat} (the fastest counts); whole benchmark {total:,.1f} s",
    ]
    sections = [
        (
            "throughput",
            [
                Row("redact, one call per message", f"{figures['redact_mb_s']:,.2f} MB/s"),
                Row("find only, one call per message", f"{figures['find_mb_s']:,.2f} MB/s"),
                Row(
                    "redact, one call for the whole text", f"{figures['document_mb_s']:,.2f} MB/s"
                ),
            ],
        ),
        (
            "per message (redact)",
            [
                Row("p50", f"{figures['message_us_p50']:,.1f} µs"),
                Row("p95", f"{figures['message_us_p95']:,.1f} µs"),
                Row("p99", f"{figures['message_us_p99']:,.1f} µs"),
            ],
        ),
    ]
    print_table("omnicontext redaction benchmark", header, sections)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
