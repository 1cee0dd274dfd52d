"""Server-rendered SVG bar chart of the report's rates by language (no script, no library)."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape, quoteattr

# Colour-blind-safe pair (Okabe-Ito blue / orange) and grey for further languages.
COLOURS = ("#0072B2", "#D55E00", "#555555", "#009E73")
ROW_H, BAR_H, LABEL_W, PLOT_W = 34, 12, 210, 320


def rates_chart(report: dict[str, Any]) -> str:
    """Horizontal bars: one row per rate, one bar per language; withheld rates are marked."""
    rates: dict[str, dict[str, Any]] = report["rates_by_language"]
    languages = sorted({lang for by_lang in rates.values() for lang in by_lang})
    height = 40 + ROW_H * len(rates) + 20
    width = LABEL_W + PLOT_W + 70
    flagged = {flag["rate"] for flag in report.get("disparities", [])}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="t">',
        '<title id="t">Rates by session language (the table below has the same figures)</title>',
        '<style>text{font:12px sans-serif;fill:#222}</style>',
    ]
    for i, lang in enumerate(languages):
        x = LABEL_W + i * 90
        parts.append(f'<rect x="{x}" y="8" width="12" height="12" '
                     f'fill="{COLOURS[i % len(COLOURS)]}"/>')
        parts.append(f'<text x="{x + 16}" y="18">{escape(lang)}</text>')
    for row, (name, by_lang) in enumerate(rates.items()):
        top = 40 + row * ROW_H
        label = name.replace("_", " ") + (" (!)" if name in flagged else "")
        parts.append(f'<text x="4" y="{top + 14}">{escape(label)}</text>')
        for i, lang in enumerate(languages):
            y = top + i * (BAR_H + 2)
            rate = (by_lang.get(lang) or {}).get("rate")
            if rate is None:
                parts.append(f'<text x="{LABEL_W}" y="{y + 10}" font-style="italic">'
                             f'{escape(lang)}: withheld or none</text>')
                continue
            bar = max(1.0, PLOT_W * float(rate))
            parts.append(f'<rect x="{LABEL_W}" y="{y}" width="{bar:.1f}" height="{BAR_H}" '
                         f'fill="{COLOURS[i % len(COLOURS)]}"><title>{escape(lang)}: '
                         f'{rate:.1%}</title></rect>')
            parts.append(f'<text x="{LABEL_W + bar + 4:.1f}" y="{y + 10}">{rate:.0%}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def alt_text(report: dict[str, Any]) -> str:
    """A one-sentence alternative for the chart's <img>."""
    count = len(report.get("disparities", []))
    return quoteattr(f"Bar chart of rates by language; {count} disparity flag(s). "
                     "The table below has the same figures.")[1:-1]
