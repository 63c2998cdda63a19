"""Pure metric functions shared by tests, the CLI's ``--truth`` report and the benchmarks.

All take polars frames: pairs as (tid_a, tid_b) with tid_a < tid_b, sets as (tid, set_id),
truth as (tid, entity).
"""
from ._blocking import pair_completeness, reduction_ratio
from ._cells import cell_accuracy
from ._sets import PRF, adjusted_rand_index, pair_prf, pairs_from_sets, set_pair_prf, set_similarity

__all__ = ["PRF", "adjusted_rand_index", "cell_accuracy", "pair_completeness", "pair_prf",
           "pairs_from_sets", "reduction_ratio", "set_pair_prf", "set_similarity"]
