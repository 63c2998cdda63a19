"""Why two tuples match: the Fellegi–Sunter waterfall of a stored run (issue 19)."""
from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest

import tablefuse
from tablefuse.config import TablefuseConfig
from tablefuse.errors import StoreError
from tablefuse.pipeline import EvidenceModel

ROWS_A = ["name,city,phone"] + [f"Cafe {i},Springfield,555-01{i:02d}" for i in range(30)] + [
    "Blue Door,Ogdenville,555-9999"]
ROWS_B = ["name,city,phone"] + [f"Cafe {i},Springfield,555-01{i:02d}" for i in range(30)] + [
    "Blue Door,Ogdenville,"]


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lake = tmp_path_factory.mktemp("lake")
    (lake / "a.csv").write_text("\n".join(ROWS_A) + "\n", encoding="utf-8")
    (lake / "b.csv").write_text("\n".join(ROWS_B) + "\n", encoding="utf-8")
    db = lake.parent / "ev.duckdb"
    tablefuse.integrate(lake, TablefuseConfig().with_overrides(judge={"method": "similarity"}), db_path=db)
    return db


def _tid(db: Path, source: str, name: str) -> int:
    t = tablefuse.store.read_table(db, "tuples")
    return int(t.filter((pl.col("source") == source) & (pl.col("name") == name))["tid"][0])


def test_the_waterfall_sums_to_the_posterior_and_rare_agreement_weighs_more(stored: Path) -> None:
    model = EvidenceModel.from_store(stored)
    same = model.explain(_tid(stored, "a.csv", "Cafe 3"), _tid(stored, "b.csv", "Cafe 3"))
    assert same.frame.columns == ["attribute", "value_a", "value_b", "level", "weight", "m", "u"]
    assert same.frame["level"].to_list() == ["exact", "exact", "exact"]
    # the bars add up to the posterior the model states
    assert math.isclose(1 / (1 + 2 ** -same.total_weight), same.probability, rel_tol=1e-6)
    steps = same.steps()
    assert steps[0]["kind"] == "prior" and steps[-1]["kind"] == "total"
    assert math.isclose(steps[-1]["end"], same.total_weight) and same.probability > 0.9
    assert same.judge_score is not None and same.same_set is True
    city = dict(zip(same.frame["attribute"], same.frame["weight"], strict=True))
    rare = model.explain(_tid(stored, "a.csv", "Blue Door"), _tid(stored, "b.csv", "Blue Door"))
    rare_w = dict(zip(rare.frame["attribute"], rare.frame["weight"], strict=True))
    # "Springfield" is shared by 60 tuples, "Ogdenville" by 2: agreeing on it says much more
    assert rare_w["city"] > city["city"] + 1.0
    assert rare.frame.filter(pl.col("attribute") == "phone")["level"][0] is None  # a null: no evidence
    assert rare_w["phone"] == 0.0

    other = model.explain(_tid(stored, "a.csv", "Cafe 3"), _tid(stored, "b.csv", "Cafe 17"))
    assert other.total_weight < 0 and other.probability < 0.5 and other.same_set is False
    against = other.frame.filter(pl.col("weight") < 0)["attribute"].to_list()
    assert "phone" in against and other.steps()[-1]["end"] < 0
    chart = other.chart()
    assert chart["mark"]["type"] == "bar" and chart["encoding"]["x2"]["field"] == "end"
    assert [s["step"] for s in chart["data"]["values"]][0] == "prior (λ)"


def test_an_unknown_tuple_is_a_clear_error(stored: Path) -> None:
    with pytest.raises(StoreError, match="cannot explain pair"):
        EvidenceModel.from_store(stored).explain(0, 10 ** 6)
