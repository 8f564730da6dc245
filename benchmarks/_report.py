"""Measuring and reporting helpers the benchmark scripts share: process
memory (peak and current RSS, Linux's resettable ``VmHWM``), running a side
in a fresh interpreter, a line about the machine, and the plain-text table of
figures with targets and verdicts."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any

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


def run_child(script: str, args: Sequence[str], *, timeout: float) -> dict[str, Any]:
    """``script`` in a fresh interpreter with ``args``; its last stdout line is JSON.

    A failed child comes back as ``{"error": ..., "stderr": ...}``."""
    proc = subprocess.run(
        [sys.executable, script, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines() or ["(no output)"]
        return {
            "error": f"child failed (exit {proc.returncode}): {lines[-1]}",
            "stderr": "\n".join(lines[-25:]),
        }
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def machine(packages: Sequence[str]) -> str:
    """Python, the versions of ``packages``, the processor, cores, system and load."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions = []
    for name in packages:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} not installed")
    load = " ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (
        f"python {platform.python_version()}; {'; '.join(versions)}; {cpu}; "
        f"cpus {os.cpu_count()}; {platform.system()} {platform.release()}; load average {load}"
    )
