"""GraphML / GEXF / UCINET CSV exports, read back, and the output-path guard."""
import csv
import os

import networkx as nx
import pytest

from analysis.network import compute_all, export_network, safe_output_path, write_ucinet_csv
from tests.unit.test_network_rankings import PARTICIPANTS, PROJECTS


@pytest.fixture(scope="module")
def result():
    return compute_all(PROJECTS, PARTICIPANTS, periods=["2019-2021"])


@pytest.mark.parametrize("fmt, read", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_graph_files_read_back_with_attributes_and_weights(result, tmp_path, fmt, read):
    written, skipped = export_network(result, tmp_path, formats=(fmt,), levels=["locality"])
    assert [p.name for p in written] == [f"network_locality_2019-2021.{fmt}"] and skipped == []
    graph = read(written[0])
    assert graph.number_of_nodes() == 7 and graph.number_of_edges() == 6
    chongqing = graph.nodes["重庆市"]
    assert chongqing["level"] == "locality" and chongqing["type"] == "prefecture"
    assert chongqing["province"] == "重庆市"
    assert float(chongqing["constraint"]) == pytest.approx(0.5 + 1 / 9)
    assert int(chongqing["n_projects"]) == 2
    assert "hierarchy" not in graph.nodes["合江县"]            # NaN (a pendant) is left out, not "nan"
    assert float(graph.edges["重庆市", "泸州市"]["weight"]) == 1.0


def test_institution_graph_carries_institution_attributes(result, tmp_path):
    written, _ = export_network(result, tmp_path, formats=("graphml",), levels=["institution"])
    graph = nx.read_graphml(written[0])
    assert graph.nodes["hj_hosp"]["label"] == "合江县人民医院"
    assert graph.nodes["hj_hosp"]["type"] == "hospital" and graph.nodes["hj_hosp"]["county"] == "合江县"


def test_ucinet_matrix_is_labelled_and_symmetric(result, tmp_path):
    path = write_ucinet_csv(result.nodes, result.edges, "2019-2021", "prefecture", tmp_path / "m.csv")
    with open(path, encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["", "成都市", "泸州市", "重庆市"]
    assert rows[1:] == [["成都市", "0", "0", "1"], ["泸州市", "0", "0", "1"], ["重庆市", "1", "1", "0"]]


def test_ucinet_matrix_refuses_large_networks(result, tmp_path):
    with pytest.raises(ValueError, match="7 nodes exceeds the limit of 3"):
        write_ucinet_csv(result.nodes, result.edges, "2019-2021", "locality", tmp_path / "m.csv", max_nodes=3)
    written, skipped = export_network(result, tmp_path, formats=("csv",), levels=["locality"], max_nodes=3)
    assert written == [] and "exceeds the limit" in skipped[0]


def test_safe_output_path_refuses_escapes(tmp_path):
    assert safe_output_path(tmp_path, "a.gexf") == (tmp_path / "a.gexf").resolve()
    assert safe_output_path(tmp_path, "sub/a.gexf").parent.name == "sub"
    for name in ("../a.gexf", "/etc/passwd", "", ".", "sub/../../a.gexf"):
        with pytest.raises(ValueError, match="output name"):
            safe_output_path(tmp_path, name)
    os.symlink(tmp_path.parent, tmp_path / "link")
    with pytest.raises(ValueError, match="outside"):
        safe_output_path(tmp_path, "link/a.gexf")


def test_unknown_format_is_refused(result, tmp_path):
    with pytest.raises(ValueError, match="format 'pdf'"):
        export_network(result, tmp_path, formats=("pdf",))
