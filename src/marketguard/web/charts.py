"""Charts drawn on the server as SVG, readable without JavaScript or colour.

Why server-side: the transparency report is public and must read the same in
any browser, a screen reader and a printout, with no script to load. Each
chart is an ``<svg role="img">`` named by its ``<title>`` and described by a
``<desc>`` listing every value, every bar carries its value as text, and the
page shows the same numbers in a table next to it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

BAR_HEIGHT = 22
GAP = 10
LABEL_WIDTH = 230
BAR_WIDTH = 320
VALUE_WIDTH = 90
TOP = 8
# Characters XML (and so a standalone SVG file) forbids; HTML would tolerate them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: str) -> Markup:
    """Escape ``value`` for SVG text, dropping characters XML does not allow."""
    return escape(_NOT_XML.sub("", value))


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value and how the value is written."""

    label: str
    value: float
    text: str


def bar_chart(chart_id: str, title: str, bars: Sequence[Bar], *, scale: float | None = None
              ) -> Markup:
    """Draw horizontal bars scaled to ``scale`` (default: the largest value).

    Values below zero are drawn as zero-length bars; their text still says the
    value. ``chart_id`` must be unique on the page (it links title and desc).
    """
    top = max([scale or 0.0, *(b.value for b in bars)])
    height = TOP * 2 + len(bars) * (BAR_HEIGHT + GAP)
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    desc = "; ".join(f"{b.label}: {b.text}" for b in bars) or "no figures"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{_text(title)}</title>',
        f'<desc id="{chart_id}-desc">{_text(desc)}</desc>',
    ]
    for index, bar in enumerate(bars):
        y = TOP + index * (BAR_HEIGHT + GAP)
        length = 0.0 if top <= 0 else max(0.0, bar.value) / top * BAR_WIDTH
        middle = y + BAR_HEIGHT / 2
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{middle:.1f}" text-anchor="end" '
            f'dominant-baseline="middle" class="chart-label">{_text(bar.label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" '
            f'class="chart-bar"/>'
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{middle:.1f}" '
            f'dominant-baseline="middle" class="chart-value">{_text(bar.text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
