"""Page 3: the main settings (pipeline defaults preselected), a run with live progress."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from tablefuse.errors import TablefuseError

from .. import background, uploads
from .. import integrate as logic
from ..humanize import duration, plural
from . import common


def _select(label: str, options: list[str], default: str | None, key: str) -> str:
    index = options.index(default) if default in options else 0
    return st.selectbox(label, options, index=index, key=key)


def _form() -> logic.RunChoices | None:
    d, m = logic.defaults(), logic.methods()
    with st.form("run_form"):
        c1, c2 = st.columns(2)
        with c1:
            judge = _select("Judge (pair scoring)", m["judge"], d.judge, "run_judge")
            discover = _select("Set discovery", m["discover"], d.discover, "run_discover")
            block = _select("Blocking", m["block"], d.block, "run_block")
        with c2:
            resolve = _select("Resolver", m["resolve"], d.resolve, "run_resolve")
            endpoint_field = logic.resolve_field(logic.LLM_ENDPOINT_FIELDS)
            endpoint = st.text_input(
                "LLM endpoint (OpenAI-compatible base URL)", value=d.llm_endpoint or "",
                key="run_llm", disabled=endpoint_field is None,
                help=None if endpoint_field else "No resolver of this version uses an LLM.")
            model_field = logic.resolve_field(logic.LLM_MODEL_FIELDS)
            model = st.text_input("LLM model", value=d.llm_model or "", key="run_llm_model",
                                  disabled=model_field is None)
        auto = st.checkbox("Let the judge choose its threshold (no labels needed)",
                           value=d.threshold is None, key="run_auto_threshold")
        threshold = st.slider("Threshold (when not automatic)", 0.0, 1.0,
                              value=d.threshold if d.threshold is not None else 0.5, step=0.01,
                              key="run_threshold")
        skip_bad = st.checkbox("Skip bad files and rows (each is recorded in the store)",
                               value=True, key="run_skip_bad")
        duplicate_free = st.checkbox(
            "No file lists an entity twice (clean tables: each row matches at most one row of each "
            "other file)", value=False, key="run_duplicate_free",
            help="Declares every table duplicate-free (discover.unique_sources = all): a row keeps "
                 "only its best match in each other table, and no set holds two rows of one table.")
        advanced = st.text_area("Advanced options (TOML, one [section] per stage)", value="",
                                key="run_advanced", placeholder='[block]\nmax_block_size = 100')
        if not st.form_submit_button("Run integration", type="primary"):
            return None
    return logic.RunChoices(block=block, judge=judge, threshold=None if auto else threshold,
                            discover=discover, resolve=resolve, llm_endpoint=endpoint or None,
                            llm_model=model or None, skip_bad=skip_bad, duplicate_free=duplicate_free,
                            advanced_toml=advanced)


def _start(choices: logic.RunChoices) -> None:
    """Start the run in the background worker: it goes on when the user leaves the page."""
    s, db = common.session(), common.db_path()
    try:
        config = logic.build_config(choices, s.mapping)
        background.start_run(s.lake, config, db)
    except (TablefuseError, background.RunInProgress) as exc:
        st.error(str(exc))
        return
    st.session_state["run_watching"] = True
    st.rerun()


def _stage_lines(status: background.RunStatus) -> None:
    for line in status.stages:
        took = f" ({duration(line.seconds)})" if line.seconds is not None else ""
        st.write(f"✓ **{line.stage}**: {line.summary}{took}")


def _finished(status: background.RunStatus) -> None:
    """The last run of this store, as its worker left it (read from disk: survives reloads)."""
    label = {"done": "Integration finished", "failed": "Integration failed",
             "stopped": "Integration stopped", "lost": "Integration lost"}[status.state]
    with st.status(label, state="complete" if status.state == "done" else "error", expanded=True):
        _stage_lines(status)
    summary = status.summary
    if status.state == "done" and summary:
        st.success(f"Run {summary['run_id']}: {plural(summary['tuples'], 'tuple')} → "
                   f"{plural(summary['sets'], 'set')}, {plural(summary['conflicts'], 'conflict')} "
                   f"in {duration(summary['seconds'])}.")
        cols = st.columns(5)
        for col, key in zip(cols, ("sources", "tuples", "sets", "multi_tuple_sets", "conflicts"),
                            strict=True):
            col.metric(key.replace("_", " "), summary[key])
        db = Path(status.db)
        if common.has_store(db):
            left, right = st.columns(2)
            left.vega_lite_chart(common.store_chart(db, "blocking"), width="stretch")
            right.vega_lite_chart(common.store_chart(db, "scores"), width="stretch")
    elif status.error:
        st.error(status.error)


def render() -> None:
    st.header("3 · Integrate")
    s = common.session()
    files = uploads.lake_files(s.lake)
    db = common.db_path()
    st.caption(f"{plural(len(files), 'file')} in this session's lake · the run is stored in `{db}`"
               + (" · your saved column mapping is used" if s.mapping.is_file() else ""))
    status = common.run_status()
    choices = _form()
    if choices is not None:
        if not files:
            st.error("Upload tables first (page **Upload**): the lake is empty.")
        else:
            _start(choices)
    common.run_banner(detailed=True)
    if status is not None and not status.active:
        _finished(status)
