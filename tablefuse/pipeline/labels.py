"""Pair labels a person gave (``tablefuse.store.record_pair_label``) used by the next run.

A run whose store already holds pair labels (``tablefuse integrate LAKE --db STORE``, i.e. a
``Pipeline`` with ``db_path``) reads them, maps each label's two tuples, named by
(source, source_row), to this run's tids (a tuple gone from the lake drops its label), and:

1. **training** — the labelled pairs are added to the candidates when blocking missed a labelled
   match (blocker ``label``), and handed to the judge's ``fit(..., labels=)``: SSACL learns the
   matches as extra positives and the non-matches as extra (hard) negatives, each repeated
   (``judge/ssacl/judge.py``); Fellegi-Sunter and the string baseline take them and learn nothing;
2. **threshold** — with at least ``MIN_PER_CLASS`` labelled matches and as many non-matches
   among the scored pairs, the cut is calibrated on the labelled pairs' scores: the cut that
   maximises **F1** on them (pair F1 is what the run is judged by; among equally good cuts the
   one nearest the label-free cut, the middle of that interval), then shrunk towards the
   label-free cut by ``n / (n + PRIOR_LABELS)`` (n labelled pairs with a score): 20 labels move
   it half-way, 100 labels five sixths of the way. Fewer labels leave the label-free cut. A judge
   that trained on the labels (SSACL) scores them in-sample: it nearly always separates them, its
   own cut then lies in the best interval and stays (``in_sample`` in the stats). Measured on ccer
   D2 / D3 (``benchmarks/results/judge_labels.md``) the lift comes from the training, not the cut:
   the candidates' scores are bimodal, the pairs near the cut few, and pair F1 moves by a few
   points at most over cuts from 0.05 to 0.9;
3. **forced scores** — a labelled match scores 1.0 and is integrable, a labelled non-match
   scores 0.0 and is not (after unique mapping too: a person's say beats the declaration);
4. **sets** — after discovery, the two sets of a labelled match are merged (unless they hold a
   labelled non-match between them), and a set holding a labelled non-match (a, b) is cut in
   two: a stays, b leaves, and every other member follows the side it is more strongly linked
   to (sum of its integrable scores into each side, labelled matches counted as 1000), taken
   strongest first; a member linked to neither side stays with a. Cutting repeats until no set
   holds a labelled non-match, so no final set ever does; each edited set gets a note.

Zero labels change nothing: none of this runs, and the run is what it was without labels.
"""
from __future__ import annotations

import hashlib
import heapq
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from ..frames import CandidatePairs, LabelledPairs, Membership, ScoredPairs, TupleTable

#: labelled matches and non-matches each needed before the threshold is calibrated on them
MIN_PER_CLASS = 3
#: the calibrated cut moves n / (n + PRIOR_LABELS) of the way from the label-free cut
PRIOR_LABELS = 20
#: the weight of a labelled match when a set is cut between two sides
MUST_LINK_WEIGHT = 1000.0
LABEL_BLOCKER = "label"


def load_labels(db_path: str | Path | None, tuples: TupleTable) -> LabelledPairs | None:
    """The match / no_match labels of the store at ``db_path`` in ``tuples``' tids, or None when
    there is no store, no label, or no label whose two tuples are both in ``tuples``."""
    if db_path is None or not Path(db_path).is_file():
        return None
    from .. import store

    if "decisions" not in store.list_tables(db_path):
        return None
    raw = store.pair_labels(db_path).filter(pl.col("label").is_in(["match", "no_match"]))
    if raw.height == 0:
        return None
    keys = tuples.frame.select(pl.col("tid").cast(pl.Int64), pl.col("source").cast(pl.Utf8),
                               pl.col("source_row").cast(pl.Int64))
    mapped = (raw.select("decision_id", "label", "source_a", "row_a", "source_b", "row_b")
              .join(keys.rename({"tid": "a", "source": "source_a", "source_row": "row_a"}),
                    on=["source_a", "row_a"], how="inner")
              .join(keys.rename({"tid": "b", "source": "source_b", "source_row": "row_b"}),
                    on=["source_b", "row_b"], how="inner")
              .filter(pl.col("a") != pl.col("b")))
    if mapped.height == 0:
        return None
    frame = mapped.select(pl.min_horizontal("a", "b").alias("tid_a"), pl.max_horizontal("a", "b").alias("tid_b"),
                          (pl.col("label") == "match").alias("match"), "decision_id")
    frame = frame.unique(["tid_a", "tid_b"], keep="last", maintain_order=True).sort("tid_a", "tid_b")
    labels = LabelledPairs(frame)
    labels.validate()
    return labels


def digest(labels: LabelledPairs) -> str:
    """A short fingerprint of the labels (the judge step's key names them)."""
    text = labels.frame.select("tid_a", "tid_b", "match").write_csv()
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def with_labelled_matches(candidates: CandidatePairs, labels: LabelledPairs) -> CandidatePairs:
    """The candidates plus every labelled match blocking did not propose (blocker ``label``)."""
    matches = labels.frame.filter(pl.col("match")).select("tid_a", "tid_b")
    frame = candidates.frame
    missing = matches.join(frame.select(pl.col("tid_a").cast(pl.Int64), pl.col("tid_b").cast(pl.Int64)),
                           on=["tid_a", "tid_b"], how="anti")
    if missing.height == 0:
        return candidates
    extra = missing.with_columns(pl.lit(LABEL_BLOCKER).alias("blocker")).select(frame.columns)
    out = pl.concat([frame, extra.cast(frame.schema)])
    return CandidatePairs(out, {**candidates.stats, "labelled_matches_added": missing.height})


def calibrate_threshold(scores: np.ndarray, match: np.ndarray, base: float) -> tuple[float, dict[str, Any]]:
    """The cut calibrated on labelled pairs' scores (see the module docstring, rule 2), and what
    was done: (threshold, info)."""
    scores = np.asarray(scores, dtype=np.float64)
    match = np.asarray(match, dtype=bool)
    n, n_pos = len(scores), int(match.sum())
    info: dict[str, Any] = {"label_free_threshold": round(float(base), 6), "scored_labels": n,
                            "scored_match": n_pos, "scored_no_match": n - n_pos, "rule": "f1"}
    if n_pos < MIN_PER_CLASS or n - n_pos < MIN_PER_CLASS:
        info.update(calibrated=False, reason=f"fewer than {MIN_PER_CLASS} labelled matches or non-matches scored")
        return float(base), info
    distinct = np.unique(scores)  # ascending
    # the cuts (lo, hi] that call exactly the pairs scoring >= hi integrable; the last calls none
    lows = np.concatenate([[min(0.0, distinct[0]) - 1e-9], distinct])
    highs = np.concatenate([distinct, [max(1.0, distinct[-1]) + 1e-9]])
    f1 = np.empty(len(highs))
    for i, cut in enumerate(highs):
        called = scores >= cut
        tp = int((called & match).sum())
        f1[i] = 2 * tp / (n_pos + int(called.sum())) if n_pos + called.sum() else 0.0
    best = f1.max()
    options = []
    for i in np.flatnonzero(f1 >= best - 1e-12).tolist():
        lo, hi = float(lows[i]), float(highs[i])
        if lo < base <= hi:
            options.append((0.0, float(base)))
        else:
            mid = (max(lo, 0.0) + min(hi, 1.0)) / 2
            options.append((abs(mid - base), mid))
    best_cut = min(options)[1]
    weight = n / (n + PRIOR_LABELS)
    threshold = float(np.clip(base + weight * (best_cut - base), 0.0, 1.0))
    info.update(calibrated=True, f1_on_labels=round(float(best), 4), f1_best_cut=round(best_cut, 6),
                weight=round(weight, 4), threshold=round(threshold, 6))
    return threshold, info


def calibrated(scored: ScoredPairs, labels: LabelledPairs) -> ScoredPairs:
    """``scored`` with its cut calibrated on the labelled pairs' (raw) scores and ``integrable``
    recomputed at it; the stats say what was done (``pair_labels``; ``in_sample``: the judge
    trained on these very labels, see the module docstring)."""
    got = labels.frame.join(scored.frame.select("tid_a", "tid_b", "score"), on=["tid_a", "tid_b"], how="inner")
    threshold, info = calibrate_threshold(got["score"].to_numpy(), got["match"].to_numpy(), scored.threshold)
    info.update(labels=labels.frame.height, match=labels.n_match, no_match=labels.n_no_match,
                in_sample=bool(scored.stats.get("labelled_pairs")))
    frame = scored.frame
    if info["calibrated"]:
        frame = frame.with_columns((pl.col("score") >= threshold).alias("integrable"))
    return ScoredPairs(frame, threshold, {**scored.stats, "pair_labels": info})


def forced(scored: ScoredPairs, labels: LabelledPairs) -> ScoredPairs:
    """Labelled matches score 1.0 and are integrable, labelled non-matches 0.0 and are not; a
    labelled match missing from the pairs is added."""
    lab = labels.frame.select("tid_a", "tid_b", pl.col("match").alias("__label"))
    frame = scored.frame
    joined = frame.join(lab, on=["tid_a", "tid_b"], how="left", maintain_order="left")
    is_lab = pl.col("__label").is_not_null()
    frame = joined.with_columns(
        pl.when(is_lab).then(pl.col("__label").cast(pl.Float64)).otherwise(pl.col("score")).alias("score"),
        pl.when(is_lab).then(pl.col("__label")).otherwise(pl.col("integrable")).alias("integrable"),
    ).drop("__label")
    missing = lab.filter(pl.col("__label")).join(frame.select("tid_a", "tid_b"), on=["tid_a", "tid_b"], how="anti")
    if missing.height:
        add = missing.select("tid_a", "tid_b", pl.lit(1.0).alias("score"), pl.lit(True).alias("integrable"))
        frame = pl.concat([frame, add.select(frame.columns).cast(frame.schema)])
    stats = dict(scored.stats)
    info = dict(stats.get("pair_labels") or {})
    info["forced"] = int(joined["__label"].is_not_null().sum()) + missing.height
    stats["pair_labels"] = info
    stats["integrable"] = int(frame["integrable"].sum()) if frame.height else 0
    return ScoredPairs(frame, scored.threshold, stats)


def _split_side(members: set[int], a: int, b: int, adj: dict[int, dict[int, float]],
                cannot: dict[int, set[int]]) -> set[int]:
    """The members that leave with ``b`` when a set holding the non-match (a, b) is cut."""
    side = {a: 0, b: 1}
    conn: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    heap: list[tuple[float, int]] = []

    def place(v: int, s: int) -> None:
        side[v] = s
        for u, w in adj.get(v, {}).items():
            if u in members and u not in side:
                conn[u][s] += w
                heapq.heappush(heap, (-max(conn[u]), u))

    place(a, 0)
    place(b, 1)
    while heap:
        _, v = heapq.heappop(heap)
        if v in side:
            continue
        c0, c1 = conn[v]
        s = 1 if c1 > c0 else 0
        if any(side.get(u) == s for u in cannot.get(v, ())):  # never next to a labelled non-match
            s = 1 - s
        place(v, s)
    return {v for v, s in side.items() if s == 1}


def enforce_on_sets(membership: Membership, scored: ScoredPairs, labels: LabelledPairs) -> Membership:
    """The sets with the labels honoured (module docstring, rule 4): labelled matches' sets merged,
    every set holding a labelled non-match cut; set ids renumbered by smallest tid."""
    from ..discover import canonical_labels

    frame = membership.frame.sort("tid")
    tids = frame["tid"].to_list()
    set_of: dict[int, int] = dict(zip(tids, frame["set_id"].to_list(), strict=True))
    members: dict[int, set[int]] = defaultdict(set)
    for t, s in set_of.items():
        members[s].add(t)
    lab = labels.frame
    must = [(int(a), int(b), d) for a, b, m, d in lab.select("tid_a", "tid_b", "match", "decision_id").iter_rows()
            if m and a in set_of and b in set_of]
    cannot_pairs = [(int(a), int(b), d) for a, b, m, d in
                    lab.select("tid_a", "tid_b", "match", "decision_id").iter_rows()
                    if not m and a in set_of and b in set_of]
    cannot: dict[int, set[int]] = defaultdict(set)
    for a, b, _ in cannot_pairs:
        cannot[a].add(b)
        cannot[b].add(a)
    notes: list[tuple[int, str]] = []  # (a member tid of the set, text)
    merged = split = 0
    for a, b, did in must:
        sa, sb = set_of[a], set_of[b]
        if sa == sb:
            continue
        if any(u in members[sb] for v in members[sa] for u in cannot.get(v, ())):
            continue  # the merge would join a labelled non-match: the non-match wins
        for t in members.pop(sb):
            set_of[t] = sa
            members[sa].add(t)
        merged += 1
        notes.append((a, f"merged by a pair label (match, decision {did})"))
    adj: dict[int, dict[int, float]] = defaultdict(dict)
    edges = scored.frame.filter(pl.col("integrable")).select("tid_a", "tid_b", "score")
    for a, b, w in edges.iter_rows():
        adj[a][b] = adj[b][a] = float(w)
    for a, b, _ in must:
        adj[a][b] = adj[b][a] = MUST_LINK_WEIGHT
    next_id = max(members, default=-1) + 1
    pending = list(cannot_pairs)
    while pending:
        a, b, did = pending.pop(0)
        if set_of[a] != set_of[b]:
            continue
        sid = set_of[a]
        leave = _split_side(members[sid], a, b, adj, cannot)
        members[sid] -= leave
        members[next_id] = set(leave)
        for t in leave:
            set_of[t] = next_id
        next_id += 1
        split += 1
        text = f"cut by a pair label (no match, decision {did})"
        notes.extend([(a, text), (b, text)])
        pending = [p for p in cannot_pairs if set_of[p[0]] == set_of[p[1]]]
    if not merged and not split:
        return membership
    new = canonical_labels(np.asarray([set_of[t] for t in tids], dtype=np.int64))
    new_of = dict(zip(tids, new.tolist(), strict=True))
    out = pl.DataFrame({"tid": pl.Series(tids, dtype=pl.Int64), "set_id": pl.Series(new, dtype=pl.Int64)})
    note_rows: list[tuple[int, str]] = []
    if membership.notes is not None and membership.notes.height:
        first_of = frame.group_by("set_id").agg(pl.col("tid").min())  # an old set's note follows its smallest tid
        old_first = dict(first_of.iter_rows())
        note_rows += [(new_of[old_first[s]], n) for s, n in membership.notes.select("set_id", "note").iter_rows()
                      if s in old_first]
    note_rows += [(new_of[t], text) for t, text in notes]
    note_frame = (pl.DataFrame(note_rows, schema={"set_id": pl.Int64, "note": pl.Utf8}, orient="row")
                  .unique(maintain_order=True).sort("set_id", maintain_order=True))
    return Membership(out, note_frame)


def record(labels: LabelledPairs | None) -> dict[str, Any]:
    """What a run says about the labels it used (the judge stage's ``detail``)."""
    if labels is None:
        return {}
    return {"pair_labels": {"used": labels.frame.height, "match": labels.n_match, "no_match": labels.n_no_match}}


__all__ = ["LABEL_BLOCKER", "MIN_PER_CLASS", "MUST_LINK_WEIGHT", "PRIOR_LABELS", "calibrate_threshold", "calibrated",
           "digest", "enforce_on_sets", "forced", "load_labels", "record", "with_labelled_matches"]
