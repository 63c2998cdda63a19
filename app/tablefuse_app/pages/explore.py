"""Page 4: integrable sets by size or uncertainty, a set side by side, its graph, search."""
from __future__ import annotations

import hashlib

import pandas as pd
import polars as pl
import streamlit as st

from tablefuse import store
from tablefuse.errors import TablefuseError

from .. import explore as logic
from ..humanize import plural
from . import common

HIGHLIGHT = "background-color: #ffd166; color: #000"


def _styled(frame: pl.DataFrame) -> "pd.io.formats.style.Styler":
    """Cells that differ from their row's majority value, highlighted."""
    flags = logic.differing(frame)
    pdf = frame.to_pandas().set_index("field")
    css = pd.DataFrame([[HIGHLIGHT if f else "" for f in flags[field]] for field in pdf.index],
                       index=pdf.index, columns=pdf.columns)
    return pdf.style.apply(lambda _: css, axis=None)


def _split(db: str, set_id: int) -> None:
    tids = st.session_state.get("split_tids") or []
    try:
        store.record_split(db, tids, note=f"split from set {set_id} in the app")
        common.say("success", f"Split {plural(len(tids), 'tuple')} out of set {set_id} into a new set.")
    except TablefuseError as exc:
        common.say("error", str(exc))


def _merge(db: str, set_id: int) -> None:
    others = st.session_state.get("merge_sets") or []
    try:
        store.record_merge(db, [set_id, *others], note="merged in the app")
        which = "set" if len(others) == 1 else "sets"
        common.say("success", f"Merged {which} {', '.join(map(str, others))} into set {set_id}.")
    except TablefuseError as exc:
        common.say("error", str(exc))


def _why(db, pairs: pl.DataFrame, tids: list[int], names: dict[int, str]) -> None:
    """Why did these match? The per-attribute evidence of one pair of the set, as a waterfall."""
    inner = logic.set_pairs(pairs, tids)
    if inner.height == 0:
        return
    st.subheader("Why did these match?")
    rows = inner.select("tid_a", "tid_b", "score").rows()

    def label(i: int) -> str:
        a, b, score = rows[i]
        return (f"{a} {names.get(a, '')} ↔ {b} {names.get(b, '')} — score {score:.3f}")

    pick = st.selectbox("Pair (weakest first)", list(range(len(rows))), format_func=label,
                        key=f"explore_pair::{'-'.join(map(str, tids[:40]))}")
    if pick is None:
        return
    a, b, _ = rows[pick]
    common.pair_evidence_view(db, int(a), int(b))


def render() -> None:
    st.header("4 · Explore integrable sets")
    db = common.require_store()
    if db is None:
        return
    common.flash()
    membership, pairs = common.table(db, "membership"), common.table(db, "pairs")
    conflicts, golden = common.table(db, "conflicts"), common.table(db, "integrated")
    tuples = common.table(db, "tuples")

    text = st.text_input("Search by value", key="explore_search",
                         placeholder="a name, a phone number, part of an address…")
    if text.strip():
        hits = logic.search(tuples, membership, text)
        st.caption(f"{plural(hits.height, 'matching tuple')}" + (" (first 200)" if hits.height >= 200 else ""))
        st.dataframe(hits, hide_index=True, height=200)

    sort = st.radio("Sort sets by", logic.SORTS, horizontal=True, key="explore_sort")
    overview = logic.set_overview(membership, pairs, conflicts, golden, sort)
    st.dataframe(overview, hide_index=True, height=240,
                 column_config={"mean_score": st.column_config.NumberColumn(format="%.3f"),
                                "uncertainty": st.column_config.ProgressColumn(
                                    min_value=0.0, max_value=1.0, format="%.2f")})
    labels = dict(zip(overview["set_id"].to_list(), overview["label"].to_list(), strict=True))
    sizes = dict(zip(overview["set_id"].to_list(), overview["size"].to_list(), strict=True))
    options = overview["set_id"].to_list()

    def label(s: int) -> str:
        return f"set {s} — {plural(sizes[s], 'tuple')} — {labels[s] or ''}"

    # the browser keeps a select box's shown label while its key stays, so a split or merge left
    # "6 tuples" on screen under a heading saying 4: the key follows the labels, the choice is kept
    digest = hashlib.sha1("\n".join(map(label, options)).encode()).hexdigest()[:12]
    kept = st.session_state.get("explore_set_id")
    set_id = st.selectbox("Set", options, index=options.index(kept) if kept in options else 0,
                          key=f"explore_set::{digest}", format_func=label)
    st.session_state["explore_set_id"] = set_id
    if set_id is None:
        return
    tids = membership.filter(pl.col("set_id") == set_id)["tid"].sort().to_list()
    st.subheader(f"Set {set_id}: {plural(len(tids), 'tuple')} side by side")
    st.caption("Highlighted: values that differ from the most common value of their row.")
    st.dataframe(_styled(logic.side_by_side(tuples, tids)), height=420)

    st.subheader("Tuple graph")
    nodes, edges = logic.graph_layout(tids, pairs)
    if len(tids) > logic.MAX_GRAPH_NODES:
        st.caption(f"Showing the first {logic.MAX_GRAPH_NODES} of {len(tids)} tuples.")
    sources = dict(zip(tuples["tid"].to_list(), tuples["source"].to_list(), strict=True))
    names = logic.tuple_labels(tuples, tids)
    st.vega_lite_chart(logic.graph_spec(nodes, edges, sources, names), width="stretch")
    st.caption(f"{plural(len(edges), 'judged pair')} inside the set; edge colour and number = "
               "pair score; hover an edge's square or a tuple for details.")
    _why(db, pairs, tids, names)

    with st.expander("Split or merge this set by hand"):
        st.multiselect("Tuples to move into a new set", tids, key="split_tids")
        st.button("Split them off", on_click=_split, args=(str(db), set_id))
        others = [s for s in overview["set_id"].to_list() if s != set_id]
        st.multiselect("Sets to merge into this one", others, key="merge_sets",
                       format_func=lambda s: f"set {s} — {labels[s] or ''}")
        st.button("Merge them in", on_click=_merge, args=(str(db), set_id))
