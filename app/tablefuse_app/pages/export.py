"""Page 6: download the golden table or any store table; charts of the run."""
from __future__ import annotations

import streamlit as st

from .. import export as logic
from . import common


@st.cache_data(max_entries=16, show_spinner=False)
def _bytes(path: str, mtime_ns: int, size: int, table: str, fmt: str) -> bytes:
    from pathlib import Path

    return logic.export_bytes(Path(path), table, fmt)  # type: ignore[arg-type]


def render() -> None:
    st.header("6 · Export")
    db = common.require_store()
    if db is None:
        return
    tables = logic.exportable_tables(db)
    c1, c2 = st.columns(2)
    table = c1.selectbox("Table", tables, index=tables.index("integrated") if "integrated" in tables
                         else 0, key="export_table",
                         format_func=lambda t: "integrated (golden table)" if t == "integrated" else t)
    fmt = c2.radio("Format", logic.FORMATS, horizontal=True, key="export_format")
    stat = db.stat()
    data = _bytes(str(db), stat.st_mtime_ns, stat.st_size, table, fmt)
    name = logic.file_name(table, fmt)
    st.download_button(f"Download {name}", data=data, file_name=name, mime=logic.MIME[fmt],
                       type="primary", on_click="ignore", key="export_download")
    st.caption("Your decisions (overrides, splits, merges) are applied to the golden table, "
               "membership, conflicts and provenance.")

    st.subheader("The run in charts")
    a, b = st.columns(2)
    a.vega_lite_chart(logic.set_size_chart(common.table(db, "membership")), width="stretch")
    b.vega_lite_chart(logic.score_histogram(common.table(db, "pairs")), width="stretch")
    st.vega_lite_chart(logic.conflicts_chart(common.table(db, "conflicts")), width="stretch")
