"""Page 2: the proposed column mapping as an editable table; saved as a mapping file."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import streamlit as st

from tablefuse.errors import TablefuseError

from .. import mapping, uploads
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
    edited = st.data_editor(
        proposal, key="align_editor", hide_index=True, num_rows="fixed",
        disabled=[c for c in proposal.columns if c != "attribute"],
        column_config={"attribute": st.column_config.TextColumn(
            "attribute", help="The unified attribute this column feeds; empty: a key column")})
    edited_pl = edited if isinstance(edited, pl.DataFrame) else pl.from_pandas(edited)
    c1, c2 = st.columns(2)
    if c1.button("Save mapping", type="primary"):
        problems = mapping.save_mapping(edited_pl, s.mapping)
        for p in problems:
            st.error(p)
        if not problems:
            common.say("success", f"Saved the mapping ({edited_pl.height} columns); the next run "
                                  "uses it.")
            st.session_state.pop("align_editor", None)
            st.rerun()
    c2.button("Reset to the automatic alignment", on_click=_reset, disabled=not saved)
