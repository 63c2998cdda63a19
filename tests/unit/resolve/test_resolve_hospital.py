"""Vote on the real hospital data (sets = clean ProviderNumber): every golden cell is right."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tablefuse.frames import Membership, TupleTable
from tablefuse.metrics import cell_accuracy
from tablefuse.resolve import VoteResolver

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "hospital"
ATTRS = ("HospitalName", "Address1", "City", "State", "ZipCode", "PhoneNumber")


@pytest.mark.shared_data
def test_vote_on_hospital_oracle_sets() -> None:
    if not (DATA / "hospital.csv").is_file() or not (DATA / "hospital_clean.csv").is_file():
        pytest.skip(f"hospital data not found under {DATA}")
    dirty = pl.read_csv(DATA / "hospital.csv", infer_schema=False).with_row_index("tid")
    clean = pl.read_csv(DATA / "hospital_clean.csv", infer_schema=False).with_columns(
        pl.col("tid").cast(pl.Int64))
    entity = clean.filter(pl.col("attribute") == "ProviderNumber").select(
        "tid", pl.col("correct_val").alias("entity"))
    frame = dirty.with_columns(pl.col("tid").cast(pl.Int64)).join(entity, on="tid").sort("tid")
    tuples = TupleTable(frame.select(
        "tid", pl.lit("hospital.csv").alias("source"), pl.col("tid").alias("source_row"),
        pl.lit(None, dtype=pl.Utf8).alias("source_key"), *ATTRS), ATTRS)
    membership = Membership(frame.select(
        "tid", pl.col("entity").rank("dense").cast(pl.Int64).alias("set_id")))
    res = VoteResolver().resolve(tuples, membership)
    values = (clean.filter(pl.col("attribute").is_in(ATTRS)).join(entity, on="tid")
              .select("entity", "attribute", pl.col("correct_val").alias("value")).unique())
    acc = cell_accuracy(res.golden, membership.frame, entity, values)
    assert res.conflicts.height > 50  # the typos are there ...
    assert acc["accuracy"] == 1.0  # ... and every one is voted away
