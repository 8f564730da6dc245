"""The risk register as text and as HTML (see :meth:`RiskReport.to_text`
and :meth:`RiskReport.to_html`). Every value shown comes from the report;
every text from the store is escaped in HTML."""

from __future__ import annotations

import html
import textwrap
from typing import TYPE_CHECKING

from omnicontext.risk.thresholds import Severity

if TYPE_CHECKING:
    from omnicontext.risk.report import Indicator, RiskReport

__all__ = ["to_html", "to_text"]

_MARK = {
    Severity.HIGH: "HIGH",
    Severity.MEDIUM: "MEDIUM",
    Severity.LOW: "low",
    Severity.UNMEASURED: "n/a",
}


def _band(indicator: Indicator) -> str:
    from omnicontext.risk.report import _format_band

    unit = indicator.unit
    return f"{_format_band(indicator.medium, unit)} / {_format_band(indicator.high, unit)}"


def _n(count: int, noun: str) -> str:
    from omnicontext.risk.report import _n

    return _n(count, noun)


def _period(report: RiskReport) -> str:
    if report.start is None or report.end is None:
        return "no interactions"
    first = report.start.isoformat(timespec="minutes")
    return f"{first} to {report.end.isoformat(timespec='minutes')}"


def to_text(report: RiskReport, *, width: int = 100, findings: int = 10) -> str:
    """The register as plain text: one block per risk (severity, each
    indicator with its value, severity and medium / high levels, what was
    counted), the mitigation and what to do now; then the top consistency
    findings."""
    width = max(60, width)
    label_w = 50
    lines = [
        f"Risk register as of {report.as_of.isoformat(timespec='minutes')}",
        f"{_n(report.interactions, 'interaction')}, {_period(report)}",
        "",
    ]
    wrap = textwrap.TextWrapper(width=width, initial_indent="    ", subsequent_indent="    ")
    for risk in report.risks:
        lines.append(f"{risk.title.upper()}: {_MARK[risk.severity]}   ({risk.effect})")
        lines.append(f"  {'indicator':<{label_w}}{'value':>16}  {'severity':<9} medium / high")
        for ind in risk.indicators:
            label = ind.label if len(ind.label) <= label_w else ind.label[: label_w - 1] + "…"
            lines.append(
                f"  {label:<{label_w}}{ind.formatted():>16}  {_MARK[ind.severity]:<9} {_band(ind)}"
            )
            if ind.detail and not ind.label.startswith("  "):
                lines.extend(wrap.wrap(ind.detail))
        lines.extend(
            textwrap.wrap(
                "mitigation: " + risk.mitigation,
                width=width,
                initial_indent="  ",
                subsequent_indent="    ",
            )
        )
        for ind in risk.indicators:
            if ind.action:
                lines.extend(
                    textwrap.wrap(
                        f"act now ({ind.label.strip()}): {ind.action}",
                        width=width,
                        initial_indent="  ",
                        subsequent_indent="    ",
                    )
                )
        lines.append("")
    shown = report.consistency.findings[:findings]
    if shown:
        lines.append(
            f"CONSISTENCY FINDINGS ({len(report.consistency.findings):,}; first {len(shown)})"
        )
        for finding in shown:
            lines.extend(
                textwrap.wrap(
                    finding.describe(),
                    width=width,
                    initial_indent="  - ",
                    subsequent_indent="    ",
                )
            )
        lines.append("")
    compliance = str(report.compliance).strip()
    if compliance:
        lines.append("COMPLIANCE DETAIL")
        lines.extend("  " + line for line in compliance.splitlines())
    return "\n".join(lines).rstrip() + "\n"


_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1d2430;max-width:72rem}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border-bottom:1px solid #d8dde6;padding:.35rem .5rem;text-align:left;vertical-align:top}
td.v{text-align:right;white-space:nowrap}
.s-high{background:#f8d7da;color:#721c24;font-weight:600}
.s-medium{background:#fff3cd;color:#856404;font-weight:600}
.s-low{background:#d4edda;color:#155724}
.s-not-measured{background:#eceff3;color:#555}
.detail{color:#5a6473;font-size:.9em}.mit{margin:.3rem 0 .8rem}
"""


def _cls(severity: Severity) -> str:
    return "s-" + severity.value.replace(" ", "-")


def to_html(report: RiskReport, *, findings: int = 50) -> str:
    """The register as one self-contained HTML page (no scripts, no external
    files); severities are coloured and also written out."""
    e = html.escape
    out = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<title>Risk register</title><style>" + _CSS + "</style></head><body>",
        f"<h1>Risk register as of {e(report.as_of.isoformat(timespec='minutes'))}</h1>",
        f"<p>{_n(report.interactions, 'interaction')}, {e(_period(report))}</p>",
        "<table><tr><th>risk</th><th>severity</th><th>what it does</th><th>mitigation</th></tr>",
    ]
    for risk in report.risks:
        out.append(
            f"<tr><td><a href='#{e(risk.key)}'>{e(risk.title)}</a></td>"
            f"<td class='{_cls(risk.severity)}'>{e(risk.severity.value)}</td>"
            f"<td>{e(risk.effect)}</td><td>{e(risk.mitigation)}</td></tr>"
        )
    out.append("</table>")
    for risk in report.risks:
        out.append(f"<h2 id='{e(risk.key)}'>{e(risk.title)}: {e(risk.severity.value)}</h2>")
        out.append(
            "<table><tr><th>indicator</th><th>value</th><th>severity</th>"
            "<th>medium / high</th><th>what was counted</th></tr>"
        )
        for ind in risk.indicators:
            out.append(
                f"<tr><td>{e(ind.label)}</td><td class='v'>{e(ind.formatted())}</td>"
                f"<td class='{_cls(ind.severity)}'>{e(ind.severity.value)}</td>"
                f"<td class='v'>{e(_band(ind))}</td>"
                f"<td class='detail'>{e(ind.detail)}"
                + (f"<br><strong>act now:</strong> {e(ind.action)}" if ind.action else "")
                + "</td></tr>"
            )
        out.append(f"</table><p class='mit'><strong>mitigation:</strong> {e(risk.mitigation)}</p>")
    shown = report.consistency.findings[:findings]
    if shown:
        out.append(
            f"<h2>Consistency findings ({len(report.consistency.findings):,}; "
            f"first {len(shown)})</h2>"
            "<table><tr><th>rule</th><th>channels</th><th>answer / intent</th>"
            "<th>evidence</th><th>interactions</th></tr>"
        )
        for f in shown:
            out.append(
                f"<tr><td>{e(f.kind.value)}</td><td>{e(', '.join(f.channels))}</td>"
                f"<td>{e(f.answer_key or f.intent or '')}</td><td>{e(f.evidence)}</td>"
                f"<td>{e(', '.join(f.interaction_ids[:6]))}</td></tr>"
            )
        out.append("</table>")
    compliance = str(report.compliance).strip()
    if compliance:
        out.append(f"<h2>Compliance detail</h2><pre>{e(compliance)}</pre>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
