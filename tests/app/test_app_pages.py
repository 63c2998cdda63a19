"""Each page through ``streamlit.testing.v1.AppTest``: widgets wired to the logic and the store."""
from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("streamlit", reason="pip install -e '.[app]'")

from streamlit.testing.v1 import AppTest  # noqa: E402

from tablefuse import store  # noqa: E402
from tablefuse.config import TablefuseConfig  # noqa: E402
from tablefuse_app import background  # noqa: E402
from tablefuse_app.settings import AppSettings  # noqa: E402

APP = Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py"


def _app(session: Path, page: str = "Upload", db: Path | None = None,
         max_upload_mb: float = 5.0) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["settings"] = AppSettings(max_upload_mb=max_upload_mb,
                                               workdir=session.parent, example_lake=None)
    at.session_state["workdir"] = str(session)
    at.session_state["page"] = page
    if db is not None:
        at.session_state["db_path"] = str(db)
    return at.run()


def _button(at: AppTest, label: str):  # noqa: ANN202 - an AppTest Button
    return next(b for b in at.button if b.label == label)


def _texts(elements: object) -> list[str]:
    return [str(e.value) for e in elements]  # type: ignore[attr-defined]


def test_upload_saves_safely_previews_and_reports_bad_files(tmp_path: Path) -> None:
    session = tmp_path / "s"
    at = _app(session, max_upload_mb=0.001)  # ~1 KB
    assert not at.exception
    at.file_uploader(key="uploader").set_value([
        ("../../escape.csv", b"name;city\nBlue Door;Springfield\nRed;\n", "text/csv"),
        ("broken.json", b"{not json", "application/json"),
        ("huge.csv", b"a,b\n" + b"1,2\n" * 400, "text/csv"),
    ]).run()
    assert not at.exception
    assert sorted(p.name for p in (session / "lake").iterdir()) == ["broken.json", "escape.csv"]
    assert not (tmp_path / "escape.csv").exists()
    errors = " ".join(_texts(at.error))
    assert "over the upload limit" in errors and "broken.json" in errors
    labels = [e.label for e in at.expander]
    assert len(labels) == 1 and "escape.csv" in labels[0] and "semicolon (;)" in labels[0]
    assert "2 files · 1 readable · 1 with errors" in _texts(at.subheader)[0]
    nulls = dict(zip(at.dataframe[0].value["column"], at.dataframe[0].value["nulls"], strict=True))
    assert nulls == {"name": 0, "city": 1}
    _button(at, "Remove all files").click().run()
    assert list((session / "lake").iterdir()) == []


def test_upload_opens_an_existing_store(tmp_path: Path, run_db: Path) -> None:
    at = _app(tmp_path / "s")
    at.text_input(key="open_db_path").set_value(str(tmp_path / "missing.duckdb"))
    _button(at, "Open database").click().run()
    assert "Cannot open" in " ".join(_texts(at.error))
    at.text_input(key="open_db_path").set_value(str(run_db))
    _button(at, "Open database").click().run()
    assert at.session_state["db_path"] == str(run_db)
    assert "Opened" in " ".join(_texts(at.success))


def test_align_shows_the_proposal_and_saves_it(session_dir: Path) -> None:
    at = _app(session_dir, "Align")
    assert not at.exception
    editor = at.data_editor(key="align_editor") if hasattr(at, "data_editor") else None
    table = editor.value if editor is not None else at.dataframe[0].value
    assert set(table["source"]) == {"a.csv", "b.csv"} and "attribute" in table.columns
    _button(at, "Save mapping").click().run()
    assert not at.exception
    assert (session_dir / "mapping.csv").is_file()
    assert "Saved the mapping" in " ".join(_texts(at.success))
    assert "saved mapping is in use" in " ".join(_texts(at.caption))


def test_align_without_files_says_what_to_do(tmp_path: Path) -> None:
    at = _app(tmp_path / "s", "Align")
    assert "Upload tables first" in " ".join(_texts(at.info))


def test_integrate_shows_pipeline_defaults_and_runs_into_the_store(session_dir: Path) -> None:
    at = _app(session_dir, "Integrate")
    assert not at.exception
    defaults = TablefuseConfig()
    assert at.selectbox(key="run_judge").value == defaults.judge.method
    assert at.selectbox(key="run_discover").value == defaults.discover.method
    assert at.selectbox(key="run_resolve").value == defaults.resolve.method
    at.selectbox(key="run_judge").set_value("similarity")
    at.text_area(key="run_advanced").set_value("[block\n")
    at.button[0].click().run()
    assert "not valid TOML" in " ".join(_texts(at.error))
    at.text_area(key="run_advanced").set_value("[judge]\nseed = 1\n")
    assert at.checkbox(key="run_duplicate_free").value is False
    at.checkbox(key="run_duplicate_free").check()
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert not at.error, _texts(at.error)
    db = session_dir / "tablefuse.duckdb"
    status = background.wait_for(db, timeout=180)  # the worker process runs it: the script run has ended
    assert status.state == "done", (status.state, status.error)
    at.run()
    info = store.info(db)
    assert status.summary is not None and status.summary["run_id"] == info["run_id"]
    config = json.loads(store.read_table(db, "runs")["config"][0])
    assert config["judge"]["seed"] == 1 and config["discover"]["unique_sources"] == "all"
    assert any("Run " in t and "sets" in t for t in _texts(at.success))
    assert [s.label for s in at.status] == ["Integration finished"]


def test_integrate_with_an_empty_lake_refuses(tmp_path: Path) -> None:
    at = _app(tmp_path / "s", "Integrate")
    at.button[0].click().run()
    assert "lake is empty" in " ".join(_texts(at.error))


def test_explore_lists_sets_searches_and_splits(tmp_path: Path, db_copy: Path) -> None:
    at = _app(tmp_path / "s", "Explore", db_copy)
    assert not at.exception
    overview = at.dataframe[0].value
    assert overview["size"].sum() == store.read_table(db_copy, "tuples").height
    assert len(at.get("vega_lite_chart")) == 2  # the tuple graph and the largest set's weakest pair's waterfall
    at.radio(key="explore_sort").set_value("uncertainty").run()
    assert not at.exception
    at.text_input(key="explore_search").set_value("blue door").run()
    hits = at.dataframe[0].value
    assert len(hits) >= 1 and all("Blue Door" in n for n in hits["name"])
    sizes = store.read_table(db_copy, "membership").group_by("set_id").len()
    multi = int(sizes.filter(pl.col("len") > 1)["set_id"][0])
    next(b for b in at.selectbox if b.label == "Set").set_value(multi).run()
    tids = sorted(store.read_table(db_copy, "membership").filter(pl.col("set_id") == multi)["tid"])
    side = next(d.value for d in at.dataframe if any(str(c).startswith("tid ") for c in d.value.columns))
    assert [c for c in side.columns] == [f"tid {t}" for t in tids]
    at.multiselect(key="split_tids").set_value(tids[:1])
    _button(at, "Split them off").click().run()
    assert not at.exception
    assert "Split 1 tuple out" in " ".join(_texts(at.success))
    assert store.list_decisions(db_copy)["kind"].to_list() == ["split"]


def test_conflicts_override_accept_and_undo(tmp_path: Path, db_copy: Path) -> None:
    at = _app(tmp_path / "s", "Conflicts", db_copy)
    assert not at.exception
    conflicts = store.read_table(db_copy, "conflicts")
    if conflicts.height == 0:
        pytest.skip("this pipeline version found no conflict in the tiny lake")
    set_id, attribute = at.selectbox(key="conf_pick").value
    at.radio(key="conf_choice").set_value("✎ type another value")
    at.text_input(key="conf_typed").set_value("Typed In The App")
    _button(at, "Save override").click().run()
    assert not at.exception
    assert "is now 'Typed In The App'" in " ".join(_texts(at.success))
    golden = store.read_table(db_copy, "integrated")
    assert golden.filter(pl.col("set_id") == set_id)[attribute][0] == "Typed In The App"
    assert "Decisions (1)" in _texts(at.subheader)
    assert "Typed In The App" in at.dataframe[0].value["chosen"].to_list()
    _button(at, "Accept the chosen value").click().run()
    assert store.list_decisions(db_copy)["kind"].to_list() == ["override", "accept"]
    first = store.list_decisions(db_copy)["decision_id"][0]
    at.selectbox(key="undo_pick").set_value(first)
    _button(at, "Undo it").click().run()
    assert store.list_decisions(db_copy)["kind"].to_list() == ["accept"]


def test_conflicts_typed_value_required(tmp_path: Path, db_copy: Path) -> None:
    at = _app(tmp_path / "s", "Conflicts", db_copy)
    if store.read_table(db_copy, "conflicts").height == 0:
        pytest.skip("this pipeline version found no conflict in the tiny lake")
    at.radio(key="conf_choice").set_value("✎ type another value")
    _button(at, "Save override").click().run()
    assert "Type a value first" in " ".join(_texts(at.error))
    assert store.list_decisions(db_copy).height == 0


def test_export_offers_the_user_tables_and_draws_charts(tmp_path: Path, db_copy: Path) -> None:
    at = _app(tmp_path / "s", "Export", db_copy)
    assert not at.exception
    assert at.selectbox(key="export_table").value == "integrated"
    options = at.selectbox(key="export_table").options
    assert options[0] == "integrated (golden table)" and "pairs" in options
    assert not {"embedding_cache", "decisions", "runs"} & set(options)  # internal tables
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download golden.csv", "Download the HTML report"]
    assert len(at.get("vega_lite_chart")) == 3
    at.selectbox(key="export_table").set_value("pairs")
    at.radio(key="export_format").set_value("parquet").run()
    assert not at.exception


def test_pages_without_a_store_say_what_to_do(tmp_path: Path) -> None:
    for page in ("Explore", "Conflicts", "Export"):
        at = _app(tmp_path / page, page)
        assert not at.exception
        assert "No integration yet" in " ".join(_texts(at.info))


def test_pairs_page_shows_the_least_certain_pair_with_its_evidence_and_labels_it(
        tmp_path: Path, db_copy: Path) -> None:
    from tablefuse.pipeline import read_table, review_queue

    at = _app(tmp_path / "s", "Pairs", db=db_copy)
    assert not at.exception, at.exception
    first = review_queue(db_copy, limit=200).row(0, named=True)
    shown = " ".join(str(m.value) for m in at.markdown)
    assert f"**Tuple {first['tid_a']}** vs **tuple {first['tid_b']}**" in shown, shown
    assert at.dataframe and len(at.get("vega_lite_chart")) == 1  # the evidence table and waterfall
    before = read_table(db_copy, "membership")
    _button(at, "No match").click().run()
    assert not at.exception, at.exception
    labels = store.pair_labels(db_copy)
    assert labels.select("label", "tid_a", "tid_b").rows() == [("no_match", first["tid_a"], first["tid_b"])]
    after = read_table(db_copy, "membership")
    set_of = dict(after.select("tid", "set_id").iter_rows())
    assert set_of[first["tid_a"]] != set_of[first["tid_b"]]  # a cannot-link applies at once
    was = dict(before.select("tid", "set_id").iter_rows())
    assert (was[first["tid_a"]] == was[first["tid_b"]]) == first["same_set"]
    nxt = review_queue(db_copy, limit=200).row(0, named=True)
    assert (nxt["tid_a"], nxt["tid_b"]) != (first["tid_a"], first["tid_b"])  # labelled: off the queue
    assert "1 label: 0 match, 1 no match, 0 unsure" in " ".join(_texts(at.caption))
    _button(at, "Remove it").click().run()
    assert store.pair_labels(db_copy).height == 0
