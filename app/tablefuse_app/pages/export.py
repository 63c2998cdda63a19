"""Page 7: download the golden table or any store table; charts of the run."""
from __future__ import annotations

import streamlit as st

from .. import export as logic
from . import common


@st.cache_data(max_entries=16, show_spinner=False)
def _bytes(path: str, mtime_ns: int, size: int, table: str, fmt: str) -> bytes:
    from pathlib import Path

    return logic.export_bytes(Path(path), table, fmt)  # type: ignore[arg-type]


@st.cache_data(max_entries=8, show_spinner=False)
def _charts(path: str, mtime_ns: int, size: int) -> dict:
    from pathlib import Path

    return logic.run_charts(Path(path))


@st.cache_data(max_entries=8, show_spinner=False)
def _report(path: str, mtime_ns: int, size: int) -> bytes:
    from pathlib import Path

    return logic.report_bytes(Path(path))


def render() -> None:
    st.header("7 · Export")
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
    charts = _charts(str(db), stat.st_mtime_ns, stat.st_size)
    a, b = st.columns(2)
    a.vega_lite_chart(charts["set_sizes"], width="stretch")
    b.vega_lite_chart(charts["scores"], width="stretch")
    st.vega_lite_chart(charts["conflicts"], width="stretch")
    st.download_button("Download the HTML report", data=_report(str(db), stat.st_mtime_ns, stat.st_size),
                       file_name="run.html", mime="text/html", on_click="ignore", key="export_report")
    st.caption("One file that opens offline: summary, stage times, these charts, the largest and the "
               "least certain sets (also `tablefuse report --db STORE`).")
