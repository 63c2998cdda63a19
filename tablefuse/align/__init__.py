"""Align: map every source column onto a unified attribute, then outer-union the lake.

Public: ``align(lake, config) -> Alignment`` and ``union(lake, alignment) -> TupleTable``.
"""
from ._align import align, load_mapping
from ._union import union

__all__ = ["align", "load_mapping", "union"]
