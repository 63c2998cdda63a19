"""Page 6: every conflict with its candidates; accept, pick another or type a value."""
from __future__ import annotations

import polars as pl
import streamlit as st

from tablefuse import store
from tablefuse.errors import TablefuseError

from .. import conflicts as logic
from ..humanize import plural
from . import common

ALL = "(all attributes)"


def _fresh_choice() -> None:
    """A new conflict (or a saved decision): the radio starts again at the chosen value."""
    for key in ("conf_choice", "conf_typed"):
        st.session_state.pop(key, None)


def _accept(db: str, set_id: int, attribute: str) -> None:
    try:
        store.record_accept(db, set_id, attribute, note="accepted in the app")
        common.say("success", f"Accepted the value of {logic.label(set_id, attribute)}.")
    except TablefuseError as exc:
        common.say("error", str(exc))


def _override(db: str, set_id: int, attribute: str) -> None:
    value = logic.picked_value(st.session_state.get("conf_choice", ""),
                               st.session_state.get("conf_typed", ""))
    if value is None:
        common.say("error", "Type a value first (or pick a candidate).")
        return
    try:
        store.record_override(db, set_id, attribute, value, note="chosen in the app")
        common.say("success", f"{logic.label(set_id, attribute)} is now {value!r}.")
        _fresh_choice()
    except TablefuseError as exc:
        common.say("error", str(exc))


def _undo(db: str) -> None:
    decision = st.session_state.get("undo_pick")
    if decision and store.delete_decision(db, decision):
        common.say("info", "Removed the decision.")


def render() -> None:
    st.header("6 · Conflicts")
    db = common.require_store()
    if db is None:
        return
    common.flash()
    conflicts = common.table(db, "conflicts")
    names = logic.set_names(common.table(db, "integrated"))
    if conflicts.height == 0:
        st.success("No conflicts: every set agrees on every attribute.")
    else:
        attrs = sorted(conflicts["attribute"].unique().to_list())
        c1, c2 = st.columns(2)
        attr = c1.selectbox("Attribute", [ALL, *attrs], key="conf_attr")
        text = c2.text_input("Search candidate values", key="conf_text")
        view = logic.conflict_table(conflicts, None if attr == ALL else attr, text)
        st.caption(f"{view.height:,} of {plural(conflicts.height, 'conflict')}")
        st.dataframe(view, hide_index=True, height=260,
                     column_config={"confidence": st.column_config.NumberColumn(format="%.2f"),
                                    "reason": st.column_config.TextColumn("reason", width="large"),
                                    "candidates": st.column_config.TextColumn("candidates", width="large")})
        keys = list(zip(view["set_id"].to_list(), view["attribute"].to_list(), strict=True))
        if keys:
            _decide(str(db), conflicts, keys, names)
    _decisions(str(db), names)


def _decide(db: str, conflicts: pl.DataFrame, keys: list[tuple[int, str]], names: dict[int, str]) -> None:
    st.subheader("Decide")
    pick = st.selectbox("Conflict", keys, key="conf_pick", on_change=_fresh_choice,
                        format_func=lambda k: logic.label(k[0], k[1], names.get(k[0])))
    if pick is None:
        return
    set_id, attribute = pick
    row = conflicts.filter((pl.col("set_id") == set_id) & (pl.col("attribute") == attribute)).row(0, named=True)
    cands = logic.candidates(row["candidates"])
    st.dataframe(logic.candidate_frame(cands, row["chosen"]), hide_index=True)
    st.markdown(f"**Chosen:** `{row['chosen']}` · method **{row['method']}** · confidence "
                f"**{row['confidence']:.2f}**")
    st.markdown(f"**Why:** {row['reason']}" if row["reason"] else "")
    options, index = logic.options(cands, row["chosen"])
    st.radio("Golden value", options, index=index, key="conf_choice")
    st.text_input("Your value (when typing another)", key="conf_typed")
    c1, c2 = st.columns(2)
    c1.button("Accept the chosen value", on_click=_accept, args=(db, set_id, attribute))
    c2.button("Save override", type="primary", on_click=_override, args=(db, set_id, attribute))


def _decisions(db: str, names: dict[int, str]) -> None:
    decisions = store.list_decisions(db)
    st.subheader(f"Decisions ({decisions.height})")
    if decisions.height == 0:
        st.caption("None yet. Overrides and hand-made splits/merges are stored in the "
                   "`decisions` table and win in the golden table and in exports.")
        return
    st.dataframe(decisions.select("decision_id", "kind", "set_id", "attribute", "value", "status",
                                  "created", "note"), hide_index=True)
    lines = {r["decision_id"]: logic.decision_label(r, names) for r in decisions.iter_rows(named=True)}
    st.selectbox("Decision to undo", list(lines), key="undo_pick", format_func=lines.__getitem__)
    st.button("Undo it", on_click=_undo, args=(db,))
