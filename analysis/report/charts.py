"""Small, dependency-free SVG charts: vertical bars, horizontal bars, lines.

Drawn on the server so the report works from file:// with no JavaScript. Each chart has its
axis with round ticks, gridlines, labelled values and a <title> tooltip on every mark.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup

from analysis.report.svg import element, number, svg_root, text_width, to_markup

INK, MUTED, GRID = "#212529", "#6c757d", "#e9ecef"
BAR = "#4263eb"
SERIES = ("#4263eb", "#e8590c", "#2b8a3e", "#ae3ec9", "#1098ad", "#f08c00", "#868e96")
FONT = 12


def nice_ticks(maximum: float, count: int = 5, integer: bool = True) -> list[float]:
    """0 and round steps (1, 2, 2.5 or 5 × 10^k) up to the first tick at or above `maximum`."""
    if not maximum or maximum <= 0 or math.isnan(maximum):
        return [0.0, 1.0]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(f * magnitude for f in (1, 2, 2.5, 5, 10) if f * magnitude >= raw)
    if integer:
        step = max(1.0, math.ceil(step))
    top = math.ceil(maximum / step - 1e-9) * step
    return [i * step for i in range(int(round(top / step)) + 1)]


def linear_scale(domain_max: float, start: float, end: float):
    """Maps 0..domain_max onto start..end (pixels; end < start for an upward y axis)."""
    return lambda value: start + (end - start) * value / domain_max


def tick_label(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _y_axis(root, ticks: list[float], left: float, right: float, y_of, title: str | None, top: float) -> None:
    axis = element(root, "g", class_="axis y")
    for tick in ticks:
        y = y_of(tick)
        element(axis, "line", x1=left, x2=right, y1=y, y2=y, stroke=GRID if tick else MUTED, stroke_width=1)
        element(axis, "text", tick_label(tick), x=left - 6, y=y, text_anchor="end", dominant_baseline="middle",
                font_size=FONT - 1, fill=MUTED)
    if title:
        element(axis, "text", title, x=left - 6, y=top - 10, text_anchor="start", font_size=FONT - 1, fill=MUTED)


def vertical_bars(svg_id: str, title: str, categories: Sequence[str], values: Sequence[float],
                  y_label: str, width: float = 520, height: float = 280) -> Markup:
    """One bar per category (e.g. per year), its value above it."""
    left, right, top, bottom = 44.0, width - 12, 34.0, height - 30
    ticks = nice_ticks(max(values, default=0))
    y_of = linear_scale(ticks[-1], bottom, top)
    root = svg_root(width, height, svg_id, title)
    _y_axis(root, ticks, left, right, y_of, y_label, top)
    band = (right - left) / max(len(categories), 1)
    bar_width = min(band * 0.62, 64)
    bars = element(root, "g", class_="bars")
    for i, (category, value) in enumerate(zip(categories, values)):
        x = left + band * i + (band - bar_width) / 2
        bar = element(bars, "rect", class_="bar", x=x, y=y_of(value), width=bar_width, height=bottom - y_of(value),
                      fill=BAR, rx=2)
        element(bar, "title", f"{category}: {tick_label(value)} {y_label}")
        element(bars, "text", tick_label(value), x=x + bar_width / 2, y=y_of(value) - 6, text_anchor="middle",
                font_size=FONT, fill=INK, font_weight="600")
        element(bars, "text", category, x=x + bar_width / 2, y=bottom + 18, text_anchor="middle", font_size=FONT,
                fill=INK)
    return to_markup(root)


def horizontal_bars(svg_id: str, title: str, labels: Sequence[str], values: Sequence[float],
                    notes: Sequence[str] | None = None, x_label: str = "", width: float = 520) -> Markup:
    """One row per label (themes, modes), sorted as given; `notes` (e.g. "20.7 %") after each value."""
    row, top = 30.0, 12.0
    label_width = min(max((text_width(label, FONT) for label in labels), default=0) + 12, width * 0.45)
    left, right = label_width, width - 92
    bottom = top + row * len(labels)
    height = bottom + 34
    ticks = nice_ticks(max(values, default=0))
    x_of = linear_scale(ticks[-1], left, right)
    root = svg_root(width, height, svg_id, title)
    axis = element(root, "g", class_="axis x")
    for tick in ticks:
        element(axis, "line", x1=x_of(tick), x2=x_of(tick), y1=top, y2=bottom, stroke=GRID if tick else MUTED)
        element(axis, "text", tick_label(tick), x=x_of(tick), y=bottom + 16, text_anchor="middle",
                font_size=FONT - 1, fill=MUTED)
    if x_label:
        element(axis, "text", x_label, x=right, y=bottom + 30, text_anchor="end", font_size=FONT - 1, fill=MUTED)
    bars = element(root, "g", class_="bars")
    for i, (label, value) in enumerate(zip(labels, values)):
        y = top + row * i
        note = notes[i] if notes else ""
        element(bars, "text", label, x=left - 8, y=y + row / 2, text_anchor="end", dominant_baseline="middle",
                font_size=FONT, fill=INK)
        bar = element(bars, "rect", class_="bar", x=left, y=y + 6, width=max(x_of(value) - left, 0.5),
                      height=row - 12, fill=BAR, rx=2)
        element(bar, "title", f"{label}: {tick_label(value)}" + (f" ({note})" if note else ""))
        element(bars, "text", tick_label(value) + (f" ({note})" if note else ""), x=x_of(value) + 6,
                y=y + row / 2, dominant_baseline="middle", font_size=FONT, fill=INK)
    return to_markup(root)


def _legend(root, names: Sequence[str], left: float, right: float) -> float:
    """Colour keys in rows that wrap at `right`; returns the y below the last row."""
    legend = element(root, "g", class_="legend")
    x, y = left, 8.0
    for name, colour in zip(names, SERIES):
        item_width = 17 + text_width(name, FONT) + 18
        if x > left and x + item_width > right:
            x, y = left, y + 20
        element(legend, "rect", x=x, y=y, width=12, height=12, fill=colour, rx=2)
        element(legend, "text", name, x=x + 17, y=y + 6, dominant_baseline="middle", font_size=FONT, fill=INK)
        x += item_width
    return y + 20


LABEL_SPOTS = ((0.0, -10.0, "middle"), (0.0, 17.0, "middle"), (9.0, 4.0, "start"))  # above, below, right


def _value_label_spots(values_by_series: list[Sequence[float]], y_of, bottom: float) -> list[list[tuple]]:
    """Where each point's value goes: above it, else below (not into the axis), else to its right —
    the first spot at least a line away from the labels already placed at that x."""
    spots = [[LABEL_SPOTS[0]] * len(values) for values in values_by_series]
    for i in range(len(values_by_series[0]) if values_by_series else 0):
        placed: list[tuple[float, float]] = []
        for s in sorted(range(len(values_by_series)), key=lambda s: -values_by_series[s][i]):
            y = y_of(values_by_series[s][i])
            free = [spot for spot in LABEL_SPOTS if y + spot[1] < bottom - 4
                    and all(abs(y + spot[1] - py) >= 12 or abs(spot[0] - px) >= 9 for px, py in placed)]
            spots[s][i] = free[0] if free else LABEL_SPOTS[-1]
            placed.append((spots[s][i][0], y + spots[s][i][1]))
    return spots


def line_chart(svg_id: str, title: str, x: Sequence[str], series: dict[str, Sequence[float]], y_label: str,
               width: float = 520, height: float = 280) -> Markup:
    """Several series over the same categories (years), with a legend above the plot."""
    root = svg_root(width, height, svg_id, title)
    left, right, bottom = 44.0, width - 20, height - 30
    top = _legend(root, list(series), left, right) + 24
    ticks = nice_ticks(max((v for values in series.values() for v in values), default=0))
    y_of = linear_scale(ticks[-1], bottom, top)
    x_of = linear_scale(max(len(x) - 1, 1), left + 20, right - 20)
    _y_axis(root, ticks, left, right, y_of, y_label, top)
    for i, category in enumerate(x):
        element(root, "text", category, x=x_of(i), y=bottom + 18, text_anchor="middle", font_size=FONT, fill=INK)
    spots = _value_label_spots(list(series.values()), y_of, bottom)
    for (name, values), colour, places in zip(series.items(), SERIES, spots):
        line = element(root, "g", class_="series")
        points = " ".join(f"{number(x_of(i))},{number(y_of(v))}" for i, v in enumerate(values))
        element(line, "polyline", points=points, fill="none", stroke=colour, stroke_width=2.5,
                stroke_linejoin="round")
        for i, value in enumerate(values):
            point = element(line, "circle", class_="point", cx=x_of(i), cy=y_of(value), r=4, fill="#fff",
                            stroke=colour, stroke_width=2)
            element(point, "title", f"{name}, {x[i]}: {tick_label(value)}")
            dx, dy, anchor = places[i]
            element(line, "text", tick_label(value), x=x_of(i) + dx, y=y_of(value) + dy, text_anchor=anchor,
                    font_size=FONT - 1, fill=colour, font_weight="600")
    return to_markup(root)
