"""SSACL with the Fellegi-Sunter view (judge.ssacl.fs_evidence = fuse, the default, or pseudo) and bounded training."""
from __future__ import annotations

import dataclasses

import pytest

pytest.importorskip("torch")

from tablefuse.config import JudgeConfig, SSACLConfig  # noqa: E402
from tablefuse.judge import make_judge  # noqa: E402
from tablefuse.judge.ssacl import SSACLJudge, TrainParams  # noqa: E402
from tablefuse.judge.ssacl.judge import FS_AGREEMENT_GATE  # noqa: E402

from judge_helpers import HashEncoder  # noqa: E402

FAST = TrainParams(epochs=6, hidden=32, batch_size=32, seed=0)
NO_FS = dataclasses.replace(FAST, fs_evidence="none")


def _f1(scored, truth) -> float:
    f = scored.frame.filter(scored.frame["integrable"])
    pred = set(zip(f["tid_a"].to_list(), f["tid_b"].to_list()))
    tp = len(pred & truth)
    p, r = tp / max(len(pred), 1), tp / max(len(truth), 1)
    return 2 * p * r / max(p + r, 1e-9)


def test_config_reaches_params():
    judge = make_judge(JudgeConfig(ssacl=SSACLConfig(fs_evidence="pseudo", bounded=True)))
    assert isinstance(judge, SSACLJudge)
    assert judge.params.fs_evidence == "pseudo" and judge.params.bounded is True


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


def test_fusion_is_the_default():
    assert SSACLConfig().fs_evidence == "fuse" and TrainParams().fs_evidence == "fuse"


def test_fused_scores_follow_both_views_where_they_agree(lake):
    tuples, cands, truth = lake
    fused = SSACLJudge(FAST, encoder=HashEncoder(), device="cpu").fit(tuples, cands)
    alone = SSACLJudge(NO_FS, encoder=HashEncoder(), device="cpu").fit(tuples, cands)
    stats = fused.stats_
    # an easy lake: both views find the duplicates, so FS gets its say
    assert stats["fs_agreement"] >= FS_AGREEMENT_GATE and stats["fs_fused"] is True
    scored = fused.score(tuples, cands)
    assert scored.threshold == 0.5 and fused.choose_threshold(scored.frame["score"].to_numpy()) == 0.5
    assert scored.stats["threshold_source"] == "fused with fellegi-sunter"
    # the head's own scores are the same with or without the fusion (same seed, same pairs) ...
    raw = fused.score_pairs(tuples, cands.frame["tid_a"].to_numpy(), cands.frame["tid_b"].to_numpy())
    assert (abs(raw - alone.score(tuples, cands).frame["score"].to_numpy()) < 1e-6).all()
    # ... and the fused score crosses 0.5 exactly where the weighted margins add up to more than 0
    post = fused._fs_posterior(tuples, cands)
    w, cut = fused.fusion_["fs_weight"], fused.fusion_["ssacl_cut"]

    def logit(x):
        import numpy as np
        x = np.clip(x, 1e-6, 1 - 1e-6)
        return np.log(x / (1 - x))

    expect = (logit(raw) - logit(cut) + w * logit(post)) >= 0
    assert (scored.frame["integrable"].to_numpy() == expect).mean() > 0.999
    assert _f1(scored, truth) >= 0.9


def test_fs_has_no_say_where_the_views_disagree(lake, monkeypatch):
    """A Fellegi-Sunter view that calls every candidate integrable (EM found another class) overlaps
    the head's pairs little: SSACL decides alone, with its own scores and cut."""
    import numpy as np

    import tablefuse.judge.fellegi_sunter as fs_mod

    class Everything(fs_mod.FellegiSunterJudge):
        def score_positions(self, ia, ib):
            return np.full(len(ia), 0.99)

    tuples, cands, _ = lake
    judge = SSACLJudge(FAST, encoder=HashEncoder(), device="cpu")
    monkeypatch.setattr(fs_mod, "FellegiSunterJudge", Everything)
    judge.fit(tuples, cands)
    monkeypatch.undo()
    assert judge.stats_["fs_agreement"] < FS_AGREEMENT_GATE and judge.stats_["fs_fused"] is False
    assert judge.fusion_ is None
    scored = judge.score(tuples, cands)
    assert scored.threshold == judge.synthetic_threshold_
    alone = SSACLJudge(NO_FS, encoder=HashEncoder(), device="cpu").fit(tuples, cands).score(tuples, cands)
    assert scored.frame["integrable"].to_list() == alone.frame["integrable"].to_list()


def test_saved_fused_judge_scores_the_same(lake, tmp_path):
    tuples, cands, _ = lake
    judge = SSACLJudge(FAST, encoder=HashEncoder(), device="cpu").fit(tuples, cands)
    before = judge.score(tuples, cands)
    loaded = SSACLJudge.load(judge.save(tmp_path / "judge"), device="cpu", encoder=HashEncoder())
    assert loaded.fusion_ == judge.fusion_
    after = loaded.score(tuples, cands)  # refits the FS view on these candidates: the same EM, the same model
    assert after.threshold == before.threshold
    assert (abs(after.frame["score"].to_numpy() - before.frame["score"].to_numpy()) < 1e-6).all()
