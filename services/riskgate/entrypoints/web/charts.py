"""Charts as SVG drawn by pygal, inlined in the page (no script: pygal's tooltips are off).
Every chart's figures are also in a table beside it on the page."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import pygal
from markupsafe import Markup
from pygal.style import Style

from riskgate.domain.comparison import Quarter

# GOV.UK colours: black, blue, dark grey, mid grey, red.
_STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#0b0c0c",
    foreground_strong="#0b0c0c",
    foreground_subtle="#505a5f",
    colors=("#1d70b8", "#0b0c0c", "#505a5f", "#b1b4b6", "#b1b4b6", "#d4351c"),
    font_family="arial, sans-serif",
    label_font_size=14,
    major_label_font_size=14,
    legend_font_size=14,
    title_font_size=16,
)


def _options(title: str) -> dict[str, object]:
    return {
        "title": title,
        "style": _STYLE,
        "disable_xml_declaration": True,
        "js": [],  # no script fetched from anywhere
        "width": 640,
        "height": 360,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 1,
        "truncate_legend": -1,
        "truncate_label": -1,
        "print_values": False,
        "show_minor_y_labels": False,
    }


def _svg(chart: pygal.graph.graph.Graph, label: str) -> Markup:
    svg = chart.render(is_unicode=True)
    # the table beside the chart carries the figures for a screen reader
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1))


def indicator_chart(indicator: str, area_name: str, quarters: Sequence[Quarter]) -> Markup:
    """The area's quarterly values against its peers' middle and the national quartiles."""
    return _indicator_chart(indicator, area_name, tuple(quarters))


# Drawing takes pygal tens of milliseconds; a chart is a function of its figures alone, so
# the same figures are drawn once (new figures make a new key, never a stale chart).
@functools.lru_cache(maxsize=2048)
def _indicator_chart(indicator: str, area_name: str, quarters: tuple[Quarter, ...]) -> Markup:
    chart = pygal.Line(**_options(f"{indicator}: {area_name} beside its peers and England"))
    chart.x_labels = [q.period for q in quarters]
    chart.add(area_name, [q.area for q in quarters], stroke_style={"width": 3})
    # dots on the area's own line only: they are what a reader looks for (and they weigh)
    chart.add("Peers' middle", [q.peer_median for q in quarters], show_dots=False)
    chart.add("England: middle", [q.national_median for q in quarters], show_dots=False)
    chart.add(
        "England: lower quartile", [q.national_lower_quartile for q in quarters], show_dots=False
    )
    chart.add(
        "England: upper quartile", [q.national_upper_quartile for q in quarters], show_dots=False
    )
    return _svg(
        chart, f"Line chart of {indicator} for {area_name}; the table below has its figures"
    )


def burden_chart(body_name: str, months: Sequence[tuple[str, int, int | None]]) -> Markup:
    """On-site days (used and planned) in the 12 months to each month's end, against the cap."""
    chart = pygal.Line(
        x_label_rotation=30, **_options(f"On-site days at {body_name} over a rolling 12 months")
    )
    chart.x_labels = [label for label, _, _ in months]
    chart.add("On-site days in the 12 months to the month's end", [d for _, d, _ in months])
    chart.add("Cap", [cap for _, _, cap in months], stroke_style={"dasharray": "6, 4"})
    return _svg(chart, f"Bar chart of on-site days at {body_name}; the table below has its figures")
