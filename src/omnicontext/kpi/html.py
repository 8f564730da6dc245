"""A KPI scorecard as one standalone HTML page.

:func:`render_html` turns the dict that ``Scorecard.to_dict()`` produces into a
single HTML document: colour-coded tiles for the overall metrics, charts and a
table comparing channels, a trend chart per metric, and the slices furthest
from target. The page needs no network and runs no JavaScript: the charts are
inline SVG drawn by matplotlib, the page is a jinja2 template with
autoescaping, and it opens the same from ``file://`` in any browser and prints
on A4 landscape.

Both libraries come with the ``dashboard`` extra
(``pip install 'omnicontext[dashboard]'``); this module imports without them,
and :func:`render_html` says what to install when they are missing.

Every status is shown by colour *and* by an icon and a word, so the page reads
the same to colour-blind readers and on a black-and-white print.
"""

from __future__ import annotations

import io
import math
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any, Final

from omnicontext.errors import OmnicontextError

if TYPE_CHECKING:
    import jinja2
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

__all__ = ["STATUS_COLOURS", "render_html"]

STATUS_COLOURS: Final[Mapping[str, str]] = {
    "green": "#1f7a4d",
    "amber": "#e0a100",
    "red": "#c8322d",
    "none": "#8a939d",
}
"""The solid colour of each status, as ``#rrggbb``, used for tiles, bars and points."""

_STATUS_TINTS: Final[Mapping[str, str]] = {
    "green": "#e3f2ea",
    "amber": "#fdf3d6",
    "red": "#fbe6e5",
    "none": "#eef0f3",
}
_STATUS_TEXT: Final[Mapping[str, str]] = {
    "green": "On target",
    "amber": "Near target",
    "red": "Off target",
    "none": "No target",
}
# Glyphs for the charts (DejaVu Sans, which matplotlib ships, has all of them);
# the HTML uses drawn icons of the same shapes instead, so it needs no font.
_STATUS_GLYPH: Final[Mapping[str, str]] = {
    "green": "\u2713",
    "amber": "\u26a0",
    "red": "\u2717",
    "none": "",
}

# The metrics compared across channels in charts, when the scorecard has them.
_CHANNEL_CHART_METRICS: Final = (
    "csat",
    "nps",
    "first_response_time",
    "resolution_time",
    "fcr",
    "volume",
)
_MAX_CHART_LABEL: Final = 24
_MAX_TABLE_COLUMNS: Final = 8
_MAX_TICKS: Final = 8
_NON_NEGATIVE_UNITS: Final = frozenset({"%", "s", "cases"})
_INK: Final = "#1f2933"
_MUTED: Final = "#5b6670"
_RULE: Final = "#d5dbe1"
_XLINK_HREF: Final = "{http://www.w3.org/1999/xlink}href"
_RC: Final[Mapping[RcKeyType, Any]] = {
    "svg.fonttype": "path",
    "svg.hashsalt": "omnicontext.kpi",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.edgecolor": _RULE,
    "axes.labelcolor": _MUTED,
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": _MUTED,
    "ytick.color": _INK,
    "xtick.major.size": 3,
    "ytick.major.size": 0,
    "grid.color": "#e8ecf0",
    "grid.linewidth": 0.8,
    "figure.facecolor": "none",
    "axes.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.edgecolor": "none",
}
_EXTRA_HINT: Final = (
    "render_html needs the 'dashboard' extra (jinja2 and matplotlib): "
    "pip install 'omnicontext[dashboard]'"
)


def render_html(scorecard: Mapping[str, Any], *, title: str | None = None) -> str:
    """Render a scorecard dict as a standalone HTML dashboard and return the page.

    ``scorecard`` is what ``Scorecard.to_dict()`` returns (a JSON round trip of
    it works too). ``title`` replaces the scorecard's own title. The page holds
    everything it shows: save it as ``.html`` and open it from disk, attach it
    to an e-mail, or print it. All names and labels are HTML-escaped. With the
    same library versions, the same input gives the same page, byte for byte.

    Raises :class:`~omnicontext.errors.OmnicontextError` when jinja2 or
    matplotlib is missing; install the ``dashboard`` extra.

    >>> page = render_html({"title": "Support", "overall": [], "by_channel": {}})
    >>> page.startswith("<!DOCTYPE html>") and "<title>Support</title>" in page
    True
    """
    _require_extra()
    page = _build_page(scorecard, title)
    return _environment().get_template("dashboard.html.j2").render(page=page)


def _require_extra() -> None:
    """Import the ``dashboard`` extra's libraries, or say how to install them."""
    try:
        import jinja2  # noqa: F401
        import matplotlib  # noqa: F401
    except ImportError as exc:
        missing = exc.name or "jinja2 or matplotlib"
        raise OmnicontextError(f"{_EXTRA_HINT} ({missing} is not installed)") from exc


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("omnicontext.kpi", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


# --------------------------------------------------------------------------- view model


@dataclass(frozen=True)
class _Tile:
    metric: str
    label: str
    status: str
    display: str
    value: float | None
    n: int | None
    unit: str
    target: str | None

    @property
    def status_text(self) -> str:
        if self.status == "none" and self.value is None:
            return "No data"
        return _STATUS_TEXT[self.status]

    @property
    def size(self) -> str:
        """How large the value can be shown on a tile without wrapping."""
        length = len(self.display)
        return "l" if length <= 7 else "m" if length <= 9 else "s"

    @property
    def n_text(self) -> str:
        return "" if self.n is None else f"n = {self.n:,}"

    @property
    def summary(self) -> str:
        parts = [f"{self.label}: {self.display}", self.status_text.lower()]
        if self.target:
            parts.append(f"target {self.target}")
        if self.n is not None:
            parts.append(self.n_text)
        return ", ".join(parts)


@dataclass(frozen=True)
class _Chart:
    title: str
    subtitle: str
    svg: str | None


@dataclass(frozen=True)
class _Column:
    metric: str
    label: str


@dataclass(frozen=True)
class _ChannelRow:
    name: str
    cells: tuple[_Tile | None, ...]


@dataclass(frozen=True)
class _ChannelTable:
    columns: tuple[_Column, ...]
    rows: tuple[_ChannelRow, ...]


@dataclass(frozen=True)
class _RootCause:
    where: str
    label: str
    display: str
    target: str
    status: str
    gap: float | None
    n: int | None
    bar: float = 0.0  # the gap as a percentage of the largest gap on the page

    @property
    def status_text(self) -> str:
        return _STATUS_TEXT[self.status]

    @property
    def n_text(self) -> str:
        return "" if self.n is None else f"{self.n:,}"

    @property
    def gap_text(self) -> str:
        return "" if self.gap is None else f"{self.gap:.0%}"


@dataclass(frozen=True)
class _Page:
    title: str
    period: str
    period_details: tuple[str, ...]
    counts: tuple[tuple[str, str, int], ...]
    overall: tuple[_Tile, ...]
    channel_charts: tuple[_Chart, ...]
    channel_tables: tuple[_ChannelTable, ...]
    trend_unit: str
    trend_charts: tuple[_Chart, ...]
    root_causes: tuple[_RootCause, ...]
    svg_defs: str
    colours: Mapping[str, str]
    tints: Mapping[str, str]


def _build_page(scorecard: Mapping[str, Any], title: str | None) -> _Page:
    overall = tuple(_tiles(scorecard.get("overall")))
    by_channel = {
        str(name): tuple(_tiles(tiles))
        for name, tiles in _mapping(scorecard.get("by_channel")).items()
    }
    trend = _mapping(scorecard.get("trend"))
    trend_rows = [
        (str(row.get("period", "")), tuple(_tiles(row.get("tiles"))))
        for row in _sequence(trend.get("rows"))
        if isinstance(row, Mapping)
    ]
    columns = _columns([overall, *by_channel.values(), *(tiles for _, tiles in trend_rows)])
    labels = {c.metric: c.label for c in columns}
    defs = _SharedDefs()
    channel_charts = _channel_charts(by_channel, columns, defs)
    unit = str(trend.get("period") or "")
    trend_charts = _trend_charts(trend_rows, labels, unit, defs)
    causes = list(_root_causes(scorecard.get("root_causes")))
    widest = max((c.gap for c in causes if c.gap is not None and c.gap > 0), default=0.0)
    root_causes = tuple(
        replace(c, bar=round(100 * max(c.gap, 0.0) / widest, 1))
        if widest and c.gap is not None
        else c
        for c in causes
    )
    counts = tuple(
        (status, _STATUS_TEXT[status], sum(t.status == status for t in overall))
        for status in ("green", "amber", "red", "none")
    )
    period_text, period_details = _period(_mapping(scorecard.get("period")))
    return _Page(
        title=title or str(scorecard.get("title") or "Support scorecard"),
        period=period_text,
        period_details=period_details,
        counts=counts,
        overall=overall,
        channel_charts=channel_charts,
        channel_tables=_channel_tables(by_channel, columns),
        trend_unit=unit,
        trend_charts=trend_charts,
        root_causes=root_causes,
        svg_defs=defs.render(),
        colours=STATUS_COLOURS,
        tints=_STATUS_TINTS,
    )


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _sequence(value: Any) -> Sequence[Any]:
    return value if isinstance(value, Sequence) and not isinstance(value, str) else ()


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _status(value: Any) -> str:
    return value if isinstance(value, str) and value in STATUS_COLOURS else "none"


def _tiles(raw: Any) -> Iterable[_Tile]:
    for tile in _sequence(raw):
        if not isinstance(tile, Mapping):
            continue
        metric = str(tile.get("metric") or "")
        value = _number(tile.get("value"))
        target = tile.get("target_display")
        yield _Tile(
            metric=metric,
            label=str(tile.get("label") or metric.replace("_", " ").capitalize()),
            status=_status(tile.get("status")),
            display=str(tile.get("display") or "") or ("No data" if value is None else ""),
            value=value,
            n=_count(tile.get("n")),
            unit=str(tile.get("unit") or ""),
            target=str(target) if target else None,
        )


def _columns(groups: Iterable[Sequence[_Tile]]) -> list[_Column]:
    """Every metric that occurs, in order of first appearance (overall tiles first)."""
    seen: dict[str, str] = {}
    for tiles in groups:
        for tile in tiles:
            seen.setdefault(tile.metric, tile.label)
    return [_Column(metric, label) for metric, label in seen.items()]


def _channel_tables(
    by_channel: Mapping[str, Sequence[_Tile]], columns: Sequence[_Column]
) -> tuple[_ChannelTable, ...]:
    """The effectiveness table, split by columns into tables that fit the page's width."""
    shown = [c for c in columns if any(_cell(tiles, c.metric) for tiles in by_channel.values())]
    if not shown:
        return ()
    parts = -(-len(shown) // _MAX_TABLE_COLUMNS)
    size = -(-len(shown) // parts)
    tables = []
    for first in range(0, len(shown), size):
        part = tuple(shown[first : first + size])
        rows = tuple(
            _ChannelRow(name, tuple(_cell(tiles, c.metric) for c in part))
            for name, tiles in by_channel.items()
        )
        tables.append(_ChannelTable(part, rows))
    return tuple(tables)


def _cell(tiles: Sequence[_Tile], metric: str) -> _Tile | None:
    return next((t for t in tiles if t.metric == metric), None)


def _root_causes(raw: Any) -> Iterable[_RootCause]:
    for item in _sequence(raw):
        if not isinstance(item, Mapping):
            continue
        slice_name = str(item.get("slice") or "").replace("_", " ").capitalize()
        key = str(item.get("key") or "")
        metric = str(item.get("metric") or "")
        yield _RootCause(
            where=f"{slice_name}: {key}" if slice_name else key,
            label=str(item.get("label") or metric.replace("_", " ").capitalize()),
            display=str(item.get("display") or ""),
            target=str(item.get("target_display") or ""),
            status=_status(item.get("status")),
            gap=_number(item.get("gap")),
            n=_count(item.get("n")),
        )


def _period(period: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
    start, end = _when(period.get("start")), _when(period.get("end"))
    if start and end:
        text = f"{start} \u2013 {end}"
    elif start:
        text = f"From {start}"
    elif end:
        text = f"Up to {end}"
    else:
        text = "All recorded activity"
    details: list[str] = []
    if period.get("time_zone"):
        details.append(f"Time zone {period['time_zone']}")
    if period.get("time") == "business":
        details.append("Durations in business hours")
    elif period.get("time") == "calendar":
        details.append("Durations in calendar time")
    return text, tuple(details)


def _when(value: Any) -> str:
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    text = f"{moment.day} {moment:%b %Y}"
    if (moment.hour, moment.minute, moment.second) != (0, 0, 0):
        text += f" {moment:%H:%M}"
    return text


# --------------------------------------------------------------------------- charts


def _channel_charts(
    by_channel: Mapping[str, Sequence[_Tile]], columns: Sequence[_Column], defs: _SharedDefs
) -> tuple[_Chart, ...]:
    def has_data(metric: str) -> bool:
        return any(
            cell is not None and cell.value is not None
            for cell in (_cell(tiles, metric) for tiles in by_channel.values())
        )

    present = [c for c in columns if has_data(c.metric)]
    chosen = [c for c in present if c.metric in _CHANNEL_CHART_METRICS]
    chosen.sort(key=lambda c: _CHANNEL_CHART_METRICS.index(c.metric))
    if not chosen:
        chosen = present[: len(_CHANNEL_CHART_METRICS)]
    charts = []
    for column in chosen:
        cells = [(name, _cell(tiles, column.metric)) for name, tiles in by_channel.items()]
        subtitle = _target_note(t for _, t in cells) or "No target"
        svg = _render(partial(_bar_figure, cells), f"{column.label} by channel", defs)
        charts.append(_Chart(column.label, subtitle, svg))
    return tuple(charts)


def _trend_charts(
    rows: Sequence[tuple[str, Sequence[_Tile]]],
    labels: Mapping[str, str],
    unit: str,
    defs: _SharedDefs,
) -> tuple[_Chart, ...]:
    if not rows:
        return ()
    axis = _time_axis([period for period, _ in rows])
    metrics = [m for m in labels if any(_cell(tiles, m) for _, tiles in rows)]
    charts = []
    for metric in metrics:
        points = [_cell(tiles, metric) for _, tiles in rows]
        svg = None
        if any(p is not None and p.value is not None for p in points):
            description = f"{labels[metric]} by {unit or 'period'}"
            svg = _render(partial(_trend_figure, axis, points), description, defs)
        charts.append(_Chart(labels[metric], _target_note(points) or "No target", svg))
    return tuple(charts)


def _target_note(tiles: Iterable[_Tile | None]) -> str:
    targets = sorted({t.target for t in tiles if t is not None and t.target})
    if len(targets) > 3:
        return "Targets differ"
    if len(targets) > 1:
        return "Targets " + ", ".join(targets)
    return f"Target {targets[0]}" if targets else ""


@dataclass(frozen=True)
class _TimeAxis:
    positions: tuple[float, ...]
    ticks: tuple[float, ...]
    labels: tuple[str, ...]


def _time_axis(periods: Sequence[str]) -> _TimeAxis:
    """Where each trend row goes on the x axis, and which of them are labelled.

    ISO dates are placed by their day, so a missing day leaves a gap; any other
    period labels are placed one after another.
    """
    try:
        days = [date.fromisoformat(p[:10]) for p in periods]
    except ValueError:
        step = max(1, -(-len(periods) // _MAX_TICKS))
        return _TimeAxis(
            tuple(float(i) for i in range(len(periods))),
            tuple(float(i) for i in range(0, len(periods), step)),
            tuple(periods[i] for i in range(0, len(periods), step)),
        )
    first = min(days)
    positions = tuple(float((d - first).days) for d in days)
    span = int(max(positions))
    step = next(
        (s for s in (1, 2, 7, 14, 28, 56, 91, 182, 364) if span // s < _MAX_TICKS),
        -(-span // (_MAX_TICKS - 1)),
    )
    ticks = [first + timedelta(days=offset) for offset in range(0, span + 1, step)]
    several_years = first.year != max(days).year
    labels = [f"{d.day} {d:%b}" + (f" {d.year}" if several_years else "") for d in ticks]
    return _TimeAxis(positions, tuple(float((d - first).days) for d in ticks), tuple(labels))


def _scale(tiles: Sequence[_Tile | None]) -> tuple[float, str]:
    """A divisor and an axis label for the unit of these tiles' values."""
    known = [t for t in tiles if t is not None and t.value is not None]
    units = {t.unit for t in known}
    if units == {"s"}:
        largest = max(abs(t.value or 0.0) for t in known)
        if largest >= 2 * 3600:
            return 3600.0, "hours"
        if largest >= 120:
            return 60.0, "minutes"
        return 1.0, "seconds"
    if len(units) == 1:
        return 1.0, {"%": "%", "points": "points", "cases": "cases"}.get(units.pop(), "")
    return 1.0, ""


def _bar_figure(cells: Sequence[tuple[str, _Tile | None]]) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    divisor, unit = _scale([t for _, t in cells])
    values = [
        t.value / divisor if t is not None and t.value is not None else None for _, t in cells
    ]
    known = [v for v in values if v is not None]
    low, high = min([0.0, *known]), max([0.0, *known])
    span = (high - low) or 1.0
    rows = len(cells)
    fig = Figure(figsize=(4.2, 0.6 + 0.27 * rows), layout="constrained")
    ax = fig.add_subplot()
    positions = list(range(rows))
    colours = [STATUS_COLOURS[t.status if t else "none"] for _, t in cells]
    ax.barh(positions, [v or 0.0 for v in values], height=0.64, color=colours, zorder=2)
    for y, value, (_, tile) in zip(positions, values, cells, strict=True):
        if value is None or tile is None:
            ax.annotate(
                "no data",
                (0, y),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                color=_MUTED,
                fontstyle="italic",
            )
            continue
        label = f"{_chart_text(tile.display)} {_STATUS_GLYPH[tile.status]}".rstrip()
        ax.annotate(
            label,
            (value, y),
            xytext=(4 if value >= 0 else -4, 0),
            textcoords="offset points",
            va="center",
            ha="left" if value >= 0 else "right",
            color=_INK,
        )
    # Room for the value labels beside the longest bars.
    ax.set_xlim(low - (0.35 * span if low < 0 else 0.0), high + 0.38 * span)
    ax.set_ylim(rows - 0.5, -0.5)
    ax.set_yticks(positions, [_chart_text(_shorten(name)) for name, _ in cells])
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=unit == "cases"))
    ticks = [x for x in ax.get_xticks() if low <= x <= high * 1.02 + 1e-9 or x == 0]
    ax.set_xticks(ticks)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.axvline(0, color="#9aa5b1", linewidth=0.9, zorder=3)
    ax.grid(axis="x", zorder=0)
    ax.tick_params(axis="x", labelsize=8, length=0, colors=_MUTED)
    if unit:
        ax.set_xlabel(unit, fontsize=8)
    return fig


def _trend_figure(axis: _TimeAxis, points: Sequence[_Tile | None]) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    divisor, unit = _scale(points)
    values = [
        p.value / divisor if p is not None and p.value is not None else math.nan for p in points
    ]
    fig = Figure(figsize=(5.4, 2.1), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(list(axis.positions), values, color="#7b8794", linewidth=1.3, zorder=2)
    shown = [
        (x, v, p.status)
        for x, v, p in zip(axis.positions, values, points, strict=True)
        if p is not None and not math.isnan(v)
    ]
    ax.scatter(
        [x for x, _, _ in shown],
        [v for _, v, _ in shown],
        c=[STATUS_COLOURS[s] for _, _, s in shown],
        s=26 if len(points) <= 31 else 16,
        edgecolors="white",
        linewidths=0.6,
        zorder=3,
        clip_on=False,
    )
    ax.grid(axis="y", zorder=0)
    ax.tick_params(labelsize=8, colors=_MUTED)
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=unit == "cases"))
    ax.margins(y=0.14)
    known = [v for v in values if not math.isnan(v)]
    if min(known) == max(known):
        # One level throughout: centre it rather than zoom in on nothing.
        level = known[0]
        ax.set_ylim(level - (abs(level) * 0.1 or 1.0), level + (abs(level) * 0.1 or 1.0))
    if min(known) >= 0 and _points_unit(points) in _NON_NEGATIVE_UNITS:
        ax.set_ylim(bottom=max(ax.get_ylim()[0], 0.0))
    low, high = min(axis.positions), max(axis.positions)
    pad = max((high - low) * 0.02, 0.5)
    ax.set_xlim(low - pad, high + pad)
    ax.set_xticks(list(axis.ticks), [_chart_text(label) for label in axis.labels])
    if unit:
        ax.set_ylabel(unit, fontsize=8)
    return fig


def _points_unit(points: Sequence[_Tile | None]) -> str:
    return next((p.unit for p in points if p is not None and p.value is not None), "")


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_CHART_LABEL else text[: _MAX_CHART_LABEL - 1] + "\u2026"


@lru_cache(maxsize=1)
def _chart_charmap() -> frozenset[int]:
    from matplotlib import font_manager

    font = font_manager.get_font(font_manager.findfont(_RC["font.family"]))
    return frozenset(font.get_charmap())


def _chart_text(text: str) -> str:
    """``text`` made safe for a matplotlib label: no mathtext, no glyph the font lacks."""
    charmap = _chart_charmap()
    safe = "".join(ch if ord(ch) in charmap else "?" for ch in text)
    return safe.replace("$", r"\$")


def _render(draw: Callable[[], Figure], description: str, defs: _SharedDefs) -> str:
    """Draw a figure under the page's chart style and inline it as SVG.

    The figure is made without pyplot, so nothing is registered globally and
    nothing needs closing; the style applies only inside the ``rc_context``.
    """
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context(dict(_RC)):
        draw().savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return defs.inline(buffer.getvalue(), description)


class _SharedDefs:
    """Collects the ``<defs>`` of every chart on a page into one shared block.

    matplotlib writes each chart as a complete SVG file, with its own glyph
    outlines, markers and clip paths, and ids that repeat from chart to chart.
    Inline in one page, ids must be unique, and sharing the glyphs keeps the
    page small: each definition is kept once, and structural ids are dropped.
    """

    def __init__(self) -> None:
        self._defs: dict[str, ET.Element] = {}
        self._charts = 0

    def inline(self, svg_text: str, description: str) -> str:
        """One matplotlib SVG document as an inline ``<svg>`` element."""
        self._charts += 1
        root = ET.fromstring(svg_text)
        # Inline in HTML, <svg> needs no namespaces: the HTML parser gives them.
        for element in root.iter():
            element.tag = element.tag.rpartition("}")[2]
        renames: dict[str, str] = {}
        for parent in list(root.iter()):
            for child in list(parent):
                tag = child.tag
                if tag == "metadata":
                    parent.remove(child)
                elif tag == "defs":
                    parent.remove(child)
                    self._collect(child, renames)
        for element in root.iter():
            if "id" in element.attrib:
                del element.attrib["id"]
            href = element.attrib.pop(_XLINK_HREF, None)
            if href is not None:
                element.set("href", "#" + renames.get(href[1:], href[1:]))
            clip = element.get("clip-path")
            if clip and clip.startswith("url(#"):
                ref = clip[5:-1]
                element.set("clip-path", f"url(#{renames.get(ref, ref)})")
            if "d" in element.attrib:
                element.set("d", " ".join(element.attrib["d"].split()))
            element.text = element.text.strip() or None if element.text else None
            element.tail = None
        # The page's stylesheet sizes the chart to its card; the viewBox keeps its shape.
        view_box = root.get("viewBox", "")
        root.attrib.clear()
        root.attrib.update({"class": "chart", "role": "img", "viewBox": view_box})
        title = ET.Element("title")
        title.text = description
        root.insert(0, title)
        return _serialise(root)

    def _collect(self, defs: ET.Element, renames: dict[str, str]) -> None:
        for definition in defs:
            if definition.tag == "style":
                continue  # the page's stylesheet has matplotlib's one rule
            key = definition.get("id")
            if not key:
                continue
            _strip_whitespace(definition)
            known = self._defs.get(key)
            if known is not None and _serialise(known) == _serialise(definition):
                continue
            if known is not None:
                renamed = f"{key}-c{self._charts}"
                renames[key] = renamed
                definition.set("id", renamed)
                key = renamed
            self._defs[key] = definition

    def render(self) -> str:
        """The shared definitions, as one hidden ``<svg>`` element."""
        if not self._defs:
            return ""
        holder = ET.Element(
            "svg", {"class": "chart-defs", "width": "0", "height": "0", "aria-hidden": "true"}
        )
        defs = ET.SubElement(holder, "defs")
        for definition in self._defs.values():
            for element in definition.iter():
                href = element.attrib.pop(_XLINK_HREF, None)
                if href is not None:
                    element.set("href", href)
            defs.append(definition)
        return _serialise(holder)


def _strip_whitespace(element: ET.Element) -> None:
    for node in element.iter():
        if "d" in node.attrib:
            node.set("d", " ".join(node.attrib["d"].split()))
        node.text = node.text.strip() or None if node.text else None
        node.tail = None


def _serialise(element: ET.Element) -> str:
    return ET.tostring(element, encoding="unicode")
