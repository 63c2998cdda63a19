"""Mining of training pairs with lake frequencies: code pseudo-positives, frequent-value guard."""
from __future__ import annotations

from tablefuse.judge.ssacl.features import PairFeaturizer
from tablefuse.judge.ssacl.lakestats import LakeStats
from tablefuse.judge.ssacl.train import POS, PSEUDO_POS, RANDOM_NEG, TrainParams, _mine, build_pairs


def _featurizer(rows):
    return PairFeaturizer(LakeStats.from_rows(rows))


def test_shared_rare_code_gives_a_pseudo_positive_that_plain_similarity_misses() -> None:
    filler = [[f"{brand} {kind} {size}in", None] for brand in ("acme", "zenith", "orion", "vega")
              for kind in ("lcd tv", "plasma tv", "dvd player") for size in (32, 40)]
    rows = [["Sony Bravia KDL-40V4100 40in LCD HDTV", None], ["sony kdl40v4100 bravia television", None],
            ["Samsung LN46A650 46in LCD HDTV", None], ["samsung ln46a650 television", None],
            ["Panasonic TH-42PX80U plasma", None]] + filler
    cands = [(0, 1), (0, 3), (2, 3), (2, 1), (4, 1)]
    pf = _featurizer(rows)
    _, plain_pseudo = _mine(rows, cands, pf, fn_guard=0.8, code_evidence=False)
    hard, pseudo = _mine(rows, cands, pf, fn_guard=0.8, code_evidence=True)
    assert (0, 1) not in plain_pseudo  # the strings differ too much for the plain rule
    assert (0, 1) in pseudo and (2, 3) in pseudo and (4, 1) not in pseudo
    assert 1 not in hard.get(0, []) and 3 not in hard.get(2, [])  # never also a hard negative
    assert 1 in hard.get(2, [])  # other model of the same kind: a hard negative


def test_frequent_only_tuples_give_no_positive_and_stay_negatives() -> None:
    rows = [["new york", None]] * 30 + [["atlanta", None]] * 30 + \
        [[f"restaurant {i}", f"212-555-{1000 + i}"] for i in range(30)]
    params = TrainParams(seed=1, random_negatives=4, hard_negatives=0, pseudo_positives=False, val_fraction=0.0)
    train, _ = build_pairs(rows, [], params, _featurizer(rows))
    anchors = {tuple(a) for a, k in zip(train.rows_a, train.kinds) if k in (POS, PSEUDO_POS)}
    assert ("new york", None) not in anchors and ("atlanta", None) not in anchors
    assert any(a[0].startswith("restaurant") for a in anchors)
    kept = [(a, b) for a, b, k in zip(train.rows_a, train.rows_b, train.kinds)
            if k == RANDOM_NEG and a == b == ["new york", None]]
    assert kept, "random negatives agreeing only on a frequent value are kept, not guarded away"
    off = TrainParams(seed=1, random_negatives=4, hard_negatives=0, pseudo_positives=False, val_fraction=0.0,
                      informative_only=False)
    train_off, _ = build_pairs(rows, [], off, _featurizer(rows))
    assert not [1 for a, b, k in zip(train_off.rows_a, train_off.rows_b, train_off.kinds)
                if k == RANDOM_NEG and a == b]  # the old guard drops every equal pair
    assert any(tuple(a) == ("new york", None) for a, k in zip(train_off.rows_a, train_off.kinds) if k == POS)


def test_blocking_pairs_agreeing_on_frequent_values_only_are_hard_negatives() -> None:
    rows = [["new york", None]] * 20 + [[f"deli {i}", f"212-555-{1000 + i}"] for i in range(20)]
    cands = [(0, 1), (0, 2), (3, 4), (20, 21)]
    pf = _featurizer(rows)
    hard, pseudo = _mine(rows, cands, pf, fn_guard=0.8, code_evidence=True, weak_negatives=True)
    assert 1 in hard[0] and 2 in hard[0] and 4 in hard[3]
    assert not any(p[0] < 20 for p in pseudo)
    hard_off, pseudo_off = _mine(rows, cands, pf, fn_guard=0.8, code_evidence=True, weak_negatives=False)
    assert 0 not in hard_off  # without it, equal values look like duplicates and are guarded away
