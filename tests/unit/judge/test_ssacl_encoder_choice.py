"""SSACL's value encoder (full MiniLM or the static one, by lake size) and the candidate-feature
cache kept between the self-training rescore and the final score."""
from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

pytest.importorskip("torch")

from tablefuse.config import JudgeConfig, SSACLConfig  # noqa: E402
from tablefuse.errors import ConfigError  # noqa: E402
from tablefuse.judge import make_judge  # noqa: E402
from tablefuse.judge.ssacl import SSACLJudge, TrainParams  # noqa: E402
from tablefuse.judge.ssacl.judge import CandidateFeatures  # noqa: E402

FAST = TrainParams(epochs=6, hidden=32, batch_size=32, seed=0)


@pytest.fixture(scope="module")
def static(tmp_path_factory):
    from tablefuse.runtime.encoders import StaticEncoder

    # input embeddings: no distillation pass (the recipe itself is tested in tests/unit/encode)
    return StaticEncoder(cache=tmp_path_factory.mktemp("static"), source="input")


def _separation(scored, truth) -> tuple[float, float]:
    f = scored.frame
    dup = np.array([(a, b) in truth for a, b in zip(f["tid_a"], f["tid_b"])])
    s = f["score"].to_numpy()
    return float(s[dup].mean()), float(s[~dup].mean())


def test_encoder_kind_is_validated_and_configurable() -> None:
    with pytest.raises(ConfigError, match="ssacl.encoder"):
        SSACLJudge(encoder_kind="word2vec")
    with pytest.raises(ConfigError, match="full model"):
        SSACLJudge(TrainParams(finetune_encoder=True), encoder_kind="static")
    judge = make_judge(JudgeConfig(method="ssacl", ssacl=SSACLConfig(encoder="static")))
    assert judge.encoder_kind == "static"
    assert make_judge(JudgeConfig(method="ssacl")).encoder_kind == "auto"
    # the pipeline hands the run's shared encoder over; judges that take none ignore it
    shared = object()
    assert make_judge(JudgeConfig(method="ssacl"), encoder=shared).encoder is shared
    assert make_judge(JudgeConfig(method="similarity"), encoder=shared) is not None


def test_auto_picks_static_above_the_size_threshold(lake, static, monkeypatch) -> None:
    """auto follows the engine's rule on the lake's distinct values: full MiniLM on a small lake,
    static above ``FULL_UP_TO``; the run's shared encoder is used when it is the chosen kind."""
    import tablefuse.runtime.encoders as encoders

    tuples, cands, truth = lake
    small = SSACLJudge(FAST, encoder=static, device="cpu")
    small.device_ = "cpu"
    assert small._resolve_encoder_kind(500) == "minilm"
    monkeypatch.setattr(encoders, "FULL_UP_TO", 10)
    judge = SSACLJudge(FAST, encoder=static, device="cpu").fit(tuples, cands)
    assert judge.stats_["encoder"] == "static" and judge.encoder_kind_ == "static"
    assert judge.table_.shape[1] == static.dim == 256
    assert static.cached(judge.values_.texts[:5]) == 5  # the shared encoder did the work
    dup, non = _separation(judge.score(tuples, cands), truth)
    assert dup > 0.7 and non < 0.3  # quality floor in the static space


def test_static_judge_round_trip_encodes_new_values_in_its_own_space(lake, static, tmp_path) -> None:
    tuples, cands, truth = lake
    judge = SSACLJudge(FAST, encoder=static, encoder_kind="static", device="cpu").fit(tuples, cands)
    scored = judge.score(tuples, cands)
    judge.save(tmp_path / "judge")
    meta = json.loads((tmp_path / "judge" / "meta.json").read_text())
    assert meta["encoder_kind"] == "static" and meta["dim"] == 256
    again = SSACLJudge.load(tmp_path / "judge", device="cpu", encoder=static)
    assert again.encoder_kind == "static"
    assert np.allclose(again.score(tuples, cands).frame["score"].to_numpy(),
                       scored.frame["score"].to_numpy(), atol=1e-6)
    # a value the judge never saw is embedded by the static encoder (256 dims), not by MiniLM
    changed = tuples.frame.with_columns(
        pl.when(pl.col("tid") == 0).then(pl.lit("zzyzx quorble")).otherwise(pl.col("name")).alias("name"))
    rescored = again.score(type(tuples)(changed, tuples.attributes), cands)
    assert again.table_.shape == (len(again.values_.texts), 256)
    assert "zzyzx quorble" in again.values_.texts
    assert rescored.frame.height == cands.frame.height


def test_feature_cache_changes_no_score_and_is_released(lake, hash_encoder) -> None:
    tuples, cands, _ = lake
    params = TrainParams(epochs=3, hidden=16, batch_size=32, seed=0, fs_evidence="none")
    cached = SSACLJudge(params, encoder=hash_encoder, device="cpu").fit(tuples, cands)
    assert cached.feature_cache_ is not None  # kept from the self-training rescore
    plain = SSACLJudge(params, encoder=hash_encoder, device="cpu", feature_cache_mb=0).fit(tuples, cands)
    assert plain.feature_cache_ is None
    a = cached.score(tuples, cands).frame["score"].to_numpy()
    b = plain.score(tuples, cands).frame["score"].to_numpy()
    assert np.array_equal(a, b)
    assert cached.feature_cache_ is None  # every cached pair was handed out once: memory released
    assert not cached.featurizer_._memo and not cached.featurizer_._rows  # memos dropped after scoring
    assert np.array_equal(cached.score(tuples, cands).frame["score"].to_numpy(), a)  # and rebuilt alike


def test_fused_fit_keeps_the_candidates_scores_once(lake, hash_encoder) -> None:
    """With the Fellegi-Sunter view (the default) fit scores every candidate once; the final score
    takes those scores (no second pass, the same numbers) and releases them."""
    tuples, cands, _ = lake
    params = TrainParams(epochs=3, hidden=16, batch_size=32, seed=0)
    judge = SSACLJudge(params, encoder=hash_encoder, device="cpu").fit(tuples, cands)
    assert judge.score_cache_ is not None and judge.feature_cache_ is None
    raw = judge.score_pairs(tuples, cands.frame["tid_a"].to_numpy(), cands.frame["tid_b"].to_numpy())
    kept = judge._raw_scores(tuples, cands.frame["tid_a"].to_numpy(), cands.frame["tid_b"].to_numpy())
    assert np.allclose(raw, kept, atol=1e-9)
    assert judge.score_cache_ is None  # every kept score handed out once


def test_candidate_features_lookup_by_pair(lake) -> None:
    from tablefuse.judge.ssacl.features import PairFeaturizer
    from tablefuse.judge.ssacl.lakestats import LakeStats

    tuples, cands, _ = lake
    rows = [list(r) for r in zip(*[tuples.frame[a].to_list() for a in tuples.attributes])]
    featurizer = PairFeaturizer(LakeStats.from_rows(rows))
    ta, tb = cands.frame["tid_a"].to_numpy()[:40], cands.frame["tid_b"].to_numpy()[:40]
    feats = featurizer.features([rows[i] for i in ta], [rows[i] for i in tb])
    cache = CandidateFeatures(ta, tb, feats)
    # a shuffled subset, a reversed pair and a pair never cached
    order = np.array([7, 3, 30, 0])
    qa = np.r_[ta[order], tb[5], 10**6]
    qb = np.r_[tb[order], ta[5], 0]
    found, got = cache.take(qa, qb)
    assert found.tolist() == [True, True, True, True, False, False]
    assert np.array_equal(got, feats[order])
    assert cache.remaining == 36


def test_rescore_sample_finds_the_same_mutual_best_pairs_on_complete_tuples() -> None:
    """The 2-hop sample scores a fraction of the candidates, and every mutual-best pair between
    two complete tuples is one the full rescore finds too (and the other way round)."""
    from tablefuse.judge.ssacl.train import mutual_best_pairs, rescore_sample

    rng = np.random.default_rng(1)
    n = 3000
    a = rng.integers(0, n, 12000)
    b = rng.integers(0, n, 12000)
    keep = a != b
    pairs = np.unique(np.sort(np.stack([a[keep], b[keep]], 1), axis=1), axis=0)
    scores = rng.random(len(pairs))
    everything = set(mutual_best_pairs([tuple(p) for p in pairs.tolist()], scores, 0.5))

    idx, complete = rescore_sample(pairs, n, max_pairs=3000, seed=0)
    assert 1000 < len(idx) <= 3000 and complete.sum() > 100
    sub = [tuple(p) for p in pairs[idx].tolist()]
    sampled = {(x, y) for x, y in mutual_best_pairs(sub, scores[idx], 0.5) if complete[x] and complete[y]}
    assert sampled and sampled <= everything
    assert sampled == {(x, y) for x, y in everything if complete[x] and complete[y]}
    # every pair of a complete tuple is in the sample
    touching = complete[pairs[:, 0]] | complete[pairs[:, 1]]
    assert set(np.flatnonzero(touching)) == set(idx.tolist())
    all_idx, all_complete = rescore_sample(pairs, n, max_pairs=len(pairs), seed=0)
    assert len(all_idx) == len(pairs) and all_complete.all()


def test_self_training_caps_follow_the_config(lake, hash_encoder) -> None:
    tuples, cands, _ = lake
    judge = make_judge(JudgeConfig(method="ssacl", ssacl=SSACLConfig(epochs=3, self_train_max_pairs=150,
                                                                     self_train_max_positives=2)))
    judge.encoder = hash_encoder
    judge.fit(tuples, cands)
    assert judge.stats_["self_training_rescored"] <= 150 < cands.frame.height
    assert judge.stats_["self_training_positives"] <= 2
    assert judge.stats_["self_training_found"] >= judge.stats_["self_training_positives"]


def test_mining_around_the_anchors_equals_mining_everything(lake) -> None:
    """build_pairs mines hard negatives and pseudo-positives only on the pairs two hops around
    its anchors; for the anchors that is exactly what mining every candidate gives."""
    import random

    from tablefuse.judge.ssacl.features import PairFeaturizer
    from tablefuse.judge.ssacl.lakestats import LakeStats
    from tablefuse.judge.ssacl.train import _mine, two_hop

    tuples, cands, _ = lake
    rows = [list(r) for r in zip(*[tuples.frame[a].to_list() for a in tuples.attributes])]
    pairs = list(zip(cands.frame["tid_a"].to_list(), cands.frame["tid_b"].to_list()))
    anchors = random.Random(0).sample(range(len(rows)), 12)
    seeds = np.zeros(len(rows), dtype=bool)
    seeds[anchors] = True
    touch, complete = two_hop(np.asarray(pairs), seeds)
    assert 0 < touch.sum() < len(pairs)
    featurizer = PairFeaturizer(LakeStats.from_rows(rows))
    hard_all, pseudo_all = _mine(rows, pairs, featurizer, 0.8, True, True)
    hard_sub, pseudo_sub = _mine(rows, [p for p, t in zip(pairs, touch) if t], featurizer, 0.8, True, True)
    assert sum(bool(hard_all.get(t)) for t in anchors) >= 6
    for t in anchors:
        assert hard_sub.get(t) == hard_all.get(t)
    inside = {(a, b) for a, b in pseudo_all if seeds[a] or seeds[b]}
    assert inside
    assert {(a, b) for a, b in pseudo_sub if seeds[a] or seeds[b]} == inside


def test_tid_positions_are_vectorised_and_unknown_tids_named(lake) -> None:
    from tablefuse.judge.ssacl.judge import _positions

    tuples, _, _ = lake
    shuffled = type(tuples)(tuples.frame.reverse(), tuples.attributes)
    tids = np.array([5, 0, 5, tuples.height - 1])
    assert _positions(tuples, tids).tolist() == [5, 0, 5, tuples.height - 1]
    assert _positions(shuffled, tids).tolist() == [tuples.height - 6, tuples.height - 1, tuples.height - 6, 0]
    with pytest.raises(KeyError, match="tid 99999"):
        _positions(tuples, np.array([1, 99999]))
