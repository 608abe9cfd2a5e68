"""The report's SVG pieces on their own: ticks, escaping, layouts."""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from analysis.report.charts import horizontal_bars, line_chart, nice_ticks, vertical_bars
from analysis.report.network_svg import Graph, Node, _Box, institution_ring, map_positions, prefecture_map, ring_angles
from analysis.report.network_svg import separate

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(("maximum", "ticks"), [
    (0, [0, 1]), (3, [0, 1, 2, 3]), (19, [0, 5, 10, 15, 20]), (20, [0, 5, 10, 15, 20]), (87, [0, 20, 40, 60, 80, 100]),
    (1234, [0, 250, 500, 750, 1000, 1250]),
])
def test_nice_ticks_cover_the_maximum_with_round_steps(maximum, ticks):
    assert nice_ticks(maximum) == ticks


def test_nice_ticks_for_fractions():
    assert nice_ticks(0.034, integer=False) == pytest.approx([0, 0.01, 0.02, 0.03, 0.04])


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))  # well-formed XML, or this raises


def test_charts_escape_their_labels():
    hostile = "<script>alert(1)</script>&"
    for markup in (vertical_bars("v", hostile, [hostile], [3], "n"),
                   horizontal_bars("h", "t", [hostile], [3], [hostile]),
                   line_chart("l", "t", ["2020"], {hostile: [3]}, "n")):
        assert "<script>" not in str(markup)
        texts = [t.text for t in parse(markup).iter(f"{SVG}text")]
        assert any(hostile in (text or "") for text in texts)


def test_bars_scale_with_their_values():
    root = parse(vertical_bars("v", "t", ["2019", "2020"], [5, 10], "n"))
    heights = [float(r.get("height")) for r in root.iter(f"{SVG}rect")]
    assert heights[1] == pytest.approx(2 * heights[0])


def node(name: str, province: str, degree: float = 1, place: str = "") -> Node:
    return Node(name, name, province, place, degree, 1, 1)


def overlapping(a: _Box, b: _Box) -> bool:
    return (abs(a.x - b.x) < a.half_width + b.half_width - 1e-6
            and abs(a.centre_y - b.centre_y) < a.half_height + b.half_height - 1e-6)


def test_separation_leaves_no_overlap_and_is_deterministic():
    def boxes():  # five nodes stacked on one spot, two nearby
        return [_Box(300, 300, 20, 40) for _ in range(5)] + [_Box(310, 305, 10, 60), _Box(290, 290, 8, 30)]

    first, second = boxes(), boxes()
    separate(first, 960, 660)
    separate(second, 960, 660)
    assert [(b.x, b.y) for b in first] == [(b.x, b.y) for b in second]
    assert not any(overlapping(a, b) for i, a in enumerate(first) for b in first[i + 1:])


def test_map_keeps_geography_and_puts_outsiders_on_the_rim():
    nodes = [node("成都市", "四川省"), node("重庆市", "重庆市"), node("泸州市", "四川省"), node("北京市", "北京市"),
             node("某某市", None)]
    positions = map_positions(nodes, 960, 660, rim=120)
    assert positions["成都市"][0] < positions["重庆市"][0]  # west of Chongqing
    assert positions["泸州市"][1] > positions["成都市"][1]  # south of Chengdu
    bx, by = positions["北京市"]
    assert by < min(positions[n][1] for n in ("成都市", "重庆市")) and bx > positions["成都市"][0]  # north-east rim
    assert positions["某某市"][1] == pytest.approx(660 - 42)  # unknown place: bottom rim


def test_ring_puts_sichuan_west_and_chongqing_east():
    nodes = [node(f"sc{i}", "四川省") for i in range(4)] + [node(f"cq{i}", "重庆市") for i in range(4)]
    angles = ring_angles(nodes)
    assert all(math.cos(angles[f"sc{i}"]) < 0 for i in range(4))
    assert all(math.cos(angles[f"cq{i}"]) > 0 for i in range(4))


def test_network_drawings_have_one_circle_per_node_and_escape_names():
    nodes = [node("成都市", "四川省", 3), node("重庆市", "重庆市", 5), node("<b>x</b>", "北京市", 1)]
    graph = Graph(nodes, [("成都市", "重庆市", 3.0), ("重庆市", "<b>x</b>", 1.0)])
    for markup in (prefecture_map(graph), institution_ring(graph)):
        root = parse(markup)
        circles = [c for c in root.iter(f"{SVG}circle") if c.get("class") == "node"]
        assert sorted(c.get("data-node") for c in circles) == sorted(n.node for n in nodes)
        assert "<b>" not in str(markup)
