"""Splink (DuckDB backend) as a zero-label baseline judge, for the benchmarks only.

Shared by ``benchmarks/judge.py`` (pairwise F1) and the suite harness (``benchmarks.harness``,
method ``splink``: Splink scores the run's candidate pairs, connected components make the sets),
so both measure the same configuration. It is deliberately not a tablefuse judge: Splink is a
baseline to compare against, installed with the ``bench`` extra, not part of the library.
"""
from __future__ import annotations

import logging
from typing import Any

import polars as pl

from tablefuse.frames import CandidatePairs, ScoredPairs, TupleTable


def available() -> str | None:
    """None when Splink can be imported, else why not (for a skip note)."""
    try:
        import splink  # noqa: F401
    except ImportError as exc:
        return f"splink not installed ({exc}); pip install -e '.[bench]'"
    return None


class SplinkJudge:
    """Splink with a generic configuration built from the columns (numeric columns: exact match;
    text: Jaro-Winkler at 0.95/0.88/0.70 on lower case), lambda from deterministic rules, u by
    random sampling, m by unsupervised EM (one session blocked on each attribute), scored on
    exactly the given candidate pairs, integrable at match probability >= 0.5. Zero labels."""

    threshold = 0.5

    def __init__(self, seed: int = 0, max_pairs_u: float = 1e6):
        self.seed = seed
        self.max_pairs_u = max_pairs_u
        self.em_failed: list[str] = []
        self.recall: float | None = None

    def fit(self, tuples: TupleTable, candidates: CandidatePairs) -> SplinkJudge:
        import duckdb
        import splink.comparison_library as cl
        from splink import DuckDBAPI, Linker, SettingsCreator, block_on

        from tablefuse.judge import parse_number

        logging.getLogger("splink").setLevel(logging.ERROR)
        attrs = [a for a in tuples.attributes if tuples.frame[a].null_count() < tuples.height]
        if not attrs:
            raise ValueError("Splink needs at least one attribute with a value")
        frame = tuples.frame.select(["tid"] + [pl.col(a).str.to_lowercase().str.strip_chars() for a in attrs])
        comps = []
        for a in attrs:
            vals = [v for v in frame[a].to_list() if v]
            numeric = bool(vals) and sum(parse_number(v) is not None for v in vals) >= 0.9 * len(vals)
            comps.append(cl.ExactMatch(a) if numeric else cl.JaroWinklerAtThresholds(a, [0.95, 0.88, 0.7]))
        self.db = DuckDBAPI(duckdb.connect())
        sdf = self.db.register(frame.to_pandas(), table_name="lake")
        rules = [block_on(a) for a in attrs]
        # list(...): Splink types these parameters as (invariant) lists of a wider union
        settings = SettingsCreator(link_type="dedupe_only", unique_id_column_name="tid", comparisons=list(comps),
                                   blocking_rules_to_generate_predictions=list(rules))
        self.linker = Linker(sdf, settings, log_level=40)
        for recall in (0.7, 0.85, 1.0):  # Splink refuses a recall its rules contradict: raise it
            try:
                self.linker.training.estimate_probability_two_random_records_match(list(rules), recall=recall)
                self.recall = recall
                break
            except ValueError:
                continue
        self.linker.training.estimate_u_using_random_sampling(max_pairs=self.max_pairs_u, seed=self.seed)
        self.em_failed = []
        for a in attrs:
            try:
                self.linker.training.estimate_parameters_using_expectation_maximisation(block_on(a))
            except Exception as exc:  # EM cannot train on a rule that fixes every comparison
                self.em_failed.append(f"{a}: {type(exc).__name__}")
        return self

    def score(self, tuples: TupleTable, candidates: CandidatePairs) -> ScoredPairs:
        cf = candidates.frame
        if cf.height == 0:
            empty = pl.DataFrame(schema={"tid_a": pl.Int64, "tid_b": pl.Int64, "score": pl.Float64,
                                         "integrable": pl.Boolean})
            return ScoredPairs(empty, self.threshold, self._stats())
        pairs = pl.DataFrame({"match_key": ["0"] * cf.height, "join_key_l": cf["tid_a"], "join_key_r": cf["tid_b"]})
        bp = self.db.register(pairs.to_pandas(), table_name=f"blocked_{id(candidates)}")
        self.linker.table_management.register_blocked_pairs_for_predict(bp)
        pred = pl.from_pandas(self.linker.inference.predict().as_pandas_dataframe()[
            ["tid_l", "tid_r", "match_probability"]])
        m = {(min(a, b), max(a, b)): s for a, b, s in pred.iter_rows()}
        scores = [float(m.get((a, b), 0.0)) for a, b in zip(cf["tid_a"].to_list(), cf["tid_b"].to_list())]
        frame = pl.DataFrame({"tid_a": cf["tid_a"], "tid_b": cf["tid_b"], "score": scores},
                             schema={"tid_a": pl.Int64, "tid_b": pl.Int64, "score": pl.Float64}).with_columns(
            (pl.col("score") >= self.threshold).alias("integrable"))
        return ScoredPairs(frame, self.threshold, self._stats())

    def _stats(self) -> dict[str, Any]:
        return {"method": "splink", "em_failed": "; ".join(self.em_failed), "lambda_recall": self.recall}


__all__ = ["SplinkJudge", "available"]
