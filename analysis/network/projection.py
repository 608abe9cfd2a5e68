"""Affiliation (node x project) and co-participation (node x node) matrices at four levels.

Levels (contract §3): `institution` (institution_id), `locality` (the paper's "city": the
county-level unit where known, else the prefecture-level city; Chongqing municipal bodies carry
prefecture 重庆市 and no county, so they become 重庆市), `prefecture`, `province`.

Aggregation choice (network-metrics.md §1): participants are mapped to the level's node FIRST
and the affiliation matrix is built at that level, so a project counts once for a node however
many of its institutions took part (this is how the paper counts "projects per city"), and
ties between two institutions of the same node fall on the diagonal and are dropped. Summing
institution-level ties into blocks would give larger weights; we do not do that.

A participant row whose node is unknown at a level (e.g. no prefecture) is left out of that
level only.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

LEVELS = ("institution", "locality", "prefecture", "province")


def _text(values: pd.Series) -> pd.Series:
    """Strings with blanks turned into missing values."""
    cleaned = values.astype("string").str.strip()
    return cleaned.mask(cleaned == "")


def node_keys(participants: pd.DataFrame, level: str) -> pd.Series:
    """The node each participant row belongs to at `level` (missing when unknown)."""
    if level == "institution":
        return _text(participants["institution_id"])
    if level == "locality":
        return _text(participants["county"]).fillna(_text(participants["prefecture"]))
    if level in ("prefecture", "province"):
        return _text(participants[level])
    raise ValueError(f"level {level!r}: expected one of {', '.join(LEVELS)}")


def _most_common(keys: pd.Series, values: pd.Series) -> pd.Series:
    """Per node, its most frequent non-missing value (ties broken alphabetically)."""
    pairs = pd.DataFrame({"node": keys, "value": _text(values)}).dropna()
    counts = pairs.groupby(["node", "value"]).size().reset_index(name="n")
    counts = counts.sort_values(["node", "n", "value"], ascending=[True, False, True])
    return counts.drop_duplicates("node").set_index("node")["value"]


def node_attributes(participants: pd.DataFrame, level: str) -> pd.DataFrame:
    """Label and place of every node at `level`, for tables and exports.

    Columns: label, node_type, sector, province, prefecture, county. At the institution level
    they are the institution's own (its most frequent coding); at the place levels the node is
    its own label, node_type names the kind of place and the enclosing units come from the
    participants placed there.
    """
    keys = node_keys(participants, level)
    nodes = pd.Index(sorted(keys.dropna().unique()), name="node")
    frame = pd.DataFrame(index=nodes)
    if level == "institution":
        frame["label"] = _most_common(keys, participants["institution"])
        frame["node_type"] = _most_common(keys, participants["institution_type"])
        frame["sector"] = _most_common(keys, participants["sector"])
    else:
        frame["label"] = nodes
        frame["sector"] = pd.NA
        if level == "locality":
            from_county = _text(participants["county"]).notna()
            kind = pd.Series(np.where(from_county, "county", "prefecture"), index=participants.index)
            frame["node_type"] = _most_common(keys, kind)
        else:
            frame["node_type"] = level
    for column in ("province", "prefecture", "county"):
        frame[column] = _most_common(keys, participants[column]) if column != level else nodes
    if level == "province":
        frame[["prefecture", "county"]] = pd.NA
    if level == "prefecture":
        frame["county"] = pd.NA
    frame["label"] = frame["label"].fillna(pd.Series(nodes, index=nodes))
    return frame[["label", "node_type", "sector", "province", "prefecture", "county"]]


@dataclass(frozen=True)
class Affiliation:
    """0/1 node x project matrix; a repeated (node, project) pair counts once."""

    nodes: pd.Index
    projects: pd.Index
    matrix: sp.csr_array

    @property
    def n_projects(self) -> np.ndarray:
        """Projects per node (the paper's "No. of projects")."""
        return np.asarray(self.matrix.sum(axis=1)).ravel().astype(np.int64)


def affiliation(keys: pd.Series, project_ids: pd.Series) -> Affiliation:
    """Build the affiliation matrix from parallel node keys and project ids (missing keys dropped)."""
    pairs = pd.DataFrame({"node": keys.to_numpy(), "project": project_ids.to_numpy()}).dropna().drop_duplicates()
    node_codes, nodes = pd.factorize(pairs["node"], sort=True)
    project_codes, projects = pd.factorize(pairs["project"], sort=True)
    matrix = sp.csr_array((np.ones(len(pairs)), (node_codes, project_codes)), shape=(len(nodes), len(projects)))
    return Affiliation(nodes=pd.Index(nodes, name="node"), projects=pd.Index(projects, name="project_id"),
                       matrix=matrix)


def co_participation(aff: Affiliation) -> sp.csr_array:
    """W = A·Aᵀ with a zero diagonal: w_ij = number of projects nodes i and j share.

    The diagonal (projects per node) is removed, not kept as a self-loop, because a loop would
    corrupt degree and constraint (network-metrics.md §1, §6.3).
    """
    product = (aff.matrix @ aff.matrix.T).tocsr()
    weights = product - sp.diags_array(product.diagonal(), format="csr")
    weights = sp.csr_array(weights)
    weights.eliminate_zeros()
    weights.sort_indices()
    return weights
