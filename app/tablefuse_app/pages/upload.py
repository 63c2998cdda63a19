"""Page 1: upload tables (or open a store) and preview what ingest makes of each file."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from tablefuse import store
from tablefuse.config import IngestConfig
from tablefuse.errors import TablefuseError

from .. import uploads
from ..humanize import plural
from ..settings import Session
from . import common


def _lake_changed() -> None:
    """A saved mapping may name files that are gone: start the mapping afresh."""
    common.session().mapping.unlink(missing_ok=True)


@st.cache_data(max_entries=256, show_spinner=False)
def _preview(path: str, lake: str, mtime_ns: int, size: int) -> uploads.FilePreview:
    return uploads.preview_file(Path(path), Path(lake))


def _uploader_key() -> str:
    """The uploader's key; a new one empties its list (``uploader`` first, as tests know it)."""
    n = int(st.session_state.get("uploader_round", 0))
    return "uploader" if n == 0 else f"uploader_{n}"


def _empty_uploader() -> None:
    st.session_state.pop(_uploader_key(), None)
    st.session_state["uploader_round"] = int(st.session_state.get("uploader_round", 0)) + 1


def _originals() -> dict[str, str]:
    """Saved lake name → the name the file was uploaded under."""
    return st.session_state.setdefault("upload_names", {})


def _save_new_uploads(files: list, lake: Path, max_bytes: int) -> None:
    """Store the uploader's files in the lake, then empty the uploader.

    The lake is the one list of files (each with its own remove button), so the uploader never
    shows a file the lake no longer has. Content already in the lake is not stored twice.
    """
    if not files:
        return
    originals = _originals()
    for f in files:
        try:
            saved = uploads.store_upload(lake, f.name, f.getvalue(), max_bytes)
        except uploads.UploadRejected as exc:
            common.say("error", str(exc))
            continue
        if saved.duplicate:
            common.say("info", saved.message())
            continue
        originals[saved.path.relative_to(lake).as_posix()] = f.name
        note = "" if not saved.renamed or uploads.sanitise_filename(f.name) == saved.path.name else (
            " (a different file already has that name)")
        common.say("success", saved.message() + note)
        _lake_changed()
    _empty_uploader()
    st.rerun()


def _use_example() -> None:
    example = common.settings().example_lake
    if example is not None:
        n = uploads.copy_example(example, common.session().lake)
        total = len(uploads.lake_files(example))
        _lake_changed()
        common.say("success", f"Copied {plural(n, 'file')} of the example lake"
                   + (f" ({total - n} already in the lake)." if n < total else "."))


def _clear() -> None:
    lake = common.session().lake
    for p in uploads.lake_files(lake):
        p.unlink()
    _originals().clear()
    _empty_uploader()
    _lake_changed()
    common.say("info", "Removed every uploaded file.")


def _remove(source: str) -> None:
    if uploads.remove_file(common.session().lake, source):
        _originals().pop(source, None)
        _lake_changed()
        common.say("info", f"Removed {source} from the lake.")
    else:
        common.say("error", f"{source} is not in the lake.")


def _open_db() -> None:
    path = Path(st.session_state.get("open_db_path", "").strip()).expanduser()
    if not path.is_file():
        common.say("error", f"Cannot open {path}: there is no such file. Create a store with "
                            "`tablefuse integrate LAKE --db FILE`, or run **Integrate** here.")
        return
    try:
        summary = store.info(path)
    except TablefuseError as exc:
        common.say("error", f"Cannot open {path}: {exc}")
        return
    common.open_store(path)
    common.say("success", f"Opened {path}: {plural(summary['sets'], 'set')}, "
                          f"{plural(summary['conflicts'], 'conflict')}.")


def render() -> None:
    st.header("1 · Upload tables")
    cfg = common.settings()
    s = common.session()
    common.flash()
    exts = [e.lstrip(".") for e in IngestConfig().extensions]
    files = st.file_uploader(
        "Add tables: CSV, TSV or any delimiter, Parquet, JSON, NDJSON "
        f"(up to {cfg.max_upload_mb:g} MB each)",
        type=exts, accept_multiple_files=True, key=_uploader_key())
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
        st.subheader(f"{plural(len(previews), 'file')} · {ok} readable · {len(previews) - ok} "
                     "with errors")
    originals = _originals()
    for p in previews:
        row, remove = st.columns([12, 2], vertical_alignment="center")
        remove.button(f"Remove {p.source}", key=f"remove::{p.source}", on_click=_remove,
                      args=(p.source,), icon=":material/delete:")
        shown = p.source
        if originals.get(p.source, p.source) != p.source:
            shown = f"{originals[p.source]} → {p.source}"
        if not p.ok:
            row.error(f"**{shown}** cannot be used: {p.error}", icon=":material/error:")
            continue
        title = (f"{shown} — {p.format}, delimiter {p.delimiter_label}, "
                 f"encoding {p.encoding or 'n/a'}, {plural(p.rows, 'row')}, "
                 f"{plural(p.columns.height, 'column')}")
        with row.expander(title, icon=":material/check_circle:"):
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
    _workspaces(s)


def _workspaces(current: Session) -> None:
    """Every workspace (lake + store) kept under the app's folder; reopen one, or start afresh."""
    st.divider()
    st.subheader("Workspaces")
    st.caption("Each workspace keeps its uploaded lake, column mapping and store; the last one "
               "used opens by default, and the page's link reopens this one.")
    entries = common.workspaces().entries()
    for entry in entries:
        row, action = st.columns([12, 2], vertical_alignment="center")
        mine = entry.name == current.root.name
        row.markdown(("**" + entry.label() + "** (open)") if mine else entry.label())
        if entry.sources:
            row.caption(", ".join(entry.sources[:12]) + (" …" if len(entry.sources) > 12 else ""))
        if not mine:
            action.button(f"Open {entry.name}", key=f"ws::{entry.name}",
                          on_click=common.switch_workspace, args=(entry.name,))
    st.button("New empty workspace", on_click=common.switch_workspace, args=(None,),
              icon=":material/add:")
