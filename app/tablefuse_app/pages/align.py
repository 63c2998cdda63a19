"""Page 2: the proposed column mapping as an editable table; saved as a mapping file."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import streamlit as st

from tablefuse.config import AlignConfig
from tablefuse.errors import TablefuseError

from .. import mapping, uploads
from ..humanize import plural
from . import common


def _reset() -> None:
    common.session().mapping.unlink(missing_ok=True)
    st.session_state.pop("align_editor", None)
    common.say("info", "Back to the automatic alignment.")


@st.cache_data(max_entries=8, show_spinner="Proposing the alignment…")
def _propose(lake: str, mapping_file: str, stamp: tuple[tuple[str, int, int], ...]) -> pl.DataFrame:
    """Cached per lake content and saved mapping (``stamp``): alignment may load an encoder."""
    return mapping.propose(Path(lake), Path(mapping_file))


def _stamp(files: list[Path]) -> tuple[tuple[str, int, int], ...]:
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)


def render() -> None:
    st.header("2 · Align columns")
    s = common.session()
    common.flash()
    files = uploads.lake_files(s.lake)
    if not files:
        st.info("Upload tables first (page **Upload**).")
        return
    try:
        stamp = _stamp(files + ([s.mapping] if s.mapping.is_file() else []))
        proposal = _propose(str(s.lake), str(s.mapping), stamp)
    except TablefuseError as exc:
        st.error(f"The alignment cannot be proposed: {exc}")
        st.button("Reset to the automatic alignment", on_click=_reset)
        return
    saved = s.mapping.is_file()
    st.caption(("Your saved mapping is in use. " if saved else "Proposed automatically. ")
               + "Edit the **attribute** column: columns with the same attribute are merged; an "
                 "empty attribute marks a key column (kept as provenance, not matched on).")
    n_attr = proposal.filter(pl.col("attribute").is_not_null())["attribute"].n_unique()
    st.metric("unified attributes", n_attr)
    doubtful = mapping.flagged(proposal)
    if doubtful.height:
        st.warning(f"{plural(doubtful.height, 'mapping')} below confidence "
                   f"{AlignConfig().review_below:g}: check the rows marked ⚠ review — "
                   + "; ".join(f"{r['source']}.{r['source_column']} → {r['attribute'] or '(key)'} "
                               f"({r['confidence']:.2f})" for r in doubtful.head(8).iter_rows(named=True))
                   + (" …" if doubtful.height > 8 else ""), icon=":material/rule:")
    edited = st.data_editor(
        proposal, key="align_editor", hide_index=True, num_rows="fixed",
        disabled=[c for c in proposal.columns if c != "attribute"],
        column_config={"attribute": st.column_config.TextColumn(
            "attribute", help="The unified attribute this column feeds; empty: a key column"),
            "confidence": st.column_config.NumberColumn(format="%.2f"),
            mapping.REVIEW_COLUMN: st.column_config.TextColumn(
                mapping.REVIEW_COLUMN, help="align is not sure of this mapping")})
    edited_pl = edited if isinstance(edited, pl.DataFrame) else pl.from_pandas(edited)
    created = mapping.new_attributes(proposal, edited_pl)
    confirmed = True
    if created:
        st.warning("This creates " + plural(len(created), "new attribute") + ": "
                   + "; ".join(f"**{name}**" + (f" (did you mean **{near}**?)" if near else "")
                               for name, near in created), icon=":material/warning:")
        confirmed = st.checkbox("Yes, create the new attributes", key="align_confirm_new")
    c1, c2 = st.columns(2)
    if c1.button("Save mapping", type="primary"):
        problems = mapping.save_mapping(edited_pl, s.mapping) if confirmed else [
            "Not saved: confirm the new attributes above, or fix their names."]
        for p in problems:
            st.error(p)
        if not problems:
            common.say("success", f"Saved the mapping ({edited_pl.height} columns); the next run "
                                  "uses it.")
            st.session_state.pop("align_editor", None)
            st.session_state.pop("align_confirm_new", None)
            st.rerun()
    c2.button("Reset to the automatic alignment", on_click=_reset, disabled=not saved)
    db = common.db_path()
    if common.has_store(db):
        st.subheader("Coverage in the last run")
        st.caption("Share of each source's rows with a value in each unified attribute: an empty "
                   "column where you expect values points at a missed mapping.")
        st.vega_lite_chart(common.store_chart(db, "coverage"), width="stretch")
