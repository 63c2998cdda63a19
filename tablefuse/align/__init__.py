"""Align: map every source column onto a unified attribute, then outer-union the lake.

Public: ``align(lake, config) -> Alignment``, ``union(lake, alignment) -> TupleTable``,
``alignment_report(alignment) -> pl.DataFrame`` (for review: weakest mappings first),
``load_mapping(path)`` and ``ScoreWeights`` (the holistic scorer's constants, for experiments).
"""
from ._align import align, load_mapping
from ._decision import Decision
from ._holistic import cluster_set, column_set
from ._keys import detect_keys
from ._report import alignment_report
from ._score import ScoreWeights
from ._union import union

__all__ = ["Decision", "ScoreWeights", "align", "alignment_report", "cluster_set", "column_set", "detect_keys",
           "load_mapping", "union"]
