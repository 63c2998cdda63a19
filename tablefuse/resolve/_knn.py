"""k-nearest-neighbour resolution: other sets of the lake vouch for a candidate.

For a conflicting (set S, attribute A), the demonstrations are the other sets whose A is not in
conflict and equals one of S's candidates (a neighbour holding another value could not vote).
Each other attribute X is weighted by its normalised mutual information with A
(``NMI = MI / mean(H(X), H(A))`` over sets where both are unconflicted); attributes with
``NMI < min_mi`` are ignored. A demonstration's similarity is the weighted share of those
attributes on which its key equals S's (S's leading key where S is itself in conflict), in
[0, 1]. The ``k`` most similar demonstrations (ties: smaller set_id) each add their similarity,
times the *sharing rate* of A, as a vote for their candidate; S's own tuples add one vote each.
Ties go, as in the vote, to more tuples, more reliable sources, then ``tie_rank``. Confidence is
the winner's share of all votes cast. Example: city -> state, the other hospitals in the same
city and zip code say which state is right.

The sharing rate of A is the share of unconflicted sets whose A value also occurs in another
set. Where values of A are not shared across sets (phone numbers, ids), a neighbour holding one
of the candidates is evidence that a source copied the neighbour's value rather than that it is
right, so such neighbours barely count.

Keys shared by more than ``max_postings`` sets say little about similarity and would make the
similarity join quadratic, so they are not compared.
"""
from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from ..config import ResolveConfig
from ..errors import ConfigError
from ..frames import Membership, Resolution, TupleTable
from ._conflicts import Choice, ConflictCell, LakeCells, resolve_with
from ._vote import break_tie, support_sentence

_BATCH = 20_000  # conflicting cells per similarity join, to bound memory


def set_keys(cells: pl.DataFrame) -> pl.DataFrame:
    """set_id, attribute, key, conflict: one key per set and attribute (the most supported)."""
    return (cells.group_by("set_id", "attribute", "key").agg(pl.len().alias("n"),
                                                             pl.col("conflict").first())
            .sort(["set_id", "attribute", "n", "key"], descending=[False, False, True, False])
            .group_by("set_id", "attribute", maintain_order=True)
            .agg(pl.col("key").first(), pl.col("conflict").first()))


def _entropy(counts: pl.Expr, total: pl.Expr) -> pl.Expr:
    p = counts / total
    return -(p * p.log()).sum()


def attribute_weights(keys: pl.DataFrame, targets: Sequence[str], min_mi: float) -> pl.DataFrame:
    """target, attribute, weight: NMI of each attribute with each target, kept when >= min_mi."""
    clean = keys.filter(~pl.col("conflict")).select("set_id", "attribute", "key")
    tgt = clean.filter(pl.col("attribute").is_in(list(targets))).rename(
        {"attribute": "target", "key": "tkey"})
    pairs = tgt.join(clean, on="set_id").filter(pl.col("attribute") != pl.col("target"))
    if pairs.height == 0:
        return pl.DataFrame(schema={"target": pl.Utf8, "attribute": pl.Utf8, "weight": pl.Float64})
    joint = pairs.group_by("target", "attribute", "tkey", "key").agg(pl.len().alias("n"))
    joint = joint.with_columns(
        pl.col("n").sum().over("target", "attribute").alias("N"),
        pl.col("n").sum().over("target", "attribute", "tkey").alias("nt"),
        pl.col("n").sum().over("target", "attribute", "key").alias("nx"))
    mi = joint.group_by("target", "attribute").agg(
        (pl.col("n") / pl.col("N") * (pl.col("n") * pl.col("N") / (pl.col("nt") * pl.col("nx"))).log())
        .sum().alias("mi"))
    ht = (joint.group_by("target", "attribute", "tkey").agg(pl.col("nt").first(), pl.col("N").first())
          .group_by("target", "attribute").agg(_entropy(pl.col("nt"), pl.col("N")).alias("ht")))
    hx = (joint.group_by("target", "attribute", "key").agg(pl.col("nx").first(), pl.col("N").first())
          .group_by("target", "attribute").agg(_entropy(pl.col("nx"), pl.col("N")).alias("hx")))
    out = (mi.join(ht, on=["target", "attribute"]).join(hx, on=["target", "attribute"])
           .with_columns(pl.when((pl.col("ht") + pl.col("hx")) > 0)
                         .then(2 * pl.col("mi") / (pl.col("ht") + pl.col("hx")))
                         .otherwise(0.0).alias("weight"))
           .filter(pl.col("weight") >= min_mi)
           .select("target", "attribute", "weight").sort("target", "attribute"))
    return out


class KnnResolver:
    """Vote of the set's tuples plus its k most similar unconflicted sets (see module doc)."""

    per_set = False  # learns across sets (see tablefuse.resolve.Resolver)

    method = "knn"

    def __init__(self, k: int = 10, min_mi: float = 0.1, max_postings: int = 200, format: str = "majority") -> None:
        self.format = format
        self.formats = None  # fixed attribute formats (tablefuse.resolve.domains); None: learned per call
        self.k = k
        self.min_mi = min_mi
        self.max_postings = max_postings

    @classmethod
    def from_config(cls, config: ResolveConfig) -> KnnResolver:
        if config.k < 1:
            raise ConfigError("resolve.k must be at least 1")
        if not 0.0 <= config.min_mi <= 1.0:
            raise ConfigError("resolve.min_mi must lie in [0, 1]")
        return cls(config.k, config.min_mi, format=config.format)

    def resolve(self, tuples: TupleTable, membership: Membership) -> Resolution:
        return resolve_with(tuples, membership, self, self.method)

    def neighbours(self, conflicts: Sequence[ConflictCell], lake: LakeCells) -> pl.DataFrame:
        """cell, set_id (neighbour), sim (times the target's sharing rate), tkey (neighbour's key for
        the target), attribute (the matched attributes)."""
        keys = set_keys(lake.cells)
        targets = sorted({c.attribute for c in conflicts})
        weights = attribute_weights(keys, targets, self.min_mi)
        total_w = weights.group_by("target").agg(pl.col("weight").sum().alias("wsum"))
        clean = keys.filter(~pl.col("conflict")).select("set_id", "attribute", "key")
        postings = clean.group_by("attribute", "key").agg(pl.len().alias("df"))
        sharing = (clean.join(postings, on=["attribute", "key"])
                   .group_by(pl.col("attribute").alias("target"))
                   .agg((pl.col("df") > 1).mean().alias("share")))
        demos = (clean.join(postings, on=["attribute", "key"])
                 .filter(pl.col("df") <= self.max_postings).drop("df"))
        queries_all = pl.DataFrame({
            "cell": list(range(len(conflicts))), "qset": [c.set_id for c in conflicts],
            "target": [c.attribute for c in conflicts]},
            schema={"cell": pl.Int64, "qset": pl.Int64, "target": pl.Utf8})
        cand = pl.DataFrame({
            "cell": [i for i, c in enumerate(conflicts) for _ in c.candidates],
            "tkey": [x.key for c in conflicts for x in c.candidates]},
            schema={"cell": pl.Int64, "tkey": pl.Utf8})
        parts: list[pl.DataFrame] = []
        for start in range(0, queries_all.height, _BATCH):
            q = (queries_all.slice(start, _BATCH).join(weights, on="target")
                 .join(keys.select(pl.col("set_id").alias("qset"), "attribute", "key"),
                       on=["qset", "attribute"]))
            hits = (q.join(demos, on=["attribute", "key"])
                    .filter(pl.col("set_id") != pl.col("qset"))
                    .group_by("cell", "target", "set_id")
                    .agg(pl.col("weight").sum().alias("score"), pl.col("attribute").sort()))
            hits = (hits.join(clean.rename({"attribute": "target", "key": "tkey"}),
                              on=["set_id", "target"])  # the neighbour must know the target ...
                    .join(cand, on=["cell", "tkey"], how="semi"))  # ... and hold a candidate
            top = (hits.sort(["cell", "score", "set_id"], descending=[False, True, False])
                   .group_by("cell", maintain_order=True).head(self.k))
            parts.append(top)
        if not parts:
            return pl.DataFrame(schema={"cell": pl.Int64, "set_id": pl.Int64, "sim": pl.Float64,
                                        "tkey": pl.Utf8, "attribute": pl.List(pl.Utf8)})
        return (pl.concat(parts).join(total_w, on="target").join(sharing, on="target", how="left")
                .with_columns((pl.when(pl.col("wsum") > 0).then(pl.col("score") / pl.col("wsum"))
                               .otherwise(0.0).clip(0.0, 1.0)  # min_mi = 0 can leave only NMI-0 attributes
                               * pl.col("share").fill_null(0.0)).alias("sim"))
                .select("cell", "set_id", "sim", "tkey", "attribute"))

    def choose(self, conflicts: Sequence[ConflictCell], lake: LakeCells) -> list[Choice]:
        nb = self.neighbours(conflicts, lake)
        by_cell: dict[int, list[tuple[str, float, list[str]]]] = {}
        for cell, _set, sim, tkey, attrs in nb.iter_rows():
            by_cell.setdefault(cell, []).append((tkey, sim, attrs))
        out: list[Choice] = []
        for i, cell in enumerate(conflicts):
            near = by_cell.get(i, [])
            keys = {c.key: j for j, c in enumerate(cell.candidates)}
            extra = [0.0] * len(cell.candidates)
            n_agree = [0] * len(cell.candidates)
            on: set[str] = set()
            for tkey, sim, attrs in near:
                j = keys.get(tkey)
                if j is not None:
                    extra[j] += sim
                    n_agree[j] += 1
                    on.update(attrs)
            votes = [c.count + extra[j] for j, c in enumerate(cell.candidates)]
            top = max((round(votes[j], 9), cell.candidates[j].count) for j in range(len(votes)))
            tied = [j for j in range(len(votes)) if (round(votes[j], 9), cell.candidates[j].count) == top]
            best, why = (tied[0], "") if len(tied) == 1 else break_tie(cell, tied, lake.reliability)
            win = cell.candidates[best]
            reason = support_sentence(win, cell.total)
            if near:
                reason += (f"; {n_agree[best]} of {len(near)} similar sets agree"
                           + (f" (matched on {', '.join(sorted(on))})" if n_agree[best] else ""))
            else:
                reason += "; no similar set to consult"
            if why:
                reason += f"; {why}"
            out.append(Choice(best, votes[best] / sum(votes), reason))
        return out


__all__ = ["KnnResolver", "attribute_weights", "set_keys"]
