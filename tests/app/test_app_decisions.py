"""The ``decisions`` table: overrides and hand-made splits/merges win on read and in exports."""
from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import tablefuse
from tablefuse import store
from tablefuse.config import TablefuseConfig
from tablefuse.errors import StoreError
from tablefuse.pipeline import read_table, run_resolver


def _multi_set(db: Path) -> tuple[int, list[int]]:
    m = store.read_table(db, "membership")
    sizes = m.group_by("set_id").len().filter(pl.col("len") > 1).sort("set_id")
    assert sizes.height, "the tiny lake should give at least one set of several tuples"
    sid = int(sizes["set_id"][0])
    return sid, sorted(m.filter(pl.col("set_id") == sid)["tid"].to_list())


def _cell(db: Path, set_id: int, attribute: str, raw: bool = False) -> str | None:
    g = store.read_table(db, "integrated", raw=raw)
    return g.filter(pl.col("set_id") == set_id)[attribute][0]


def test_override_wins_in_golden_conflicts_provenance_and_exports(db_copy: Path, tmp_path: Path) -> None:
    sid, _ = _multi_set(db_copy)
    before = _cell(db_copy, sid, "city")
    did = store.record_override(db_copy, sid, "city", "Typed Town", note="test")
    assert _cell(db_copy, sid, "city") == "Typed Town"
    assert _cell(db_copy, sid, "city", raw=True) == before  # the pipeline's output is kept
    conflicts = store.read_table(db_copy, "conflicts")
    hit = conflicts.filter((pl.col("set_id") == sid) & (pl.col("attribute") == "city"))
    if hit.height:  # the cell was a conflict: its story now says who chose
        assert hit["chosen"][0] == "Typed Town" and hit["method"][0] == "override"
        assert did in hit["reason"][0]
    prov = store.read_table(db_copy, "provenance").filter(
        (pl.col("set_id") == sid) & (pl.col("attribute") == "city"))
    assert prov["value"].to_list() == ["Typed Town"] and prov["tids"][0].to_list() == []
    csv_out, pq_out = tmp_path / "g.csv", tmp_path / "g.parquet"
    n = store.export_table(db_copy, "integrated", "csv", csv_out)
    store.export_table(db_copy, "integrated", "parquet", pq_out)
    for frame in (pl.read_csv(csv_out, infer_schema_length=0), pl.read_parquet(pq_out)):
        assert frame.height == n
        assert frame.filter(pl.col("set_id").cast(pl.Int64) == sid)["city"][0] == "Typed Town"
    decisions = store.list_decisions(db_copy)
    assert decisions.select("kind", "status").rows() == [("override", "applied")]
    assert json.loads(decisions["members"][0])  # tuples named by (source, source_row)


def test_override_picking_a_candidate_points_provenance_at_its_tuples(db_copy: Path) -> None:
    sid, tids = _multi_set(db_copy)
    tuples = store.read_table(db_copy, "tuples").filter(pl.col("tid").is_in(tids))
    value = tuples.filter(pl.col("name").is_not_null())["name"][0]
    store.record_override(db_copy, sid, "name", value)
    prov = store.read_table(db_copy, "provenance").filter(
        (pl.col("set_id") == sid) & (pl.col("attribute") == "name"))
    expected = sorted(tuples.filter(pl.col("name") == value)["tid"].to_list())
    assert prov["tids"][0].to_list() == expected


def test_accept_keeps_the_chosen_value_and_undo_forgets(db_copy: Path) -> None:
    sid, _ = _multi_set(db_copy)
    chosen = _cell(db_copy, sid, "name")
    did = store.record_accept(db_copy, sid, "name")
    assert _cell(db_copy, sid, "name") == chosen
    assert store.list_decisions(db_copy)["value"].to_list() == [chosen]
    over = store.record_override(db_copy, sid, "name", "Another Name")
    assert store.list_decisions(db_copy)["status"].to_list() == [f"superseded by decision {over}",
                                                                 "applied"]
    assert store.delete_decision(db_copy, over) and not store.delete_decision(db_copy, over)
    assert _cell(db_copy, sid, "name") == chosen
    assert store.list_decisions(db_copy)["decision_id"].to_list() == [did]


def test_split_then_merge_back(db_copy: Path) -> None:
    sid, tids = _multi_set(db_copy)
    n_sets = store.read_table(db_copy, "integrated").height
    store.record_split(db_copy, tids[-1:])
    m = store.read_table(db_copy, "membership")
    assert m["tid"].n_unique() == m.height == store.read_table(db_copy, "tuples").height
    new = int(m.filter(pl.col("tid") == tids[-1])["set_id"][0])
    assert new != sid
    with pytest.raises(StoreError, match="needs the run's resolver"):  # never a second, different story
        store.read_table(db_copy, "integrated")
    golden = read_table(db_copy, "integrated")
    assert golden.height == n_sets + 1 and golden["set_id"].n_unique() == golden.height
    # re-resolved by the run's own resolver: the new set's golden record is its one tuple
    t = store.read_table(db_copy, "tuples").filter(pl.col("tid") == tids[-1])
    assert golden.filter(pl.col("set_id") == new)["name"][0] == t["name"][0].strip()
    store.record_merge(db_copy, [sid, new])
    m2 = store.read_table(db_copy, "membership")
    assert sorted(m2.filter(pl.col("set_id") == sid)["tid"].to_list()) == tids
    assert read_table(db_copy, "integrated").height == n_sets
    edited = read_table(db_copy, "conflicts").filter(pl.col("set_id") == sid)
    assert edited["reason"].str.starts_with("set changed by hand; ").all()


def test_an_edited_set_gets_the_runs_own_story(db_copy: Path) -> None:
    """A split set is re-resolved by the run's resolver over the decided sets: its golden record
    and conflicts are exactly what that resolver says for the new membership (equivalent values
    grouped as in the run), only the reasons say the set was edited."""
    from tablefuse.frames import TUPLE_META, Membership, TupleTable

    sid, tids = _multi_set(db_copy)
    store.record_split(db_copy, tids[-1:])
    membership = store.read_table(db_copy, "membership")
    tuples = store.read_table(db_copy, "tuples").sort("tid")
    expected = run_resolver(db_copy).resolve(
        TupleTable(tuples, tuple(c for c in tuples.columns if c not in TUPLE_META)), Membership(membership))
    changed = membership.filter(pl.col("tid").is_in(tids))["set_id"].unique().to_list()
    assert len(changed) == 2
    golden = read_table(db_copy, "integrated").filter(pl.col("set_id").is_in(changed)).sort("set_id")
    want = expected.golden.filter(pl.col("set_id").is_in(changed)).sort("set_id")
    assert golden.height == 2
    assert golden.select(want.columns).to_dicts() == want.to_dicts()
    conflicts = read_table(db_copy, "conflicts").filter(pl.col("set_id").is_in(changed))
    want_c = expected.conflicts.filter(pl.col("set_id").is_in(changed))
    assert conflicts["method"].to_list() == want_c["method"].to_list()
    assert "vote_by_hand" not in conflicts["method"].to_list()


def test_a_later_split_makes_an_earlier_override_stale(db_copy: Path) -> None:
    sid, tids = _multi_set(db_copy)
    store.record_override(db_copy, sid, "city", "Before Split")
    split = store.record_split(db_copy, tids[:1])
    statuses = store.list_decisions(db_copy)["status"].to_list()
    assert statuses == [f"stale: the set was changed by hand later (decision {split})", "applied"]
    assert "Before Split" not in read_table(db_copy, "integrated")["city"].to_list()


def test_bad_decisions_are_refused(db_copy: Path) -> None:
    sid, tids = _multi_set(db_copy)
    with pytest.raises(StoreError, match="does not exist"):
        store.record_override(db_copy, 10_000, "city", "x")
    with pytest.raises(StoreError, match="not a column"):
        store.record_override(db_copy, sid, "no_such_attribute", "x")
    with pytest.raises(StoreError, match="some, but not all"):
        store.record_split(db_copy, tids)
    with pytest.raises(StoreError, match="two or more"):
        store.record_merge(db_copy, [sid])
    assert "decisions" not in store.list_tables(db_copy) or store.list_decisions(db_copy).height == 0


def test_decisions_survive_a_rerun_of_the_same_lake(db_copy: Path, tiny_lake: Path,
                                                    fast_config: TablefuseConfig) -> None:
    sid, _ = _multi_set(db_copy)
    store.record_override(db_copy, sid, "phone", "000-0000")
    tablefuse.integrate(tiny_lake, fast_config, db_path=db_copy)
    assert store.list_decisions(db_copy)["status"].to_list() == ["applied"]
    assert "000-0000" in store.read_table(db_copy, "integrated")["phone"].to_list()


def test_a_decision_on_tuples_gone_from_the_lake_is_stale(db_copy: Path, tmp_path: Path,
                                                         fast_config: TablefuseConfig) -> None:
    sid, _ = _multi_set(db_copy)
    store.record_override(db_copy, sid, "phone", "000-0000")
    other = tmp_path / "other"
    other.mkdir()
    (other / "c.csv").write_text("name,phone,city\nSolo Diner,555-9999,Nowhere\n", encoding="utf-8")
    tablefuse.integrate(other, fast_config, db_path=db_copy)
    assert store.list_decisions(db_copy)["status"][0].startswith("stale")
    assert "000-0000" not in store.read_table(db_copy, "integrated")["phone"].to_list()


def test_cli_export_applies_decisions(db_copy: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tablefuse.cli import app

    sid, _ = _multi_set(db_copy)
    store.record_override(db_copy, sid, "city", "From The App")
    out = tmp_path / "golden.csv"
    res = CliRunner().invoke(app, ["export", "--db", str(db_copy), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "From The App" in out.read_text()
