"""Measuring and reporting helpers the benchmark scripts share: process
memory (peak and current RSS, Linux's resettable ``VmHWM``) and the plain-text
table of figures with targets and verdicts."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]


def rss_peak_bytes() -> int | None:
    if resource is None:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def rss_now_bytes() -> int | None:
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return None


def reset_peak_rss() -> bool:
    """Reset this process's peak-RSS mark (``VmHWM``; Linux 4.0+). ``ru_maxrss``
    cannot be reset, and a child inherits its parent's."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


def vm_hwm_bytes() -> int | None:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


@dataclass
class Row:
    metric: str
    value: str
    target: str = ""
    verdict: str = ""


def mb(n: int | None) -> str:
    return "n/a" if n is None else f"{n / 2**20:,.1f} MB"


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f} /s" if seconds > 0 else "inf"


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def print_table(
    title: str, header: Sequence[str], sections: Sequence[tuple[str, list[Row]]]
) -> None:
    widths = [
        max([len("metric")] + [len(r.metric) for _, rows in sections for r in rows]),
        max([len("value")] + [len(r.value) for _, rows in sections for r in rows]),
        max([len("target")] + [len(r.target) for _, rows in sections for r in rows]),
    ]
    line = "-" * (sum(widths) + 6 + 8)
    print(title)
    for h in header:
        print(f"  {h}")
    print(line)
    print(f"{'metric':<{widths[0]}}  {'value':<{widths[1]}}  {'target':<{widths[2]}}  verdict")
    for name, rows in sections:
        print(line)
        print(f"[{name}]")
        for r in rows:
            print(
                f"{r.metric:<{widths[0]}}  {r.value:<{widths[1]}}  "
                f"{r.target:<{widths[2]}}  {r.verdict}".rstrip()
            )
    print(line)
