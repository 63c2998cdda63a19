"""Session plumbing shared by the pages: settings, the session folder, the store, cached reads."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import streamlit as st

from tablefuse import store
from tablefuse.errors import TablefuseError
from tablefuse.pipeline import EvidenceModel, read_table

from ..background import RunStatus, read_status
from ..settings import AppSettings, Session
from ..workspace import Workspaces


def settings() -> AppSettings:
    """Read once per session (``tablefuse ui`` passes its options through the environment)."""
    if "settings" not in st.session_state:
        st.session_state["settings"] = AppSettings.from_env()
    return st.session_state["settings"]


def workspaces() -> Workspaces:
    return Workspaces(settings().workdir)


def session() -> Session:
    """This browser session's workspace: the one the URL names (``?ws=``), else the last one
    used, else a new one; its name goes back in the URL so a reload or a link reopens it (tests
    may preset ``workdir``)."""
    if "workdir" not in st.session_state:
        chosen = workspaces().open_or_create(st.query_params.get("ws"))
        st.session_state["workdir"] = str(chosen.root)
    s = Session(Path(st.session_state["workdir"]))
    s.lake.mkdir(parents=True, exist_ok=True)
    if st.query_params.get("ws") != s.root.name:
        st.query_params["ws"] = s.root.name
    return s


def switch_workspace(name: str | None) -> None:
    """Open workspace ``name`` (None: a new, empty one) in this browser session."""
    ws = workspaces()
    chosen = ws.get(name) if name else ws.create()
    if chosen is None:
        say("error", f"There is no workspace {name!r}.")
        return
    ws.remember(chosen)
    for key in ("workdir", "db_path", "upload_names"):
        st.session_state.pop(key, None)
    st.query_params.pop("db", None)
    st.session_state["workdir"] = str(chosen.root)
    st.query_params["ws"] = chosen.root.name


def open_store(path: Path) -> None:
    """Read and write ``path`` from now on; the URL names it (``?db=``), so a link reopens it."""
    st.session_state["db_path"] = str(path)
    st.query_params["db"] = str(path)


def db_path() -> Path:
    """The store this session reads and writes: an opened one (also from the URL's ``?db=``,
    when that file exists), ``--db``, or the workspace's own."""
    if not st.session_state.get("db_path"):
        asked = st.query_params.get("db")
        if asked and Path(asked).is_file():
            st.session_state["db_path"] = asked
    if st.session_state.get("db_path"):
        return Path(st.session_state["db_path"])
    return settings().db or session().default_db


def run_status() -> RunStatus | None:
    """The background run of this session's store (in progress or the last one), if any."""
    return read_status(db_path())


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


def _stop() -> None:
    from ..background import stop_run

    if stop_run(db_path()):
        say("info", "Stopping the run: the store keeps the previous run.")


@st.fragment(run_every=1.0)
def _live_run(detailed: bool) -> None:
    """Redrawn every second while the worker runs; a full rerun once it ends, so every page
    reads the new store."""
    status = run_status()
    if status is None or not status.active:
        st.rerun(scope="app")
        return
    from ..humanize import duration

    if detailed:
        with st.status("Integrating…", state="running", expanded=True):
            for line in status.stages:
                took = f" ({duration(line.seconds)})" if line.seconds is not None else ""
                st.write(f"✓ **{line.stage}**: {line.summary}{took}")
            st.progress(min(max(status.fraction, 0.0), 1.0), text=status.text or "starting")
    else:
        st.progress(min(max(status.fraction, 0.0), 1.0),
                    text=f"A run is in progress ({duration(status.elapsed())}): {status.text}")
        st.caption("It goes on in the background; the **Integrate** page shows its stages. "
                   "This page shows the store's previous run until it ends.")
    st.button("Stop the run", on_click=_stop, key="stop_run", icon=":material/stop_circle:")


def run_banner(detailed: bool = False) -> None:
    """On every page: the store's run in progress, live (the worker outlives page switches and
    reloads, so this reattaches to it)."""
    status = run_status()
    if status is not None and status.active:
        _live_run(detailed)


@st.cache_resource(max_entries=4, show_spinner="Fitting the evidence model…")
def _evidence(path: str, mtime_ns: int, size: int) -> EvidenceModel:
    return EvidenceModel.from_store(path)


def pair_evidence_view(db: Path, tid_a: int, tid_b: int) -> None:
    """Two tuples side by side with each attribute's evidence, and the evidence waterfall."""
    ev = _evidence(*_stamp(db)).explain(tid_a, tid_b)
    judged = ("not a candidate pair" if ev.judge_score is None else
              f"judge score {ev.judge_score:.3f}" + (f" (cut {ev.threshold:.3f})" if ev.threshold is not None else ""))
    where = {True: " · in one set now", False: " · in different sets now", None: ""}[ev.same_set]
    st.markdown(f"**Tuple {tid_a}** vs **tuple {tid_b}** · {judged} · Fellegi–Sunter "
                f"P(match) {ev.probability:.3f}{where}")
    shown = ev.frame.with_columns(pl.col("level").fill_null("no evidence"),
                                  pl.col("weight").round(2).alias("weight (bits)")).drop("weight", "m", "u")
    st.dataframe(shown, hide_index=True, width="stretch",
                 column_config={"weight (bits)": st.column_config.NumberColumn(format="%+.2f")})
    st.vega_lite_chart(ev.chart(), width="stretch")
    st.caption("The prior is the lake's estimated share of matching pairs (λ); each attribute adds "
               "its evidence in bits (log2 m/u): an exact match on a rare value weighs more than on "
               "a common one, a null or junk value weighs nothing.")


@st.cache_data(max_entries=16, show_spinner=False)
def _chart(path: str, mtime_ns: int, size: int, name: str) -> dict:
    from tablefuse import report

    if name == "scores":
        return report.score_histogram(report.read_facts(path))
    return {"coverage": report.coverage, "blocking": report.candidates_per_blocker}[name](path)


def store_chart(db: Path, name: str) -> dict:
    """A chart of the stored run built by the library (``coverage`` | ``blocking`` |
    ``scores``), cached until the store changes."""
    return _chart(*_stamp(db), name)
