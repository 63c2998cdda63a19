"""Every registered judge takes pair labels (``fit(..., labels=)``), optional: without them it is
the judge it always was; with them it still keeps the judge contract. SSACL learns from them."""
from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from tablefuse.config import BlockConfig, JudgeConfig, SSACLConfig
from tablefuse.frames import CandidatePairs, LabelledPairs
from tablefuse.judge import JUDGES, make_judge
from tablefuse.judge.ssacl.judge import LABEL_REPEATS

FAST_SSACL = SSACLConfig(epochs=3, self_train=False, max_train_tuples=64)


def _config(method: str) -> JudgeConfig:
    return JudgeConfig(method=method, seed=3, ssacl=FAST_SSACL)


@pytest.fixture(scope="module")
def candidates(lake) -> CandidatePairs:
    from tablefuse.block import make_blocker

    tuples, _ = lake
    return make_blocker(BlockConfig(method="token", top_k=0, min_relative_weight=0.0)).candidates(tuples)


@pytest.fixture(scope="module")
def labels(lake, candidates) -> LabelledPairs:
    """Three true pairs (a.csv row i with b.csv row i) and three false ones, from the truth."""
    tuples, truth = lake
    set_of = dict(truth.frame.iter_rows())
    frame = candidates.frame.select("tid_a", "tid_b").with_columns(
        pl.struct("tid_a", "tid_b").map_elements(lambda r: set_of[r["tid_a"]] == set_of[r["tid_b"]],
                                                 return_dtype=pl.Boolean).alias("match"))
    picked = pl.concat([frame.filter(pl.col("match")).head(3), frame.filter(~pl.col("match")).head(3)])
    assert picked.height == 6, "the contract lake's candidates hold both kinds of pair"
    return LabelledPairs(picked.with_columns(pl.format("d{}", pl.int_range(pl.len())).alias("decision_id")))


@pytest.mark.parametrize("method", sorted(JUDGES))
def test_every_judge_takes_labels_and_keeps_its_contract(method, lake, candidates, labels):
    if method == "ssacl":
        pytest.importorskip("torch")
    tuples, _ = lake
    judge = make_judge(_config(method))
    assert judge.fit(tuples, candidates, labels=labels) is judge
    scored = judge.score(tuples, candidates)
    scored.validate()
    assert scored.frame.height == candidates.frame.height
    assert (scored.frame["integrable"] == (scored.frame["score"] >= scored.threshold)).all()
    plain = make_judge(_config(method)).fit(tuples, candidates, labels=None).score(tuples, candidates)
    again = make_judge(_config(method)).fit(tuples, candidates).score(tuples, candidates)
    np.testing.assert_allclose(plain.frame["score"].to_numpy(), again.frame["score"].to_numpy(), atol=1e-9)


def test_ssacl_learns_the_labelled_pairs(lake, candidates, labels):
    pytest.importorskip("torch")
    tuples, _ = lake
    plain = make_judge(_config("ssacl")).fit(tuples, candidates)
    taught = make_judge(_config("ssacl")).fit(tuples, candidates, labels=labels)
    assert "labelled_pairs" not in plain.stats_  # zero labels: the stats it always had
    assert taught.stats_["labelled_pairs"] == labels.frame.height
    assert taught.stats_["train_pairs"] == plain.stats_["train_pairs"] + LABEL_REPEATS * labels.frame.height
    pairs = labels.frame
    before = plain.score_pairs(tuples, pairs["tid_a"].to_numpy(), pairs["tid_b"].to_numpy())
    after = taught.score_pairs(tuples, pairs["tid_a"].to_numpy(), pairs["tid_b"].to_numpy())
    match = pairs["match"].to_numpy()
    # the taught head separates the labelled pairs at least as well as the label-free one
    assert after[match].mean() - after[~match].mean() >= before[match].mean() - before[~match].mean() - 1e-6
