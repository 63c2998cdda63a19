"""Truth discovery: ACCU-style source accuracy (Dong, Berti-Equille, Srivastava, VLDB 2009).

Without copy detection. Each tuple is a vote from its source; sources start at
``prior_accuracy`` and the two steps alternate until no accuracy moves more than ``tol`` (or
``max_iter``):

* value score: ``C(v) = Σ_{tuples t saying v} ln(n · A(src(t)) / (1 − A(src(t))))`` with
  ``n = false_values``; ``P(v) = softmax(C)`` over the cell's candidates (observed values only);
* source accuracy: ``A(s)`` = mean ``P`` of the values its tuples give, over every conflicting
  cell plus every unconflicted cell filled by two or more sources (those count as ``P = 1``:
  agreement is evidence of accuracy), clipped to [0.01, 0.99].

Confidence is ``P`` of the winner; ties in ``P`` go to more tuples, then ``tie_rank``. With one
source in the lake this is a (sharper) majority vote. A typo variant (``vkey`` of the cells, see
``_typos``) votes for the spelling it varies, but its source is scored on the value it gave
(``P`` of the typo, 0): a source whose values are typo variants of others' loses accuracy.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

from ..config import ResolveConfig
from ..errors import ConfigError
from ..frames import Membership, Resolution, TupleTable
from ._conflicts import Choice, ConflictCell, LakeCells, resolve_with
from ._vote import describe_sources, tie_rank

_LO, _HI = 0.01, 0.99


class TruthResolver:
    """Iterative source-accuracy truth discovery (see module doc); ``accuracy_`` after resolve."""

    per_set = False  # learns across sets (see tablefuse.resolve.Resolver)

    method = "truth"

    def __init__(self, max_iter: int = 20, tol: float = 1e-4, prior_accuracy: float = 0.8,
                 false_values: int = 10, format: str = "majority") -> None:
        self.format = format
        self.formats = None  # fixed attribute formats (tablefuse.resolve.domains); None: learned per call
        self.max_iter = max_iter
        self.tol = tol
        self.prior_accuracy = prior_accuracy
        self.false_values = false_values

    @classmethod
    def from_config(cls, config: ResolveConfig) -> TruthResolver:
        if config.max_iter < 1:
            raise ConfigError("resolve.max_iter must be at least 1")
        if not _LO <= config.prior_accuracy <= _HI:
            raise ConfigError(f"resolve.prior_accuracy must lie in [{_LO}, {_HI}]")
        if config.false_values < 1:
            raise ConfigError("resolve.false_values must be at least 1")
        if config.tol <= 0:
            raise ConfigError("resolve.tol must be positive")
        return cls(config.max_iter, config.tol, config.prior_accuracy, config.false_values, config.format)

    def resolve(self, tuples: TupleTable, membership: Membership) -> Resolution:
        return resolve_with(tuples, membership, self, self.method)

    def _weight(self) -> pl.Expr:
        a = pl.col("accuracy")
        return (pl.lit(float(self.false_values)) * a / (1.0 - a)).log()

    def accuracies(self, lake: LakeCells) -> tuple[dict[str, float], pl.DataFrame, int]:
        """Source accuracies, value probabilities (set_id, attribute, key, p) and iterations run."""
        cells = lake.cells
        if "vkey" not in cells.columns:
            cells = cells.with_columns(pl.col("key").alias("vkey"))
        conflicted = cells.filter(pl.col("conflict"))
        votes = (conflicted.group_by("set_id", "attribute", pl.col("vkey").alias("key"), "source")
                 .agg(pl.len().alias("n")))
        claims = conflicted.group_by("set_id", "attribute", "key", "source").agg(pl.len().alias("n"))
        agreed = (cells.filter(~pl.col("conflict"))
                  .with_columns(pl.col("source").n_unique().over("set_id", "attribute").alias("ns"))
                  .filter(pl.col("ns") > 1).group_by("source").agg(pl.len().alias("agreed")))
        sources = pl.concat([votes.select("source"), agreed.select("source")]).unique()
        acc = sources.with_columns(pl.lit(self.prior_accuracy).alias("accuracy"))
        probs = pl.DataFrame(schema={"set_id": pl.Int64, "attribute": pl.Utf8, "key": pl.Utf8,
                                     "p": pl.Float64})
        iterations = 0
        for iterations in range(1, self.max_iter + 1):  # noqa: B007 - the count is returned
            scored = (votes.join(acc, on="source", how="left")
                      .with_columns((pl.col("n") * self._weight()).alias("c"))
                      .group_by("set_id", "attribute", "key").agg(pl.col("c").sum()))
            probs = scored.with_columns(
                (pl.col("c") - pl.col("c").max().over("set_id", "attribute")).exp().alias("e")
            ).with_columns(
                (pl.col("e") / pl.col("e").sum().over("set_id", "attribute")).alias("p")
            ).select("set_id", "attribute", "key", "p")
            per = (claims.join(probs, on=["set_id", "attribute", "key"], how="left")
                   .with_columns(pl.col("p").fill_null(0.0))
                   .group_by("source").agg((pl.col("n") * pl.col("p")).sum().alias("mass"),
                                           pl.col("n").sum().alias("seen")))
            new = (sources.join(per, on="source", how="left").join(agreed, on="source", how="left")
                   .with_columns(pl.col("mass", "seen", "agreed").fill_null(0))
                   .with_columns(((pl.col("mass") + pl.col("agreed"))
                                  / (pl.col("seen") + pl.col("agreed")).clip(lower_bound=1))
                                 .clip(_LO, _HI).alias("accuracy"))
                   .select("source", "accuracy"))
            delta = (new.join(acc, on="source", suffix="_old")
                     .select((pl.col("accuracy") - pl.col("accuracy_old")).abs().max()).item())
            acc = new
            if delta is None or delta < self.tol:
                break
        return dict(acc.iter_rows()), probs, iterations

    def choose(self, conflicts: Sequence[ConflictCell], lake: LakeCells) -> list[Choice]:
        accuracy, probs, _ = self.accuracies(lake)
        p_of = {(s, a, k): p for s, a, k, p in probs.iter_rows()}
        out: list[Choice] = []
        for cell in conflicts:
            ps = [p_of.get((cell.set_id, cell.attribute, c.key), 0.0) for c in cell.candidates]
            order = sorted(range(len(ps)), key=lambda i: (-round(ps[i], 12), -cell.candidates[i].count,
                                                          tie_rank(cell, cell.candidates[i])))
            win = cell.candidates[order[0]]
            accs = ", ".join(f"{s} {accuracy.get(s, self.prior_accuracy):.2f}"
                             for s in win.sources[:3])
            runner = cell.candidates[order[1]]
            reason = (f"{win.value!r} is the most probable value ({ps[order[0]]:.2f}) given source "
                      f"accuracies: {win.count} of {cell.total} tuples from "
                      f"{describe_sources(win.sources)} (accuracy {accs}) say it; next "
                      f"{runner.value!r} ({ps[order[1]]:.2f})")
            conf = ps[order[0]]
            out.append(Choice(order[0], min(max(conf, 0.0), 1.0) if math.isfinite(conf) else 0.0,
                              reason))
        return out


__all__ = ["TruthResolver"]
