"""The app's pages: thin Streamlit drawing around ``tablefuse_app``'s logic modules."""
from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from tablefuse.errors import TablefuseError

from ..humanize import plural
from . import align, common, conflicts, explore, export, integrate, pairs, upload

PAGES: dict[str, Callable[[], None]] = {
    "Upload": upload.render, "Align": align.render, "Integrate": integrate.render,
    "Explore": explore.render, "Pairs": pairs.render, "Conflicts": conflicts.render, "Export": export.render,
}


def _sidebar() -> str:
    """The page picker; the page is kept in the URL (``?page=``), so a reload stays on it."""
    st.sidebar.title("tablefuse")
    if "page" not in st.session_state and st.query_params.get("page") in PAGES:
        st.session_state["page"] = st.query_params["page"]
    page = str(st.sidebar.radio("Page", list(PAGES), key="page"))
    if st.query_params.get("page") != page:
        st.query_params["page"] = page
    return page


def _store_summary() -> None:
    """The store and its latest run's counts, drawn after the page: a run or a decision made on
    the page shows at once. Counted on the decided tables (``tablefuse.pipeline.read_table``), so
    a split, merge or override is reflected, not the stored run's raw numbers."""
    db = common.db_path()
    st.caption(f"Store: `{db}`")
    if not common.has_store(db):
        return
    try:
        from tablefuse import store

        info = store.info(db)
        sets = common.table(db, "membership")["set_id"].n_unique()
        conflicts = common.table(db, "conflicts").height
        st.caption(f"Run {info['run_id']} · {plural(sets, 'set')} · "
                           f"{plural(conflicts, 'conflict')}")
    except TablefuseError as exc:
        st.warning(str(exc))


def main() -> None:
    """Draw the sidebar, the chosen page, then the store summary under the page picker."""
    page = _sidebar()
    common.session()  # the workspace (and its name in the URL) before any page draws
    summary = st.sidebar.container()
    try:
        if page != "Integrate":  # Integrate draws it under its form, with the stages
            common.run_banner()
        PAGES[page]()
    finally:
        with summary:
            _store_summary()
