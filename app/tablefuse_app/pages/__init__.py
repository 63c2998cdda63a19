"""The app's pages: thin Streamlit drawing around ``tablefuse_app``'s logic modules."""
from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from tablefuse.errors import TablefuseError

from ..humanize import plural
from . import align, common, conflicts, explore, export, integrate, upload

PAGES: dict[str, Callable[[], None]] = {
    "Upload": upload.render, "Align": align.render, "Integrate": integrate.render,
    "Explore": explore.render, "Conflicts": conflicts.render, "Export": export.render,
}


def _sidebar() -> str:
    st.sidebar.title("tablefuse")
    return str(st.sidebar.radio("Page", list(PAGES), key="page"))


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
    summary = st.sidebar.container()
    try:
        PAGES[page]()
    finally:
        with summary:
            _store_summary()
