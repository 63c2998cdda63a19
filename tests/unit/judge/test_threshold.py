"""Label-free thresholds."""
from __future__ import annotations

import numpy as np

from tablefuse.judge.ssacl.threshold import choose_threshold, f1_best_threshold, otsu_threshold


def test_f1_best_threshold_separates_separable_scores() -> None:
    s = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    y = np.array([0, 0, 0, 1, 1, 1])
    t = f1_best_threshold(s, y)
    assert 0.3 < t < 0.7


def test_otsu_splits_two_modes() -> None:
    rng = np.random.default_rng(0)
    s = np.clip(np.r_[rng.normal(0.1, 0.05, 900), rng.normal(0.85, 0.05, 100)], 0, 1)
    t = otsu_threshold(s)
    assert 0.25 < t < 0.7
    assert otsu_threshold(np.full(10, 0.3)) == 0.5


def test_choose_threshold_methods() -> None:
    s = np.r_[np.full(50, 0.05), np.full(10, 0.95)]
    assert choose_threshold("synthetic", 0.6, s) == 0.6
    otsu = choose_threshold("otsu", 0.6, s)
    assert 0.05 < otsu < 0.95
    assert choose_threshold("auto", 0.6, s) == (0.6 + otsu) / 2
    assert choose_threshold("synthetic", None, s) == otsu
