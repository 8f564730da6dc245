"""The HTML dashboard: the page's content and escaping, and what a real browser shows.

The browser test runs Chromium headless on the rendered file, reads the DOM it
parsed, and decodes its screenshot with the standard library to check that
the status colours are really on screen.
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from omnicontext.errors import OmnicontextError
from omnicontext.kpi import html as kpi_html

HAS_EXTRA = all(importlib.util.find_spec(name) for name in ("jinja2", "matplotlib"))
needs_extra = pytest.mark.skipif(
    not HAS_EXTRA,
    reason="the dashboard extra is not installed: pip install 'omnicontext[dashboard]'",
)

# --------------------------------------------------------------------------- fixture

LONG_NAME = "in_person_store_visits_north_west_region_flagship_branch"
NASTY_NAME = '<script>alert("x")</script> Partners & "VIP" $$ desk'
CHANNELS = ("chat", "email", "phone", "whatsapp", "sms", "social_public", LONG_NAME, NASTY_NAME)

# metric: (label, unit, target, higher is better)
METRICS: dict[str, tuple[str, str, float | None, bool]] = {
    "csat": ("CSAT", "%", 85.0, True),
    "nps": ("NPS", "points", 30.0, True),
    "first_response_time": ("First response", "s", 3600.0, False),
    "resolution_time": ("Resolution", "s", 86400.0, False),
    "fcr": ("First-contact resolution", "%", 70.0, True),
    "reopen_rate": ("Reopen rate", "%", 5.0, False),
    "aht": ("Handle time", "s", 600.0, False),
    "service_level": ("Service level", "%", 80.0, True),
    "abandonment_rate": ("Abandonment", "%", 5.0, False),
    "sla_compliance": ("SLA compliance", "%", 95.0, True),
    "channel_switch_rate": ("Channel switching", "%", 10.0, False),
    "repeat_contact_rate": ("Repeat contact", "%", 15.0, False),
    "volume": ("Volume", "cases", None, True),
    "occupancy": ("Occupancy", "%", 85.0, False),
}
OVERALL: dict[str, float | None] = {
    "csat": 86.0,
    "nps": None,
    "first_response_time": 4 * 3600 + 5 * 60,
    "resolution_time": 20 * 3600,
    "fcr": 66.5,
    "reopen_rate": 3.1,
    "aht": 11 * 60,
    "service_level": 62.0,
    "abandonment_rate": 4.2,
    "sla_compliance": 97.5,
    "channel_switch_rate": 10.6,
    "repeat_contact_rate": 22.0,
    "volume": 4812,
    "occupancy": 78.0,
}


def duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def show(metric: str, value: float | None) -> str:
    unit = METRICS[metric][1]
    if value is None:
        return "\u2014"
    if unit == "s":
        return duration(value)
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "points":
        return f"{value:+.0f}"
    return f"{value:,.0f}"


def target_display(metric: str) -> str | None:
    _, unit, target, higher = METRICS[metric]
    if target is None:
        return None
    sign = "\u2265" if higher else "\u2264"
    text = duration(target) if unit == "s" else f"{target:g}" + ("%" if unit == "%" else "")
    return f"{sign} {text}"


def status(metric: str, value: float | None) -> str:
    _, _, target, higher = METRICS[metric]
    if value is None or target is None:
        return "none"
    gap = (target - value) / target if higher else (value - target) / target
    return "green" if gap <= 0 else "amber" if gap <= 0.1 else "red"


def tile(metric: str, value: float | None, n: int) -> dict[str, Any]:
    label, unit, _, _ = METRICS[metric]
    return {
        "metric": metric,
        "label": label,
        "status": status(metric, value),
        "display": show(metric, value),
        "value": value,
        "n": n if value is not None else 0,
        "unit": unit,
        "target_display": target_display(metric),
    }


def wobble(metric: str, base: float, seed: int) -> float:
    """A deterministic value near ``base``, different for every seed."""
    spread = 0.35 if METRICS[metric][1] != "%" else 0.12
    value = base * (1 + spread * math.sin(seed * 1.7 + len(metric)))
    return min(value, 100.0) if METRICS[metric][1] == "%" else value


def drift(metric: str, base: float, day: int) -> float:
    """A deterministic daily value near ``base``: a weekly cycle and a slow drift."""
    spread = 0.06 if METRICS[metric][1] == "%" else 0.25
    weekly = math.sin(2 * math.pi * day / 7)
    slow = math.sin(day / 9 + len(metric))
    value = base * (1 + spread * (0.6 * weekly + 0.8 * slow))
    return min(value, 100.0) if METRICS[metric][1] == "%" else value


def scorecard(*, days: int = 60, channels: tuple[str, ...] = CHANNELS) -> dict[str, Any]:
    """A realistic ``Scorecard.to_dict()``: 14 metrics, the given channels, a daily trend."""
    by_channel: dict[str, list[dict[str, Any]]] = {}
    for i, name in enumerate(channels):
        wanted = ("volume", "csat") if name == "sms" else tuple(METRICS)
        tiles = []
        for metric in wanted:
            base = OVERALL[metric]
            value = None if base is None else wobble(metric, base, i + 1)
            if metric == "volume" and value is not None:
                value = float(round(value / 4))
            tiles.append(tile(metric, value, 40 + 37 * i))
        by_channel[name] = tiles
    start = date(2026, 1, 5)
    rows = []
    for d in range(days):
        tiles = []
        for metric, base in OVERALL.items():
            value = (
                None
                if base is None and d % 7 in (5, 6)
                else drift(metric, base if base is not None else 24.0, d)
            )
            if metric == "volume" and value is not None:
                value = float(round(value / days))
            tiles.append(tile(metric, value, 20 + d))
        rows.append({"period": (start + timedelta(days=d)).isoformat(), "tiles": tiles})
    return {
        "title": "Support scorecard",
        "period": {
            "start": "2026-01-05T00:00:00+00:00",
            "end": (start + timedelta(days=days)).isoformat() + "T00:00:00+00:00",
            "time_zone": "Europe/London",
            "time": "business",
        },
        "overall": [tile(metric, value, 4812) for metric, value in OVERALL.items()],
        "by_channel": by_channel,
        "trend": {"period": "day", "rows": rows},
        "root_causes": [
            {
                "slice": "channel",
                "key": "phone",
                "metric": "first_response_time",
                "label": "First response",
                "display": "2 h 10 min",
                "target_display": "\u2264 1 h",
                "status": "red",
                "gap": 1.17,
                "n": 120,
            },
            {
                "slice": "channel",
                "key": NASTY_NAME,
                "metric": "service_level",
                "label": "Service level",
                "display": "48.0%",
                "target_display": "\u2265 80%",
                "status": "red",
                "gap": 0.4,
                "n": 120,
            },
            {
                "slice": "channel",
                "key": "email",
                "metric": "repeat_contact_rate",
                "label": "Repeat contact",
                "display": "19.5%",
                "target_display": "\u2264 15%",
                "status": "red",
                "gap": 0.3,
                "n": 120,
            },
            {
                "slice": "queue",
                "key": "billing",
                "metric": "fcr",
                "label": "First-contact resolution",
                "display": "66.5%",
                "target_display": "\u2265 70%",
                "status": "amber",
                "gap": 0.05,
                "n": 120,
            },
        ],
    }


def escape(text: str) -> str:
    """``text`` as the page's templates escape it."""
    import markupsafe

    return str(markupsafe.escape(text))


@pytest.fixture(scope="module")
def page() -> str:
    if not HAS_EXTRA:
        pytest.skip("the dashboard extra is not installed: pip install 'omnicontext[dashboard]'")
    return kpi_html.render_html(scorecard())


# --------------------------------------------------------------------------- without a browser


@pytest.mark.parametrize("library", ["jinja2", "matplotlib"])
def test_missing_extra_names_the_extra(monkeypatch: pytest.MonkeyPatch, library: str) -> None:
    monkeypatch.setitem(sys.modules, library, None)
    with pytest.raises(OmnicontextError, match=re.escape("pip install 'omnicontext[dashboard]'")):
        kpi_html.render_html(scorecard(days=2))


@needs_extra
def test_names_are_escaped(page: str) -> None:
    assert "<script" not in page
    assert page.count(escape(NASTY_NAME)) == 3  # two tables and the root causes
    other = kpi_html.render_html(scorecard(days=0), title="Q1 <draft> & co")
    assert "<title>Q1 &lt;draft&gt; &amp; co</title>" in other
    assert "<h1>Q1 &lt;draft&gt; &amp; co</h1>" in other


@needs_extra
def test_every_channel_has_a_row(page: str) -> None:
    # 14 metrics do not fit one table's width: two tables, each with every channel.
    tables = page.count('<table class="effectiveness">')
    assert tables == 2
    rows = re.findall(r'<tr class="channel-row"><th scope="row">(.*?)</th>(.*?)</tr>', page)
    assert [name for name, _ in rows] == [escape(name) for name in CHANNELS] * tables
    # sms has two metrics; its other cells say there is nothing.
    sms = "".join(cells for name, cells in rows if name == "sms")
    assert sms.count('class="cell ') == 2
    assert sms.count('class="missing"') == len(METRICS) - 2


@needs_extra
def test_tiles_show_status_target_and_n(page: str) -> None:
    tiles = re.findall(r'<article class="tile s-(\w+)" data-metric="(\w+)"', page)
    assert [metric for _, metric in tiles] == list(OVERALL)
    assert {s for s, _ in tiles} == {"green", "amber", "red", "none"}
    csat = page.split('data-metric="csat"', 1)[1].split("</article>", 1)[0]
    assert "86.0%" in csat
    assert "On target" in csat
    assert "Target \u2265 85%" in csat
    assert "n = 4,812" in csat


@needs_extra
def test_tile_without_value_says_no_data(page: str) -> None:
    nps = page.split('data-metric="nps"', 1)[1].split("</article>", 1)[0]
    assert "No data" in nps
    assert "\u2014" in nps
    volume = page.split('data-metric="volume"', 1)[1].split("</article>", 1)[0]
    assert "No target" in volume
    assert "No target set" in volume


@needs_extra
def test_header_gives_period_time_zone_and_status_counts(page: str) -> None:
    header = page.split("<header", 1)[1].split("</header>", 1)[0]
    assert "5 Jan 2026 \u2013 6 Mar 2026" in header
    assert "Time zone Europe/London" in header
    assert "Durations in business hours" in header
    counts = dict(re.findall(r"</svg>([A-Za-z ]+)</span><b>(\d+)</b>", header))
    assert counts == {"On target": "6", "Near target": "3", "Off target": "3", "No target": "2"}


@needs_extra
def test_week_periods_and_names_the_chart_font_lacks() -> None:
    name = "\u96fb\u8a71 \U0001f4de"  # Japanese for telephone, and an emoji
    card = scorecard(days=6, channels=("chat", name))
    card["trend"]["period"] = "week"
    for i, row in enumerate(card["trend"]["rows"]):
        row["period"] = f"2026-W{i + 2:02d}"
    page = kpi_html.render_html(card)  # a missing glyph would warn, and warnings fail here
    assert f'<th scope="row">{name}</th>' in page
    trend = page.split('<section id="trend"', 1)[1].split("</section>", 1)[0]
    assert "Trend by week" in trend
    assert trend.count('<svg class="chart"') == len(METRICS)


@needs_extra
def test_empty_trend_is_skipped() -> None:
    page = kpi_html.render_html(scorecard(days=0))
    trend = page.split('<section id="trend"', 1)[1].split("</section>", 1)[0]
    assert "No trend data for this period." in trend
    assert "<svg" not in trend


@needs_extra
def test_minimal_scorecard_renders() -> None:
    page = kpi_html.render_html({})
    assert "<h1>Support scorecard</h1>" in page
    assert "No overall metrics" in page
    assert "No per-channel metrics" in page
    assert "No slice is off target." in page


@needs_extra
def test_page_is_standalone(page: str) -> None:
    for needle in ("<script", "<link", "<img", "@import", "src=", 'href="http', "url(http"):
        assert needle not in page
    # Every in-page reference (glyphs, markers, clip paths, icons) has its target.
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    refs = set(re.findall(r'href="#([^"]+)"', page)) | set(re.findall(r"url\(#([^)]+)\)", page))
    assert refs <= set(ids)


@needs_extra
def test_page_size_for_eight_channels_and_sixty_days(page: str) -> None:
    assert len(page.encode()) < 500_000


@needs_extra
def test_same_input_same_page(page: str) -> None:
    assert kpi_html.render_html(scorecard()) == page


@needs_extra
def test_matplotlib_settings_are_left_alone() -> None:
    import matplotlib

    before = dict(matplotlib.rcParams)
    kpi_html.render_html(scorecard(days=3))
    assert dict(matplotlib.rcParams) == before


# --------------------------------------------------------------------------- in Chromium


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        # CI installs Chromium (.ci/run): there the page must really be looked at.
        pytest.fail("Chromium is not installed, and CI must check the dashboard in a browser")
    pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")


def run_chromium(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--force-color-profile=srgb",
        f"--user-data-dir={profile}",
        "--hide-scrollbars",
        "--window-size=1280,2000",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=True)


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of 8-bit RGB or RGBA pixels of a non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat = 8, bytearray()
    width = height = channels = 0
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert (depth, interlace) == (8, 0)
            channels = {2: 3, 6: 4}[colour]
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    raw = zlib.decompress(bytes(idat))
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        method, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if method == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif method == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif method == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif method == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = previous[i]
                c = previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def colour_counts(rows: list[bytes], channels: int) -> Counter[tuple[int, int, int]]:
    counts: Counter[tuple[int, int, int]] = Counter()
    for row in rows:
        counts.update(zip(row[0::channels], row[1::channels], row[2::channels], strict=True))
    return counts


def rgb(hex_colour: str) -> tuple[int, int, int]:
    value = int(hex_colour.lstrip("#"), 16)
    return (value >> 16, (value >> 8) & 0xFF, value & 0xFF)


@needs_extra
def test_chromium_renders_tiles_charts_and_colours(page: str, tmp_path: Path) -> None:
    browser = chromium()
    card = scorecard()
    target = tmp_path / "dashboard.html"
    target.write_text(page, encoding="utf-8")
    url = target.resolve().as_uri()

    dom = run_chromium(browser, tmp_path / "profile-dom", "--dump-dom", url).stdout
    assert len(re.findall(r'<article class="tile s-', dom)) == len(card["overall"])
    assert len(re.findall(r'<tr class="channel-row">', dom)) == 2 * len(CHANNELS)
    assert len(re.findall(r'<tr class="cause-row">', dom)) == len(card["root_causes"])
    channel = dom.split('<section id="channels"', 1)[1].split("</section>", 1)[0]
    trend = dom.split('<section id="trend"', 1)[1].split("</section>", 1)[0]
    chart = re.compile(r'<svg class="chart" role="img" viewBox="[^"]+"><title>')
    # CSAT, first response, resolution, FCR and volume compared across channels;
    # NPS has no figure for any channel, so no chart.
    assert len(chart.findall(channel)) == 5
    # one line per metric over the 60 days
    assert len(chart.findall(trend)) == len(METRICS)
    assert "<script" not in dom

    shot = tmp_path / "dashboard.png"
    run_chromium(browser, tmp_path / "profile-shot", f"--screenshot={shot}", url)
    width, height, rows = decode_png(shot.read_bytes())
    assert (width, height) == (1280, 2000)
    channels = len(rows[0]) // width
    counts = colour_counts(rows, channels)
    total = width * height
    assert len(counts) > 100  # text, charts and tiles, not a blank page
    assert counts.most_common(1)[0][1] < 0.8 * total
    for status in ("green", "amber", "red"):
        assert counts[rgb(kpi_html.STATUS_COLOURS[status])] > 5000, status
