"""Evidence resolution: the rest of the lake, not only the set's own tuples, decides a conflict.

A vote cannot break a 1-1 tie and cannot see that one tuple holds another entity's value; the
other rows of the lake often can. Each candidate ``c`` of a conflicting (set S, attribute A)
gets one score, in units of "tuples":

* **own tuples**: each of S's tuples saying ``c``, weighted by its source's ACCU accuracy
  (``TruthResolver``) relative to the mean source's, so a distrusted source counts less than one;
* **functional dependencies** mined from the lake: ``X -> A`` holds when, over the sets where
  both are unconflicted and X's value is shared by two or more sets, at least ``fd_confidence``
  of them hold their group's majority A value (support ``fd_min_support`` sets or more, and
  better than always guessing A's most common value). The other sets with S's value of X
  vote for their A value: ``evidence_weight * confidence * m_c / (m + 1)`` (m of them, m_c say
  ``c``; S's X values are weighted by their share of S's tuples); the strongest determinant
  counts ("city=boston -> state=ma in 14 of 14 other sets");
* **ownership**: where A is a key of the lake (a share ``key_uniqueness`` or more of its
  unconflicted values belong to one set only: names, phones, ids), a candidate held unconflicted
  by other sets that all disagree with S (agreement on the other attributes, each weighted by its
  own uniqueness, below one half: sharing a city says nothing about identity) is another
  entity's value copied into S: ``- evidence_weight * uniqueness * (1 - best agreement)``;
* **neighbours**: the MI-weighted kNN vote (``KnnResolver.neighbours``, k sets, similarity in
  [0, 1] times A's sharing rate), as in ``knn``.

The highest score wins; scores within ``SCORE_MARGIN`` of it tie, and ties go to more tuples, then
``break_tie`` (more reliable sources, then ``tie_rank``); confidence is
the softmax of the scores. A cell with no FD, owner or neighbour evidence is decided by the
majority vote (unless the accuracy-weighted tuples outweigh the majority: a distrusted source)
and its reason says so. Every reason names the evidence used.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from ..config import ResolveConfig
from ..errors import ConfigError
from ..frames import Membership, Resolution, TupleTable
from ._conflicts import Choice, ConflictCell, LakeCells, resolve_with
from ._knn import KnnResolver, set_keys
from ._truth import TruthResolver
from ._vote import break_tie, support_sentence, tie_rank, vote


@dataclass(frozen=True)
class Dependency:
    """An approximate FD ``determinant -> target`` mined from the lake's unconflicted sets."""

    determinant: str
    target: str
    confidence: float  # share of sets (in shared-determinant groups) holding the group majority
    support: int  # sets in groups whose determinant value two or more sets share


def mine_dependencies(clean: pl.DataFrame, targets: Sequence[str], min_confidence: float,
                      min_support: int) -> tuple[list[Dependency], pl.DataFrame]:
    """FDs X -> A for A in ``targets`` from ``clean`` (set_id, attribute, key of unconflicted
    cells), and the joint counts (target, attribute, key, tkey, n) the votes are read from.

    Guards: a determinant needs two or more shared values (a constant X says nothing), and an A
    whose most common value already covers most sets makes every X look like a determinant, so an
    FD must also be right on at least half the sets that guessing that value misses (a constant A
    is a prior, not a dependency).
    """
    tgt = clean.filter(pl.col("attribute").is_in(list(targets))).rename(
        {"attribute": "target", "key": "tkey"})
    pairs = tgt.join(clean, on="set_id").filter(pl.col("attribute") != pl.col("target"))
    joint = pairs.group_by("target", "attribute", "key", "tkey").agg(pl.len().alias("n"))
    if joint.height == 0:
        return [], joint
    per_x = (joint.group_by("target", "attribute", "key")
             .agg(pl.col("n").sum().alias("size"), pl.col("n").max().alias("top"))
             .filter(pl.col("size") >= 2))
    stats = per_x.group_by("target", "attribute").agg(
        (pl.col("top").sum() / pl.col("size").sum()).alias("conf"), pl.col("size").sum().alias("support"),
        pl.len().alias("groups"))
    base = (tgt.group_by("target", "tkey").agg(pl.len().alias("n"))
            .group_by("target").agg((pl.col("n").max() / pl.col("n").sum()).alias("base")))
    stats = stats.join(base, on="target").filter(
        (pl.col("conf") >= min_confidence) & (pl.col("support") >= min_support)
        & (pl.col("groups") >= 2) & (pl.col("base") < 1.0)
        & ((pl.col("conf") - pl.col("base")) / (1.0 - pl.col("base")) >= 0.5))
    deps = [Dependency(x, a, float(c), int(s)) for a, x, c, s, _, _ in
            stats.sort("target", "attribute").iter_rows()]
    return deps, joint


SCORE_MARGIN = 0.1  # in tuples: a smaller score gap is no evidence (more tuples, then break_tie)


class EvidenceResolver:
    """Own tuples, lake FDs, key ownership and kNN neighbours in one score (see module doc)."""

    per_set = False  # learns across sets (see tablefuse.resolve.Resolver)

    method = "evidence"

    def __init__(self, k: int = 10, min_mi: float = 0.1, fd_confidence: float = 0.9,
                 fd_min_support: int = 3, key_uniqueness: float = 0.9,
                 evidence_weight: float = 2.0, max_postings: int = 200, format: str = "majority") -> None:
        self.format = format
        self.formats = None  # fixed attribute formats (tablefuse.resolve.domains); None: learned per call
        self.k = k
        self.min_mi = min_mi
        self.fd_confidence = fd_confidence
        self.fd_min_support = fd_min_support
        self.key_uniqueness = key_uniqueness
        self.evidence_weight = evidence_weight
        self.max_postings = max_postings

    @classmethod
    def from_config(cls, config: ResolveConfig) -> EvidenceResolver:
        if config.k < 0:
            raise ConfigError("resolve.k must be 0 or more")
        if not 0.0 <= config.min_mi <= 1.0:
            raise ConfigError("resolve.min_mi must lie in [0, 1]")
        if not 0.5 <= config.fd_confidence <= 1.0:
            raise ConfigError("resolve.fd_confidence must lie in [0.5, 1]")
        if config.fd_min_support < 2:
            raise ConfigError("resolve.fd_min_support must be at least 2")
        if not 0.0 < config.key_uniqueness <= 1.0:
            raise ConfigError("resolve.key_uniqueness must lie in (0, 1]")
        if config.evidence_weight < 0:
            raise ConfigError("resolve.evidence_weight must be 0 or more")
        return cls(config.k, config.min_mi, config.fd_confidence, config.fd_min_support,
                   config.key_uniqueness, config.evidence_weight, format=config.format)

    def resolve(self, tuples: TupleTable, membership: Membership) -> Resolution:
        return resolve_with(tuples, membership, self, self.method)

    # -- evidence -----------------------------------------------------------------------------
    def _fd_votes(self, conflicts: Sequence[ConflictCell], lake: LakeCells, clean: pl.DataFrame,
                  ) -> dict[tuple[int, str], tuple[float, str]]:
        """(cell, candidate key) -> (strongest FD vote, its sentence with a ``{value!r}`` slot)."""
        targets = sorted({c.attribute for c in conflicts})
        deps, joint = mine_dependencies(clean, targets, self.fd_confidence, self.fd_min_support)
        if not deps:
            return {}
        dep = pl.DataFrame({"target": [d.target for d in deps], "attribute": [d.determinant for d in deps],
                            "conf": [d.confidence for d in deps], "support": [d.support for d in deps]})
        # S's values of each determinant, with their share of S's tuples and a surface form
        mine = (lake.cells.group_by("set_id", "attribute", "key")
                .agg(pl.len().alias("c"), pl.col("value").min().alias("shown"))
                .with_columns((pl.col("c") / pl.col("c").sum().over("set_id", "attribute")).alias("share")))
        q = pl.DataFrame({"cell": list(range(len(conflicts))), "set_id": [c.set_id for c in conflicts],
                          "target": [c.attribute for c in conflicts]},
                         schema={"cell": pl.Int64, "set_id": pl.Int64, "target": pl.Utf8})
        q = q.join(dep, on="target").join(mine, on=["set_id", "attribute"])
        m = (joint.with_columns(pl.col("n").sum().over("target", "attribute", "key").alias("m")))
        hits = q.join(m, on=["target", "attribute", "key"])
        out: dict[tuple[int, str], tuple[float, str]] = {}
        rows = hits.select("cell", "target", "attribute", "shown", "share", "conf", "support",
                           "tkey", "n", "m").sort("cell", "attribute", "shown", "tkey").iter_rows()
        for cell, target, x, shown, share, conf, support, tkey, n, total in rows:
            score = self.evidence_weight * conf * share * n / (total + 1)
            key = (cell, tkey)
            if key not in out or score > out[key][0]:
                out[key] = (score, f"{x}={shown!r} -> {target}={{value!r}} in {n} of {total} other "
                                   f"sets (FD {x} -> {target} holds for {conf:.0%} of {support} sets)")
        return out

    def _ownership(self, conflicts: Sequence[ConflictCell], keys: pl.DataFrame,
                   clean: pl.DataFrame) -> dict[tuple[int, str], tuple[float, str]]:
        """(cell, candidate key) -> (penalty >= 0, sentence) for candidates owned by other sets."""
        targets = sorted({c.attribute for c in conflicts})
        postings = clean.group_by("attribute", "key").agg(pl.len().alias("df"))
        uniq = (clean.join(postings, on=["attribute", "key"])
                .group_by("attribute").agg((pl.col("df") == 1).mean().alias("u"), pl.len().alias("sets")))
        unique_share = {a: float(u) for a, u, _ in uniq.iter_rows()}
        keyish = {a: float(u) for a, u, n in uniq.iter_rows()
                  if a in targets and u >= self.key_uniqueness and n >= 2}
        if not keyish:
            return {}
        cand = pl.DataFrame({
            "cell": [i for i, c in enumerate(conflicts) if c.attribute in keyish for _ in c.candidates],
            "qset": [c.set_id for c in conflicts if c.attribute in keyish for _ in c.candidates],
            "attribute": [c.attribute for c in conflicts if c.attribute in keyish for _ in c.candidates],
            "key": [x.key for c in conflicts if c.attribute in keyish for x in c.candidates]},
            schema={"cell": pl.Int64, "qset": pl.Int64, "attribute": pl.Utf8, "key": pl.Utf8})
        owners = (cand.join(postings.filter(pl.col("df") <= self.max_postings), on=["attribute", "key"])
                  .drop("df").join(clean, on=["attribute", "key"])
                  .filter(pl.col("set_id") != pl.col("qset"))
                  .select("cell", "qset", pl.col("attribute").alias("target"), pl.col("key").alias("ckey"),
                          pl.col("set_id").alias("owner")))
        if owners.height == 0:
            return {}
        # agreement on entity-specific attributes only: sharing a city says nothing about identity
        weights = pl.DataFrame({"attribute": list(unique_share), "u": list(unique_share.values())},
                               schema={"attribute": pl.Utf8, "u": pl.Float64}).filter(pl.col("u") > 0)
        lead = keys.select("set_id", "attribute", "key")
        cmp = (owners.join(lead.rename({"set_id": "qset", "key": "qkey"}), on="qset")
               .filter(pl.col("attribute") != pl.col("target"))
               .join(lead.rename({"set_id": "owner", "key": "okey"}), on=["owner", "attribute"])
               .join(weights, on="attribute")
               .group_by("cell", "ckey", "target", "owner")
               .agg(((pl.col("qkey") == pl.col("okey")) * pl.col("u")).sum().alias("eq"),
                    pl.col("u").sum().alias("w"),
                    pl.col("attribute").filter(pl.col("qkey") != pl.col("okey")).sort().alias("differ"))
               .with_columns((pl.col("eq") / pl.col("w")).alias("agree")))
        best = (cmp.sort("cell", "ckey", "agree", "owner", descending=[False, False, True, False])
                .group_by("cell", "ckey", "target", maintain_order=True)
                .agg(pl.col("agree").first(), pl.col("owner").first(), pl.col("differ").first()))
        out: dict[tuple[int, str], tuple[float, str]] = {}
        for cell, ckey, target, agree, owner, differ in best.iter_rows():
            if agree >= 0.5:
                continue  # an owner that looks like S: a split of the same entity, not a copy
            u = keyish[target]
            penalty = self.evidence_weight * u * (1.0 - agree)
            out[(cell, ckey)] = (penalty, f"held by set {owner}, another entity (differs on "
                                          f"{', '.join(differ)}; {target} is entity-specific: "
                                          f"{u:.0%} of values in one set)")
        return out

    def _knn_votes(self, conflicts: Sequence[ConflictCell], lake: LakeCells
                   ) -> dict[int, list[tuple[str, float, list[str]]]]:
        if self.k < 1:
            return {}
        nb = KnnResolver(self.k, self.min_mi, self.max_postings).neighbours(conflicts, lake)
        by_cell: dict[int, list[tuple[str, float, list[str]]]] = {}
        for cell, _set, sim, tkey, attrs in nb.iter_rows():
            by_cell.setdefault(cell, []).append((tkey, sim, attrs))
        return by_cell

    def _weights(self, lake: LakeCells) -> dict[str, float]:
        """Per source, its ACCU vote weight over the mean source's: equally reliable sources
        weigh one tuple each, so the evidence weights stay in units of tuples."""
        truth = TruthResolver()
        accuracy, _, _ = truth.accuracies(lake)
        # ACCU's weight turns negative below accuracy 1 / (n + 1); a tuple never counts against
        raw = {s: max(math.log(truth.false_values * a / (1 - a)), 0.01) for s, a in accuracy.items()}
        ref = sum(raw.values()) / len(raw) if raw else 1.0
        return {s: w / ref for s, w in raw.items()} if ref > 0 else {s: 1.0 for s in raw}

    # -- the decision -------------------------------------------------------------------------
    def choose(self, conflicts: Sequence[ConflictCell], lake: LakeCells) -> list[Choice]:
        keys = set_keys(lake.cells)
        clean = keys.filter(~pl.col("conflict")).select("set_id", "attribute", "key")
        fd = self._fd_votes(conflicts, lake, clean) if self.evidence_weight > 0 else {}
        owned = self._ownership(conflicts, keys, clean) if self.evidence_weight > 0 else {}
        near = self._knn_votes(conflicts, lake)
        weight = self._weights(lake)
        per_tuple = self._tuple_sources(conflicts, lake)
        out: list[Choice] = []
        for i, cell in enumerate(conflicts):
            cands = cell.candidates
            fd_i = [fd.get((i, c.key)) for c in cands]
            own_i = [owned.get((i, c.key)) for c in cands]
            nb = [x for x in near.get(i, []) if x[1] > 0]  # a zero-similarity neighbour says nothing
            own = [sum(weight.get(s, 1.0) for s in per_tuple[(i, c.key)]) for c in cands]
            if not any(fd_i) and not any(own_i) and not nb:
                ch = vote(cell, lake.reliability)
                best = max(range(len(cands)), key=lambda j: (round(own[j], 9), j == ch.index))
                if own[best] - own[ch.index] <= SCORE_MARGIN:  # no real gap: the vote stands
                    best = ch.index
                if best == ch.index:
                    out.append(Choice(ch.index, ch.confidence,
                                      "no evidence elsewhere in the lake (no FD, key owner or "
                                      f"similar set), so the majority vote: {ch.reason}"))
                else:
                    out.append(Choice(best, round(own[best] / sum(own), 9),
                                      "no evidence elsewhere in the lake (no FD, key owner or "
                                      "similar set); source accuracy outweighs the majority: "
                                      f"{support_sentence(cands[best], cell.total)} (weight "
                                      f"{own[best]:.2f} vs {own[ch.index]:.2f} for "
                                      f"{cands[ch.index].value!r})"))
                continue
            index = {c.key: j for j, c in enumerate(cands)}
            knn = [0.0] * len(cands)
            agree = [0] * len(cands)
            for tkey, sim, _attrs in nb:
                j = index.get(tkey)
                if j is not None:
                    knn[j] += sim
                    agree[j] += 1
            fd_score = [f[0] if f else 0.0 for f in fd_i]
            penalty = [o[0] if o else 0.0 for o in own_i]
            scores = [own[j] + knn[j] + fd_score[j] - penalty[j] for j in range(len(cands))]
            near_top = [j for j in range(len(cands)) if scores[j] >= max(scores) - SCORE_MARGIN]
            most = max(cands[j].count for j in near_top)
            tied = [j for j in near_top if cands[j].count == most]
            best, why = (tied[0], "") if len(tied) == 1 else break_tie(cell, tied, lake.reliability)
            order = [best] + sorted((j for j in range(len(cands)) if j != best),
                                    key=lambda j: (-round(scores[j], 9), -cands[j].count, tie_rank(cell, cands[j])))
            top = max(scores)
            conf = math.exp(scores[best] - top) / sum(math.exp(s - top) for s in scores)
            parts = [f"score {scores[best]:.2f} vs {scores[order[1]]:.2f} for {cands[order[1]].value!r}",
                     support_sentence(cands[best], cell.total)]
            fd_best = fd_i[best]
            if fd_best:
                parts.append(fd_best[1].replace("{value!r}", repr(cands[best].value)))
            for j in order[1:]:
                owner = own_i[j]
                if owner:
                    parts.append(f"{cands[j].value!r} {owner[1]}")
            if nb:
                parts.append(f"{agree[best]} of {len(nb)} similar sets agree")
            if why:
                parts.append(why)
            # rounded: float sums follow polars' group order, and a re-run must record the same
            out.append(Choice(best, round(min(max(conf, 0.0), 1.0), 9), "; ".join(parts)))
        return out

    @staticmethod
    def _tuple_sources(conflicts: Sequence[ConflictCell], lake: LakeCells
                       ) -> dict[tuple[int, str], list[str]]:
        """(cell, candidate key) -> the source of each supporting tuple."""
        tids = sorted({t for cell in conflicts for c in cell.candidates for t in c.tids})
        rows = lake.cells.filter(pl.col("tid").is_in(tids)).select("tid", "source").unique("tid")
        src = dict(zip(rows["tid"].to_list(), rows["source"].to_list()))
        return {(i, c.key): [src.get(t, "") for t in c.tids]
                for i, cell in enumerate(conflicts) for c in cell.candidates}


__all__ = ["Dependency", "EvidenceResolver", "mine_dependencies"]
