"""SSACL with Fellegi-Sunter evidence (judge.ssacl.fs_evidence = pseudo) and bounded training."""
from __future__ import annotations

import dataclasses

import pytest

pytest.importorskip("torch")

from tablefuse.config import JudgeConfig, SSACLConfig  # noqa: E402
from tablefuse.judge import make_judge  # noqa: E402
from tablefuse.judge.ssacl import SSACLJudge, TrainParams  # noqa: E402

from judge_helpers import HashEncoder  # noqa: E402

FAST = TrainParams(epochs=6, hidden=32, batch_size=32, seed=0)


def _f1(scored, truth) -> float:
    f = scored.frame.filter(scored.frame["integrable"])
    pred = set(zip(f["tid_a"].to_list(), f["tid_b"].to_list()))
    tp = len(pred & truth)
    p, r = tp / max(len(pred), 1), tp / max(len(truth), 1)
    return 2 * p * r / max(p + r, 1e-9)


def test_config_reaches_params():
    judge = make_judge(JudgeConfig(ssacl=SSACLConfig(fs_evidence="pseudo", bounded=False)))
    assert isinstance(judge, SSACLJudge)
    assert judge.params.fs_evidence == "pseudo" and judge.params.bounded is False


def test_fs_pseudo_pairs_join_training(lake):
    tuples, cands, truth = lake
    params = dataclasses.replace(FAST, fs_evidence="pseudo", fs_max_pairs=50)
    judge = SSACLJudge(params, encoder=HashEncoder(), device="cpu").fit(tuples, cands)
    stats = judge.stats_
    assert 0 < stats["fs_pseudo_positives"] <= 50 and 0 < stats["fs_hard_negatives"] <= 50
    assert 0 < stats["fs_lambda"] < 1
    assert _f1(judge.score(tuples, cands), truth) >= 0.85


def test_bounded_and_v1_training_both_separate(lake):
    tuples, cands, truth = lake
    for bounded in (True, False):
        params = dataclasses.replace(FAST, bounded=bounded)
        judge = SSACLJudge(params, encoder=HashEncoder(), device="cpu").fit(tuples, cands)
        assert _f1(judge.score(tuples, cands), truth) >= 0.85
