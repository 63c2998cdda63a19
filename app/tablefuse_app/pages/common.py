"""Session plumbing shared by the pages: settings, the session folder, the store, cached reads."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import streamlit as st

from tablefuse import store
from tablefuse.errors import TablefuseError
from tablefuse.pipeline import read_table

from ..settings import AppSettings, Session


def settings() -> AppSettings:
    """Read once per session (``tablefuse ui`` passes its options through the environment)."""
    if "settings" not in st.session_state:
        st.session_state["settings"] = AppSettings.from_env()
    return st.session_state["settings"]


def session() -> Session:
    """This browser session's private folder (tests may preset ``workdir``)."""
    if "workdir" not in st.session_state:
        st.session_state["workdir"] = str(Session.create(settings().workdir).root)
    s = Session(Path(st.session_state["workdir"]))
    s.lake.mkdir(parents=True, exist_ok=True)
    return s


def db_path() -> Path:
    """The store this session reads and writes: an opened one, ``--db``, or the session's own."""
    if st.session_state.get("db_path"):
        return Path(st.session_state["db_path"])
    return settings().db or session().default_db


def has_store(db: Path) -> bool:
    try:
        return "runs" in store.list_tables(db)
    except TablefuseError:
        return False


def require_store() -> Path | None:
    """The store path when it holds a run; otherwise say what to do and return None."""
    db = db_path()
    if not has_store(db):
        st.info("No integration yet: upload tables and run **Integrate** (or open a database "
                "on the **Upload** page).")
        return None
    return db


def _stamp(db: Path) -> tuple[str, int, int]:
    stat = db.stat()
    return str(db), stat.st_mtime_ns, stat.st_size


@st.cache_data(max_entries=64, show_spinner=False)
def _read(path: str, mtime_ns: int, size: int, name: str) -> pl.DataFrame:
    return read_table(path, name)


def table(db: Path, name: str) -> pl.DataFrame:
    """A store table (decisions applied), cached until the file changes."""
    return _read(*_stamp(db), name)


def flash() -> None:
    """Show (once) the messages callbacks left for this rerun."""
    for kind, text in st.session_state.pop("flash", []):
        {"success": st.success, "error": st.error, "info": st.info}[kind](text)


def say(kind: str, text: str) -> None:
    """Queue a message from a callback for the next draw."""
    st.session_state.setdefault("flash", []).append((kind, text))
