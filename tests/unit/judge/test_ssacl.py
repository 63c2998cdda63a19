"""SSACLJudge end to end on a tiny lake: training separates duplicates, save/load, determinism."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import polars as pl
import pytest

pytest.importorskip("torch")

from tablefuse.config import JudgeConfig, SSACLConfig  # noqa: E402
from tablefuse.errors import ConfigError, NotFittedError  # noqa: E402
from tablefuse.judge import JUDGES, make_judge  # noqa: E402
from tablefuse.judge.ssacl import SSACLJudge, TrainParams  # noqa: E402
from tablefuse.judge.ssacl.features import PairFeaturizer  # noqa: E402
from tablefuse.judge.ssacl.train import build_pairs, guarded_hard_negatives  # noqa: E402

FAST = TrainParams(epochs=6, hidden=32, batch_size=32, seed=0)


def _fit(lake, encoder, params: TrainParams = FAST) -> tuple[SSACLJudge, object]:
    tuples, cands, _ = lake
    judge = SSACLJudge(params, encoder=encoder, device="cpu")
    return judge.fit(tuples, cands), judge.score(tuples, cands)


@pytest.fixture(scope="module")
def fitted(lake):
    from judge_helpers import HashEncoder

    return _fit(lake, HashEncoder())


def test_registered_and_from_config() -> None:
    assert JUDGES["ssacl"] is SSACLJudge
    judge = make_judge(JudgeConfig(method="ssacl", ssacl=SSACLConfig(epochs=3, adv_epsilon=0.02), seed=4))
    assert isinstance(judge, SSACLJudge)
    assert judge.params.epochs == 3 and judge.params.adv_epsilon == 0.02 and judge.params.seed == 4
    with pytest.raises(ConfigError):
        SSACLJudge(TrainParams(augment=("typo", "bogus")))
    with pytest.raises(ConfigError):
        SSACLJudge(threshold_method="magic")


def test_import_judge_does_not_import_torch() -> None:
    code = "import sys, tablefuse.judge; assert 'torch' not in sys.modules and 'transformers' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_training_separates_duplicates(lake, fitted) -> None:
    _, cands, truth = lake
    judge, scored = fitted
    scored.validate()
    f = scored.frame
    is_dup = np.array([(a, b) in truth for a, b in zip(f["tid_a"], f["tid_b"])])
    s = f["score"].to_numpy()
    assert is_dup.sum() == len(truth)
    assert s[is_dup].mean() > 0.8 and s[~is_dup].mean() < 0.2
    pred = f["integrable"].to_numpy()
    tp = (pred & is_dup).sum()
    precision, recall = tp / max(pred.sum(), 1), tp / is_dup.sum()
    assert precision > 0.85 and recall > 0.85
    assert 0 < scored.threshold < 1 and scored.stats["method"] == "ssacl"
    assert judge.stats_["hard_negatives"] > 0


def test_save_load_round_trip(lake, fitted, tmp_path) -> None:
    tuples, cands, _ = lake
    judge, scored = fitted
    judge.save(tmp_path / "judge")
    again = SSACLJudge.load(tmp_path / "judge", device="cpu")
    rescored = again.score(tuples, cands)  # no encoder needed: the values' vectors were saved
    assert np.allclose(rescored.frame["score"].to_numpy(), scored.frame["score"].to_numpy(), atol=1e-6)
    assert rescored.threshold == pytest.approx(scored.threshold)
    # the lake frequencies behind the IDF/code features travel with the model
    assert again.stats_lake_ == judge.stats_lake_ and again.stats_lake_.n_tuples == tuples.height
    (tmp_path / "judge" / "lake_stats.json").unlink()
    from tablefuse.errors import ModelError

    with pytest.raises(ModelError):
        SSACLJudge.load(tmp_path / "judge", device="cpu")


def test_deterministic_under_a_seed(lake) -> None:
    from judge_helpers import HashEncoder

    params = TrainParams(epochs=2, hidden=16, seed=3, max_train_tuples=60)
    _, s1 = _fit(lake, HashEncoder(), params)
    _, s2 = _fit(lake, HashEncoder(), params)
    assert np.array_equal(s1.frame["score"].to_numpy(), s2.frame["score"].to_numpy())


def test_score_before_fit_and_wrong_attributes(lake, fitted) -> None:
    tuples, cands, _ = lake
    with pytest.raises(NotFittedError):
        SSACLJudge().score(tuples, cands)
    judge, _ = fitted
    other = type(tuples)(tuples.frame.drop("phone"), tuples.attributes[:-1])
    with pytest.raises(ConfigError):
        judge.score(other, cands)


def test_false_negative_guard_drops_likely_duplicates(lake) -> None:
    tuples, cands, truth = lake
    rows = [list(r) for r in tuples.frame.select(list(tuples.attributes)).iter_rows()]
    pos = {t: i for i, t in enumerate(tuples.frame["tid"].to_list())}
    pairs = [(pos[a], pos[b]) for a, b in zip(cands.frame["tid_a"], cands.frame["tid_b"])]
    hard = guarded_hard_negatives(rows, pairs, PairFeaturizer(), fn_guard=0.8)
    chosen = {(min(a, b), max(a, b)) for a, us in hard.items() for b in us}
    assert chosen, "some hard negatives are found"
    leaked = chosen & truth
    assert len(leaked) <= 0.05 * len(truth)  # true duplicates are (almost) never used as negatives
    train, val = build_pairs(rows, pairs, TrainParams(seed=0), PairFeaturizer())
    assert set(train.labels) == {0.0, 1.0} and len(val) > 0


def test_finetune_encoder_option_runs_on_a_few_tuples(lake, tmp_path) -> None:
    """Fine-tuning the real encoder (slow on CPU, so only a handful of tuples and one epoch)."""
    pytest.importorskip("transformers")
    from tablefuse.errors import ModelError
    from tablefuse.frames import CandidatePairs

    tuples, cands, _ = lake
    small = type(tuples)(tuples.frame.filter(tuples.frame["tid"].is_in([0, 1, 2, 80, 81, 82])), tuples.attributes)
    # every cross pair of the six tuples (the blocker's candidates among them can be empty)
    cs = CandidatePairs(pl.DataFrame({"tid_a": [a for a in (0, 1, 2) for _ in range(3)],
                                      "tid_b": [80, 81, 82] * 3, "blocker": ["test"] * 9}))
    params = TrainParams(epochs=1, hidden=16, finetune_encoder=True, positives_per_tuple=1, random_negatives=1,
                         hard_negatives=0, batch_size=8)
    try:
        judge = SSACLJudge(params, device="cpu").fit(small, cs)
    except ModelError as exc:
        pytest.skip(f"no local encoder: {exc}")
    # the self-training round runs after fine-tuning too, rescoring every candidate
    assert judge.stats_["self_training_rescored"] == cs.frame.height > 0
    before = judge.score(small, cs).frame["score"].to_numpy()
    judge.save(tmp_path / "ft")
    assert (tmp_path / "ft" / "encoder" / "config.json").is_file()
    after = SSACLJudge.load(tmp_path / "ft", device="cpu").score(small, cs).frame["score"].to_numpy()
    assert len(before) == 9 and np.allclose(before, after, atol=1e-5)


def test_self_training_round_adds_real_pairs_and_still_separates(lake) -> None:
    from judge_helpers import HashEncoder

    _, _, truth = lake
    params = TrainParams(epochs=4, hidden=32, batch_size=32, seed=0, self_train=True)
    judge, scored = _fit(lake, HashEncoder(), params)
    assert judge.stats_["self_training_positives"] > 0
    f = scored.frame
    is_dup = np.array([(a, b) in truth for a, b in zip(f["tid_a"], f["tid_b"])])
    s = f["score"].to_numpy()
    assert s[is_dup].mean() > 0.8 and s[~is_dup].mean() < 0.2
