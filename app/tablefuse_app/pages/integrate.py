"""Page 3: the main settings (pipeline defaults preselected), a run with live progress."""
from __future__ import annotations

import time

import streamlit as st

import tablefuse
from tablefuse.errors import TablefuseError

from .. import integrate as logic
from .. import uploads
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


def _run(choices: logic.RunChoices) -> None:
    s, db = common.session(), common.db_path()
    try:
        config = logic.build_config(choices, s.mapping)
    except TablefuseError as exc:
        st.error(str(exc))
        return
    bar = st.progress(0.0, text="starting")
    status = st.status("Integrating…", expanded=True)
    shown = [0.0]  # when the bar was last redrawn: a stage may advance thousands of times

    def on_event(ev: logic.StageEvent) -> None:
        if ev.summary is None:
            now = time.monotonic()
            if ev.step is None or now - shown[0] >= 0.25 or (ev.steps and ev.step >= ev.steps):
                shown[0] = now
                bar.progress(ev.fraction, text=ev.text())
            return
        bar.progress(ev.fraction, text=ev.text())
        took = f" ({duration(ev.seconds)})" if ev.seconds is not None else ""
        status.write(f"✓ **{ev.stage}**: {ev.summary}{took}")

    try:
        result = tablefuse.integrate(s.lake, config, db_path=db,
                                     progress=logic.CallbackProgress(on_event))
    except TablefuseError as exc:
        status.update(label="Integration failed", state="error")
        st.error(str(exc))
        return
    bar.progress(1.0, text="done")
    status.update(label="Integration finished", state="complete", expanded=True)
    st.session_state["last_run"] = result.summary()


def render() -> None:
    st.header("3 · Integrate")
    s = common.session()
    files = uploads.lake_files(s.lake)
    db = common.db_path()
    st.caption(f"{plural(len(files), 'file')} in this session's lake · the run is stored in `{db}`"
               + (" · your saved column mapping is used" if s.mapping.is_file() else ""))
    choices = _form()
    if choices is not None:
        if not files:
            st.error("Upload tables first (page **Upload**): the lake is empty.")
        else:
            _run(choices)
    summary = st.session_state.get("last_run")
    if summary:
        st.success(f"Run {summary['run_id']}: {plural(summary['tuples'], 'tuple')} → "
                   f"{plural(summary['sets'], 'set')}, {plural(summary['conflicts'], 'conflict')} "
                   f"in {duration(summary['seconds'])}.")
        cols = st.columns(5)
        for col, key in zip(cols, ("sources", "tuples", "sets", "multi_tuple_sets", "conflicts"),
                            strict=True):
            col.metric(key.replace("_", " "), summary[key])
