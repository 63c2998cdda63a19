"""Page 1: upload tables (or open a store) and preview what ingest makes of each file."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from tablefuse import store
from tablefuse.config import IngestConfig
from tablefuse.errors import TablefuseError

from .. import uploads
from . import common


def _lake_changed() -> None:
    """A saved mapping may name files that are gone: start the mapping afresh."""
    common.session().mapping.unlink(missing_ok=True)


@st.cache_data(max_entries=256, show_spinner=False)
def _preview(path: str, lake: str, mtime_ns: int, size: int) -> uploads.FilePreview:
    return uploads.preview_file(Path(path), Path(lake))


def _save_new_uploads(files: list, lake: Path, max_bytes: int) -> None:
    saved: dict[str, str] = st.session_state.setdefault("saved_uploads", {})
    for f in files:
        if f.file_id in saved:
            continue
        try:
            path = uploads.save_upload(lake, f.name, f.getvalue(), max_bytes)
            saved[f.file_id] = f"saved as {path.name}"
            _lake_changed()
        except uploads.UploadRejected as exc:
            saved[f.file_id] = f"error: {exc}"
    for f in files:
        note = saved.get(f.file_id, "")
        if note.startswith("error: "):
            st.error(note.removeprefix("error: "))


def _use_example() -> None:
    example = common.settings().example_lake
    if example is not None:
        n = uploads.copy_example(example, common.session().lake)
        _lake_changed()
        common.say("success", f"Copied {n} files of the example lake.")


def _clear() -> None:
    lake = common.session().lake
    for p in uploads.lake_files(lake):
        p.unlink()
    _lake_changed()
    common.say("info", "Removed every uploaded file.")


def _open_db() -> None:
    path = Path(st.session_state.get("open_db_path", "").strip()).expanduser()
    try:
        summary = store.info(path)
    except TablefuseError as exc:
        common.say("error", f"Cannot open {path}: {exc}")
        return
    st.session_state["db_path"] = str(path)
    common.say("success", f"Opened {path}: {summary['sets']} sets, {summary['conflicts']} conflicts.")


def render() -> None:
    st.header("1 · Upload tables")
    cfg = common.settings()
    s = common.session()
    common.flash()
    exts = [e.lstrip(".") for e in IngestConfig().extensions]
    files = st.file_uploader(
        "Add tables: CSV, TSV or any delimiter, Parquet, JSON, NDJSON "
        f"(up to {cfg.max_upload_mb:g} MB each)",
        type=exts, accept_multiple_files=True, key="uploader")
    _save_new_uploads(list(files or []), s.lake, cfg.max_upload_bytes)

    left, right = st.columns(2)
    if cfg.example_lake is not None:
        left.button("Use the bundled example lake", on_click=_use_example)
    right.button("Remove all files", on_click=_clear)

    previews = [_preview(str(p), str(s.lake), p.stat().st_mtime_ns, p.stat().st_size)
                for p in uploads.lake_files(s.lake)]
    if not previews:
        st.info("No tables yet. Upload files above, or open an existing database below.")
    else:
        ok = sum(p.ok for p in previews)
        st.subheader(f"{len(previews)} files · {ok} readable · {len(previews) - ok} with errors")
    for p in previews:
        if not p.ok:
            st.error(f"**{p.source}** cannot be used: {p.error}", icon=":material/error:")
            continue
        title = (f"{p.source} — {p.format}, delimiter {p.delimiter_label}, "
                 f"encoding {p.encoding or 'n/a'}, {p.rows} rows, {p.columns.height} columns")
        with st.expander(title, icon=":material/check_circle:"):
            for issue in p.issues:
                st.warning(issue)
            c1, c2 = st.columns([1, 2])
            c1.caption("Detected types and null counts")
            c1.dataframe(p.columns, hide_index=True)
            c2.caption("First rows")
            c2.dataframe(p.head, hide_index=True)

    st.divider()
    st.subheader("…or open an existing tablefuse database")
    st.text_input("Path to a .duckdb store on this machine", key="open_db_path",
                  placeholder="/path/to/tablefuse.duckdb")
    st.button("Open database", on_click=_open_db)
