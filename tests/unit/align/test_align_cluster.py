import numpy as np

from tablefuse.align._cluster import cluster_columns


def _sym(n: int, pairs: dict[tuple[int, int], float], default: float = -1.0) -> np.ndarray:
    m = np.full((n, n), default)
    for (i, j), v in pairs.items():
        m[i, j] = m[j, i] = v
    return m


def test_two_columns_of_one_source_never_share_a_cluster() -> None:
    # columns 1 and 2 are both in source 1 and both match column 0 well, and each other perfectly
    m = _sym(3, {(0, 1): 0.3, (0, 2): 0.2, (1, 2): 0.9})
    labels = cluster_columns(m, [0, 1, 1])
    assert labels == [0, 0, 2]  # the better match joins; the other stays alone


def test_same_source_constraint_holds_transitively() -> None:
    # a (s0) ~ b (s1) ~ c (s0): c may not join the cluster that already holds a
    m = _sym(3, {(0, 1): 0.5, (1, 2): 0.4})
    labels = cluster_columns(m, [0, 1, 0])
    assert labels[0] == labels[1] != labels[2]


def test_below_zero_margin_nothing_merges_and_nothing_is_dropped() -> None:
    m = _sym(4, {(0, 1): -0.01, (2, 3): -0.5})
    assert cluster_columns(m, [0, 1, 2, 3]) == [0, 1, 2, 3]
    assert cluster_columns(np.zeros((0, 0)), []) == []


def test_average_linkage_resists_chaining_and_max_linkage_allows_it() -> None:
    # 0~1 strong; 2 matches 1 a little and 0 badly
    m = _sym(3, {(0, 1): 0.5, (1, 2): 0.1, (0, 2): -0.4})
    assert cluster_columns(m, [0, 1, 2], linkage_max=0.0) == [0, 0, 2]
    assert cluster_columns(m, [0, 1, 2], linkage_max=1.0) == [0, 0, 0]


def test_fixed_names_never_merge_and_initial_groups_stay_together() -> None:
    m = _sym(4, {(0, 1): 0.9, (1, 2): 0.9, (0, 2): 0.9, (2, 3): 0.2})
    labels = cluster_columns(m, [0, 1, 2, 3], initial=[0, 1, 2, 3], names=["a", "b", None, None])
    assert labels[0] != labels[1]
    grouped = cluster_columns(m, [0, 1, 2, 3], initial=[0, 1, 0, 3])
    assert grouped[0] == grouped[2]


def test_ties_go_to_lake_order() -> None:
    m = _sym(3, {(0, 1): 0.5, (0, 2): 0.5})
    assert cluster_columns(m, [0, 1, 1]) == [0, 0, 2]
