"""The cooperation network drawn as static SVG: a rough map of prefectures, a ring of institutions.

Both layouts are deterministic (no random seed to drift between runs, so the report of the
same snapshot is byte-identical):

- prefecture level: each unit at its seat's coordinates (places.py), partners outside
  Sichuan and Chongqing on the rim in their direction, then nodes pushed apart until no
  circle or label overlaps another;
- institution level (the top institutions by degree): a circle ordered by province and city,
  Sichuan on the west side and Chongqing on the east, names written outwards along the radius.

Nodes are sized by degree and coloured by province; edges are as wide as their weight, and
ties between a Sichuan and a Chongqing unit — what the region's cooperation is about —
are coloured apart. Every node is ``<circle class="node" data-node="…">``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup

from analysis.report.formatting import missing
from analysis.report.places import PREFECTURES, PROVINCES, REGION
from analysis.report.svg import element, shorten, svg_root, text_width, to_markup

PROVINCE_COLOURS = {"四川省": "#e8590c", "重庆市": "#1c7ed6"}
OTHER_COLOUR = "#868e96"
CROSS_TIE, OTHER_TIE = "#7048e8", "#adb5bd"
LABEL_FONT = 13
HALO = {"stroke": "#ffffff", "stroke_width": 3.5, "paint_order": "stroke", "stroke_linejoin": "round"}


@dataclass(frozen=True)
class Node:
    node: str
    label: str
    province: str | None
    place: str  # prefecture and county, to keep one city's institutions together on the ring
    degree: float
    n_projects: int
    n_alters: int


@dataclass(frozen=True)
class Graph:
    nodes: list[Node]
    edges: list[tuple[str, str, float]]


def province_group(province: str | None) -> str:
    return {"四川省": "sichuan", "重庆市": "chongqing"}.get(province or "", "other")


def node_colour(province: str | None) -> str:
    return PROVINCE_COLOURS.get(province or "", OTHER_COLOUR)


def level_graph(network: dict, period: str, level: str) -> Graph:
    """Nodes (every ranked node of the level, isolates included) and edges of one period."""
    rankings, attributes, edges = network["rankings"], network["nodes"], network["edges"]
    ranked = rankings.loc[(rankings["period"] == period) & (rankings["level"] == level)]
    places = attributes.loc[(attributes["period"] == period) & (attributes["level"] == level)].set_index("node")

    def attribute(node: str, column: str) -> str | None:
        return _text(places.at[node, column]) if node in places.index else None

    nodes = []
    for row in ranked.sort_values(["rank_degree", "node"]).itertuples():
        label = attribute(row.node, "label") or _text(getattr(row, "node_label", None)) or row.node
        place = f"{attribute(row.node, 'prefecture') or ''} {attribute(row.node, 'county') or ''}"
        nodes.append(Node(row.node, label, attribute(row.node, "province"), place, float(row.degree),
                          int(row.n_projects), int(row.n_alters)))
    chosen = edges.loc[(edges["period"] == period) & (edges["level"] == level)]
    return Graph(nodes, [(r.source, r.target, float(r.weight)) for r in chosen.itertuples()])


def _text(value) -> str | None:
    return None if missing(value) else str(value)


def top_institutions(graph: Graph, top: int) -> Graph:
    """The `top` nodes by degree (then projects, then name) and the edges among them."""
    kept = sorted(graph.nodes, key=lambda n: (-n.degree, -n.n_projects, n.label))[:top]
    names = {n.node for n in kept}
    return Graph(kept, [e for e in graph.edges if e[0] in names and e[1] in names])


def _radii(nodes: list[Node], smallest: float, largest: float) -> dict[str, float]:
    """Area-true sizes: radius grows with the square root of degree."""
    most = max((n.degree for n in nodes), default=0) or 1.0
    return {n.node: smallest + (largest - smallest) * math.sqrt(max(n.degree, 0) / most) for n in nodes}


def _edge_widths(edges: list[tuple[str, str, float]]) -> list[float]:
    """A single shared agreement is a thin line; the heaviest tie is 8 px wide."""
    most = max((w for _, _, w in edges), default=1.0)
    if most <= 1:
        return [1.4] * len(edges)
    return [1.2 + 6.8 * math.sqrt(max(w - 1, 0) / (most - 1)) for _, _, w in edges]


def _tie_colour(a: Node, b: Node) -> str:
    return CROSS_TIE if {a.province, b.province} == set(REGION) else OTHER_TIE


def _node_title(n: Node) -> str:
    return (f"{n.label} ({n.province or 'province unknown'}): degree {n.degree:g}, "
            f"{n.n_alters} partners, {n.n_projects} projects")


def _draw_edges(root, graph: Graph, path_of, opacity: float) -> None:
    by_name = {n.node: n for n in graph.nodes}
    layer = element(root, "g", class_="edges", fill="none", stroke_linecap="round")
    ordered = sorted(zip(graph.edges, _edge_widths(graph.edges)), key=lambda e: (e[0][2], e[0][0], e[0][1]))
    for (source, target, weight), width in ordered:
        a, b = by_name[source], by_name[target]
        edge = element(layer, "path", class_="edge", d=path_of(source, target), stroke=_tie_colour(a, b),
                       stroke_width=width, stroke_opacity=opacity, data_weight=f"{weight:g}")
        element(edge, "title", f"{a.label} – {b.label}: {weight:g}")


def _draw_node(layer, n: Node, x: float, y: float, r: float) -> None:
    circle = element(layer, "circle", class_="node", cx=x, cy=y, r=r, fill=node_colour(n.province),
                     stroke="#ffffff", stroke_width=1.5, data_node=n.node, data_province=province_group(n.province),
                     data_degree=f"{n.degree:g}")
    element(circle, "title", _node_title(n))


# --- prefecture level: a rough map --------------------------------------------------------

@dataclass
class _Box:
    """A node with its label below it, as the rectangle the layout keeps free of overlaps."""

    x: float
    y: float
    r: float
    label_width: float

    @property
    def half_width(self) -> float:
        return max(self.r, self.label_width / 2) + 3

    @property
    def centre_y(self) -> float:  # the circle's top to the label's baseline, halved
        return self.y + (LABEL_FONT + 4) / 2

    @property
    def half_height(self) -> float:
        return self.r + (LABEL_FONT + 4) / 2 + 2


def separate(boxes: list[_Box], width: float, height: float, rounds: int = 400) -> None:
    """Push overlapping boxes apart along their axis of least overlap, half each, until none
    overlaps (or `rounds` passes); deterministic, and it moves nodes only as far as needed."""
    for _ in range(rounds):
        moved = False
        for i, a in enumerate(boxes):
            for j in range(i + 1, len(boxes)):
                b = boxes[j]
                dx, dy = b.x - a.x, b.centre_y - a.centre_y
                overlap_x = a.half_width + b.half_width - abs(dx)
                overlap_y = a.half_height + b.half_height - abs(dy)
                if overlap_x <= 0 or overlap_y <= 0:
                    continue
                moved = True
                if overlap_x < overlap_y:
                    shift = (overlap_x / 2 + 0.5) * (1 if dx > 0 or (dx == 0 and i < j) else -1)
                    a.x, b.x = a.x - shift, b.x + shift
                else:
                    shift = (overlap_y / 2 + 0.5) * (1 if dy > 0 or (dy == 0 and i < j) else -1)
                    a.y, b.y = a.y - shift, b.y + shift
        for box in boxes:
            box.x = min(max(box.x, box.half_width + 4), width - box.half_width - 4)
            box.y = min(max(box.y, box.r + 4), height - box.r - LABEL_FONT - 10)
        if not moved:
            return


def _rim_point(angle: float, centre: tuple[float, float], width: float, height: float, inset: float):
    """Where a ray from `centre` at `angle` leaves the canvas shrunk by `inset`."""
    cx, cy = centre
    dx, dy = math.cos(angle), math.sin(angle)
    reach = min(((width - inset - cx) / dx if dx > 1e-9 else (inset - cx) / dx if dx < -1e-9 else math.inf),
                ((height - inset - cy) / dy if dy > 1e-9 else (inset - cy) / dy if dy < -1e-9 else math.inf))
    return cx + dx * reach, cy + dy * reach


def map_positions(nodes: list[Node], width: float, height: float, rim: float) -> dict[str, tuple[float, float]]:
    """Screen positions before separation: the region's units by their coordinates, inside a
    rim of `rim` pixels that holds partners from elsewhere."""
    inside = {n.node: PREFECTURES[n.node] for n in nodes if n.node in PREFECTURES and n.province in REGION}
    outside = [n for n in nodes if n.node not in inside]
    points = list(inside.values()) or list(PREFECTURES.values())
    lon0 = (min(p[0] for p in points) + max(p[0] for p in points)) / 2
    lat0 = (min(p[1] for p in points) + max(p[1] for p in points)) / 2
    stretch = math.cos(math.radians(lat0))
    span_x = max(max(abs(p[0] - lon0) for p in points) * stretch, 1.2)
    span_y = max(max(abs(p[1] - lat0) for p in points), 0.9)
    margin = rim if outside else 70.0
    scale = min((width / 2 - margin) / span_x, (height / 2 - margin) / span_y)
    centre = (width / 2, height / 2)

    def project(lon: float, lat: float) -> tuple[float, float]:
        return centre[0] + (lon - lon0) * stretch * scale, centre[1] - (lat - lat0) * scale

    positions = {name: project(*coords) for name, coords in inside.items()}
    unplaced = []
    for n in outside:
        coords = PREFECTURES.get(n.node) or PROVINCES.get(n.province or "")
        if coords is None:
            unplaced.append(n)
            continue
        x, y = project(*coords)
        positions[n.node] = _rim_point(math.atan2(y - centre[1], x - centre[0]), centre, width, height, 42)
    for i, n in enumerate(unplaced):  # no known place: along the bottom rim
        positions[n.node] = (width * (i + 1) / (len(unplaced) + 1), height - 42)
    return positions


def _extent(boxes: list[_Box], padding: float) -> tuple[float, float, float, float]:
    """(left, top, width, height) around the boxes' circles and labels."""
    left = min(b.x - b.half_width for b in boxes) - padding
    right = max(b.x + b.half_width for b in boxes) + padding
    top = min(b.centre_y - b.half_height for b in boxes) - padding
    bottom = max(b.centre_y + b.half_height for b in boxes) + padding
    return left, top, right - left, bottom - top


def prefecture_map(graph: Graph, svg_id: str = "network-prefecture", width: float = 960,
                   height: float = 660) -> Markup:
    """The prefecture-level network as a rough map, every unit labelled with its Chinese name."""
    radii = _radii(graph.nodes, 6, 28)
    start = map_positions(graph.nodes, width, height, rim=120)
    boxes = {n.node: _Box(*start[n.node], radii[n.node], text_width(n.label, LABEL_FONT)) for n in graph.nodes}
    separate(list(boxes.values()), width, height)
    regional = [boxes[n.node] for n in graph.nodes if n.province in REGION]
    frame = _extent(regional, 22) if regional and len(regional) < len(boxes) else None
    left, top, w, h = _extent(list(boxes.values()), 16) if boxes else (0, 0, width, height)
    if frame is not None:  # the frame's caption needs room above the first row of nodes
        frame = (frame[0], frame[1] - 16, frame[2], frame[3] + 16)
        left, top = min(left, frame[0] - 12), min(top, frame[1] - 12)
        w = max(left + w, frame[0] + frame[2] + 12) - left
        h = max(top + h, frame[1] + frame[3] + 12) - top
    root = svg_root(w, h, svg_id, "Cooperation network between prefecture-level units", left, top)
    if frame is not None:
        x, y, fw, fh = frame
        element(root, "rect", class_="region-frame", x=x, y=y, width=fw, height=fh, rx=14, fill="#f8f9fa",
                stroke="#dee2e6", stroke_dasharray="5 4")
        element(root, "text", "Sichuan and Chongqing 川渝 · partners elsewhere outside this frame", x=x + 10,
                y=y + 17, font_size=11, fill="#868e96")
    _draw_edges(root, graph, lambda s, t: f"M{boxes[s].x:.1f},{boxes[s].y:.1f}L{boxes[t].x:.1f},{boxes[t].y:.1f}",
                opacity=0.55)
    layer = element(root, "g", class_="nodes")
    labels = element(root, "g", class_="labels", font_size=LABEL_FONT, text_anchor="middle", fill="#212529")
    for n in sorted(graph.nodes, key=lambda n: (-n.degree, n.node)):  # small nodes drawn over big ones
        box = boxes[n.node]
        _draw_node(layer, n, box.x, box.y, box.r)
        element(labels, "text", n.label, class_="node-label", x=box.x, y=box.y + box.r + LABEL_FONT + 1,
                font_weight="600" if n.province in REGION else "400", **HALO)
    return to_markup(root)


# --- institution level: a ring ------------------------------------------------------------

RING_ORDER = {"sichuan": 0, "chongqing": 1, "other": 2}
LABEL_CHARS = 16


def ring_angles(nodes: list[Node]) -> dict[str, float]:
    """Angles (radians, clockwise from east) starting at the bottom: Sichuan sweeps the west,
    Chongqing the east, others close the circle; one empty slot between groups."""
    ordered = sorted(nodes, key=lambda n: (RING_ORDER[province_group(n.province)], n.province or "", n.place,
                                           n.label))
    slots, previous = [], None
    for n in ordered:
        group = province_group(n.province)
        if previous is not None and group != previous:
            slots.append(None)
        slots.append(n.node)
        previous = group
    step = 2 * math.pi / max(len(slots), 1)
    return {name: math.pi / 2 + step * (i + 0.5) for i, name in enumerate(slots) if name is not None}


def institution_ring(graph: Graph, svg_id: str = "network-institution", radius: float = 250) -> Markup:
    """The network of the given institutions on a circle, names outside along the radius."""
    radii = _radii(graph.nodes, 4, 15)
    angles = ring_angles(graph.nodes)
    longest = max((text_width(shorten(n.label, LABEL_CHARS), LABEL_FONT - 1) for n in graph.nodes), default=0)
    half = radius + 15 + 10 + longest + 12
    centre = half
    position = {name: (centre + radius * math.cos(a), centre + radius * math.sin(a)) for name, a in angles.items()}
    root = svg_root(2 * half, 2 * half, svg_id, f"Cooperation network of the top {len(graph.nodes)} institutions")

    def curve(source: str, target: str) -> str:
        (x1, y1), (x2, y2) = position[source], position[target]
        qx, qy = centre + ((x1 + x2) / 2 - centre) * 0.3, centre + ((y1 + y2) / 2 - centre) * 0.3
        return f"M{x1:.1f},{y1:.1f}Q{qx:.1f},{qy:.1f} {x2:.1f},{y2:.1f}"

    _draw_edges(root, graph, curve, opacity=0.4)
    layer = element(root, "g", class_="nodes")
    labels = element(root, "g", class_="labels", font_size=LABEL_FONT - 1, fill="#212529", dominant_baseline="middle")
    for n in graph.nodes:
        x, y = position[n.node]
        angle = angles[n.node]
        _draw_node(layer, n, x, y, radii[n.node])
        reach = radius + radii[n.node] + 6
        lx, ly = centre + reach * math.cos(angle), centre + reach * math.sin(angle)
        degrees = math.degrees(angle)
        east = math.cos(angle) >= 0
        element(labels, "text", shorten(n.label, LABEL_CHARS), class_="node-label", x=lx, y=ly,
                text_anchor="start" if east else "end",
                transform=f"rotate({degrees if east else degrees - 180:.1f} {lx:.1f} {ly:.1f})")
    return to_markup(root)
