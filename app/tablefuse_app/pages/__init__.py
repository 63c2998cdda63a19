"""The app's pages: thin Streamlit drawing around ``tablefuse_app``'s logic modules."""
from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from tablefuse.errors import TablefuseError

from . import align, common, conflicts, explore, export, integrate, upload

PAGES: dict[str, Callable[[], None]] = {
    "Upload": upload.render, "Align": align.render, "Integrate": integrate.render,
    "Explore": explore.render, "Conflicts": conflicts.render, "Export": export.render,
}


def _sidebar() -> str:
    st.sidebar.title("tablefuse")
    page = st.sidebar.radio("Page", list(PAGES), key="page")
    db = common.db_path()
    st.sidebar.caption(f"Store: `{db}`")
    if common.has_store(db):
        try:
            from tablefuse import store

            info = store.info(db)
            st.sidebar.caption(f"Run {info['run_id']} · {info['sets']} sets · "
                               f"{info['conflicts']} conflicts")
        except TablefuseError as exc:
            st.sidebar.warning(str(exc))
    return page


def main() -> None:
    """Draw the sidebar and the chosen page."""
    page = _sidebar()
    PAGES[page]()
