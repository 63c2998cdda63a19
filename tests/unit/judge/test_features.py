"""Per-attribute string features."""
from __future__ import annotations

import numpy as np

from tablefuse.judge.ssacl.features import FEATURE_NAMES, PairFeaturizer, prepare, value_features

F = {n: i for i, n in enumerate(FEATURE_NAMES)}


def test_features_symmetric_and_bounded() -> None:
    pf = PairFeaturizer()
    a = [["Joe's Diner", "1,000", None], ["alpha", None, None]]
    b = [["joes diner", "1000", "x"], ["omega", None, "y"]]
    f1 = pf.features(a, b)
    f2 = pf.features(b, a)
    assert f1.shape == (2, 3, len(FEATURE_NAMES))
    assert np.array_equal(f1, f2)
    assert f1.min() >= 0 and f1.max() <= 1


def test_feature_values() -> None:
    eq = value_features(prepare("Joe's Diner"), prepare("joes diner"))
    assert eq[F["equal"]] == 1 and eq[F["both_present"]] == 1
    num = value_features(prepare("1,000"), prepare("1000"))
    assert num[F["numeric_close"]] == 1 and num[F["both_numeric"]] == 1
    one = value_features(prepare("x"), None)
    assert one[F["one_null"]] == 1 and one[F["both_present"]] == 0 and sum(one) == 1
    both = value_features(None, None)
    assert sum(both) == 0
    diff = value_features(prepare("golden dragon"), prepare("dragon golden palace"))
    assert diff[F["equal"]] == 0 and diff[F["token_set"]] == 1.0 and 0 < diff[F["token_jaccard"]] < 1
