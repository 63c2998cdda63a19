"""Page 5: pair review near the threshold, dedupe-style: label, and the judge learns on re-run.

The pairs come in the library's uncertainty order (``tablefuse.pipeline.review_queue``): the
judge's least certain pairs and the cross-set near misses first. Each is shown side by side with
its per-attribute evidence (``tablefuse.pipeline.EvidenceModel``, a waterfall). A label is a
decision in the store (must-link / cannot-link / unsure) that survives re-runs; the decided
tables apply it at once, and **Re-run with the labels** trains and calibrates the judge on them.
Keys (shown on the buttons): m match, n no match, u unsure, s skip, b back.
"""
from __future__ import annotations

from pathlib import Path

import polars as pl
import streamlit as st

from tablefuse import store
from tablefuse.errors import TablefuseError
from tablefuse.pipeline import review_queue, stored_config

from .. import background
from ..humanize import plural
from . import common

LABELS = {"match": "Match", "no_match": "No match", "unsure": "Unsure"}
SHORTCUTS = {"match": "m", "no_match": "n", "unsure": "u"}


@st.cache_data(max_entries=16, show_spinner=False)
def _queue(path: str, mtime_ns: int, size: int, limit: int) -> pl.DataFrame:
    return review_queue(path, limit=limit)


def _stamp(db: Path) -> tuple[str, int, int]:
    stat = db.stat()
    return str(db), stat.st_mtime_ns, stat.st_size


def _label(db: str, tid_a: int, tid_b: int, label: str) -> None:
    try:
        store.record_pair_label(db, tid_a, tid_b, label)  # type: ignore[arg-type]
    except TablefuseError as exc:
        common.say("error", str(exc))
        return
    common.say("success", f"Labelled tuples {tid_a} and {tid_b}: {LABELS[label].lower()}.")


def _move(step: int) -> None:
    st.session_state["pair_pos"] = max(int(st.session_state.get("pair_pos", 0)) + step, 0)


def _undo(db: str, decision_id: str) -> None:
    if store.delete_decision(db, decision_id):
        common.say("info", "Removed the label.")


def _rerun(db: str) -> None:
    """Run the stored run's config again on its lake: the judge reads the labels."""
    from tablefuse.pipeline.decisions import latest_run

    try:
        run = latest_run(db)
        lake = Path(run["lake_path"])
        if not lake.is_dir():
            raise TablefuseError(f"the run's lake {lake} is gone: upload it and run Integrate")
        background.start_run(lake, stored_config(db), Path(db))
    except (TablefuseError, background.RunInProgress) as exc:
        common.say("error", str(exc))
        return
    common.say("info", "Re-running with the labels: the judge trains and sets its threshold on "
                       "them (this page shows the run's progress).")


def render() -> None:
    st.header("5 · Review pairs")
    db = common.require_store()
    if db is None:
        return
    common.flash()
    labels = store.pair_labels(db)
    counts = {k: int((labels["label"] == k).sum()) for k in LABELS} if labels.height else dict.fromkeys(LABELS, 0)
    st.caption(f"{plural(labels.height, 'label')}: {counts['match']} match, {counts['no_match']} "
               f"no match, {counts['unsure']} unsure. Labels are kept in the store and used by "
               "the next run: they join the judge's training and set its threshold.")
    status = common.run_status()
    st.button(f"Re-run with the {plural(labels.height, 'label')}", on_click=_rerun, args=(str(db),),
              disabled=labels.height == 0 or (status is not None and status.active), type="primary")

    queue = _queue(*_stamp(db), 200)
    if queue.height == 0:
        st.info("No pair is left to review: every judged pair near the threshold has a label.")
    else:
        pos = min(int(st.session_state.get("pair_pos", 0)), queue.height - 1)
        st.session_state["pair_pos"] = pos
        row = queue.row(pos, named=True)
        kind = "a near miss across sets" if row.get("kind") == "near_miss" else "an uncertain pair"
        st.subheader(f"Pair {pos + 1} of {queue.height} — {kind}")
        common.pair_evidence_view(db, int(row["tid_a"]), int(row["tid_b"]))
        cols = st.columns(5)
        for col, (key, text) in zip(cols, LABELS.items(), strict=False):
            col.button(text, key=f"label::{key}", on_click=_label,
                       args=(str(db), int(row["tid_a"]), int(row["tid_b"]), key), shortcut=SHORTCUTS[key],
                       type="primary" if key == "match" else "secondary")
        cols[3].button("Skip", key="pair_skip", on_click=_move, args=(1,), shortcut="s")
        cols[4].button("Back", key="pair_back", on_click=_move, args=(-1,), shortcut="b",
                       disabled=pos == 0)

    if labels.height:
        st.subheader("Your labels")
        st.dataframe(labels.select("label", "tid_a", "tid_b", "source_a", "row_a", "source_b", "row_b",
                                   "created"), hide_index=True, width="stretch")
        options = labels["decision_id"].to_list()
        names = {d: f"{LABELS.get(lb, lb)}: tuples {a} and {b}" for d, lb, a, b in
                 labels.select("decision_id", "label", "tid_a", "tid_b").iter_rows()}
        chosen = st.selectbox("Remove a label", options, format_func=names.__getitem__, key="pair_undo")
        st.button("Remove it", on_click=_undo, args=(str(db), chosen), disabled=chosen is None)
