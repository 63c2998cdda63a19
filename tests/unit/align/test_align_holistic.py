"""Holistic alignment on small lakes, with a fast deterministic stand-in for the text encoder."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from tablefuse.align import align, alignment_report
from tablefuse.align._keys import detect_keys
from tablefuse.config import AlignConfig
from tablefuse.errors import ConfigError

NAMES = ["Wild Fork Kitchen", "Sunny Lemon Cantina", "Little Lemon Tandoor", "Blue Thistle", "Nonna's Diner",
         "Midnight Kettle", "Copper Rooster", "Hungry Door", "Luigis Smokehouse", "Painted Ember",
         "Church Street Osteria", "Walnut Grill"]
CITIES = ["Denver", "Seattle", "Portland", "Oakland", "Boston", "San Francisco", "Austin", "Chicago",
          "Burlington", "Philadelphia", "Providence", "New York"]
STATES = ["CO", "WA", "ME", "CA", "MA", "CA", "TX", "IL", "VT", "PA", "RI", "NY"]
PHONES = [f"{a}-555-01{i:02d}" for i, a in enumerate([303, 206, 207, 510, 617, 415, 512, 312, 802, 215, 401, 212])]
SITES = [f"www.{n.lower().replace(' ', '').replace(chr(39), '')}.com" for n in NAMES]


def fake_encode(texts: list[str]) -> np.ndarray:
    """Character-trigram hashing vectors, unit length: similar strings get similar vectors."""
    out = np.zeros((len(texts), 128), dtype=np.float32)
    for i, t in enumerate(texts):
        s = f"  {t.lower()} "
        for k in range(len(s) - 2):
            out[i, sum(map(ord, s[k:k + 3])) * 2654435761 % 128] += 1.0
        out[i] /= max(float(np.linalg.norm(out[i])), 1e-9)
    return out


def _attr(a, source: str, column: str) -> str | None:
    row = a.frame.filter((pl.col("source") == source) & (pl.col("source_column") == column))
    assert row.height == 1
    return row["attribute"][0]


@pytest.fixture
def renamed_lake(table, lake):
    n = len(NAMES)
    return lake(
        table("a.csv", {"id": [str(i) for i in range(n)], "name": NAMES, "phone": PHONES, "city": CITIES,
                        "state": STATES, "website": SITES}),
        # renamed headers, upper-case names, digits-only phones, no website column
        table("b.csv", {"biz_name": [x.upper() for x in NAMES[::-1]], "tel": [p.replace("-", "") for p in PHONES[::-1]],
                        "town": CITIES[::-1], "region": STATES[::-1]}),
        # renamed, missing city/state, plus two unrelated columns
        table("c.csv", {"inspection_id": [str(5001 + i) for i in range(n)], "title": NAMES[3:] + NAMES[:3],
                        "contact_phone": PHONES[3:] + PHONES[:3], "url": SITES[3:] + SITES[:3],
                        "inspection_date": [f"2023-0{1 + i % 9}-1{i % 10}" for i in range(n)],
                        "score": [str(70 + 2 * i) for i in range(n)]}),
    )


def test_renamed_and_missing_columns_align_by_values(renamed_lake) -> None:
    a = align(renamed_lake, encoder=fake_encode)
    a.validate()
    groups = {
        "name": [("a.csv", "name"), ("b.csv", "biz_name"), ("c.csv", "title")],
        "phone": [("a.csv", "phone"), ("b.csv", "tel"), ("c.csv", "contact_phone")],
        "city": [("a.csv", "city"), ("b.csv", "town")],
        "state": [("a.csv", "state"), ("b.csv", "region")],
        "website": [("a.csv", "website"), ("c.csv", "url")],
    }
    for attribute, cols in groups.items():
        assert {_attr(a, s, c) for s, c in cols} == {attribute}, attribute
    # unrelated columns stay their own attributes; running ids from 5001 are keys
    assert _attr(a, "c.csv", "inspection_date") == "inspection_date"
    assert _attr(a, "c.csv", "score") == "score"
    assert _attr(a, "c.csv", "inspection_id") is None
    assert set(a.attributes) == {"name", "phone", "city", "state", "website", "inspection_date", "score"}
    assert a.frame.height == 16  # nothing dropped


def test_confidence_review_flag_and_evidence(renamed_lake) -> None:
    a = align(renamed_lake, AlignConfig(review_below=0.99), encoder=fake_encode)
    f = a.frame
    assert {"confidence", "needs_review", "evidence"} <= set(f.columns)
    assert f["confidence"].is_between(0.0, 1.0).all()
    attrs = f.filter(pl.col("role") == "attribute")
    assert attrs["needs_review"].to_list() == (attrs["confidence"] < 0.99).to_list()
    assert not f.filter(pl.col("role") == "key")["needs_review"].any()
    assert f.filter(pl.col("source_column") == "tel")["evidence"][0].startswith("with ")
    low = align(renamed_lake, AlignConfig(review_below=0.0), encoder=fake_encode)
    assert not low.frame["needs_review"].any()


def test_alignment_report_puts_flagged_rows_first(renamed_lake) -> None:
    a = align(renamed_lake, AlignConfig(review_below=0.8), encoder=fake_encode)
    report = alignment_report(a)
    assert report.height == a.frame.height
    flags = report["needs_review"].to_list()
    assert flags == sorted(flags, reverse=True)
    assert report.filter(pl.col("attribute") == "name")["columns_in_attribute"].to_list() == [3, 3, 3]
    # on a stored frame without the new columns, the flag is recomputed from the confidence
    stored = a.frame.drop("needs_review", "evidence")
    again = alignment_report(stored, review_below=0.8)
    assert again["needs_review"].sum() == report["needs_review"].sum()
    assert alignment_report(a, only_review=True)["needs_review"].all()


def test_a_mapping_file_overrides_value_evidence(tmp_path: Path, renamed_lake) -> None:
    path = tmp_path / "m.yaml"
    path.write_text('"b.csv":\n  tel: fax\n"c.csv":\n  score: rating\n', encoding="utf-8")
    a = align(renamed_lake, AlignConfig(mapping_file=str(path)), encoder=fake_encode)
    row = a.frame.filter(pl.col("source_column") == "tel").row(0, named=True)
    assert (row["attribute"], row["method"], row["confidence"], row["needs_review"]) == ("fax", "mapping", 1.0, False)
    # unmapped columns may still join a mapped attribute by their evidence, never the reverse
    assert _attr(a, "a.csv", "phone") == _attr(a, "c.csv", "contact_phone")
    assert _attr(a, "c.csv", "score") == "rating"
    a.validate()


def test_same_table_columns_never_share_an_attribute(table, lake) -> None:
    # two phone-like columns in one table, one phone column in another
    n = len(PHONES)
    lk = lake(table("a.csv", {"phone": PHONES, "fax": [p.replace("-01", "-02") for p in PHONES]}),
              table("b.csv", {"telephone": PHONES[::-1], "mobile": [p.replace("-01", "-09") for p in PHONES]}))
    a = align(lk, encoder=fake_encode)
    a.validate()
    per_source = a.frame.group_by("source", "attribute").len()
    assert per_source["len"].max() == 1
    assert _attr(a, "a.csv", "phone") == _attr(a, "b.csv", "telephone")
    assert a.frame.height == 4 and n == 12


def test_tiny_tables_never_load_the_encoder(table, lake) -> None:
    def refuse(texts: list[str]) -> np.ndarray:
        raise AssertionError("the encoder should not be needed")

    a = align(lake(table("a.csv", {"name": ["x", "y"]}), table("b.csv", {"title": ["z", "w"]})), encoder=refuse)
    assert a.attributes == ("name",)


def test_header_method_is_v1_and_bad_options_are_errors(renamed_lake) -> None:
    a = align(renamed_lake, AlignConfig(method="header"))
    assert _attr(a, "b.csv", "tel") == "phone"  # a synonym
    assert _attr(a, "b.csv", "region") == "region"  # no value evidence in v1
    with pytest.raises(ConfigError):
        align(renamed_lake, AlignConfig(method="magic"))
    with pytest.raises(ConfigError):
        align(renamed_lake, AlignConfig(review_below=2.0))


def test_id_like_running_integers_anywhere_are_keys() -> None:
    frame = pl.DataFrame({"inspection_id": [str(5001 + i) for i in range(10)],
                          "listingId": [str(300 + i) for i in range(10)],
                          "zip": [str(35233 + i) for i in range(10)]})
    assert detect_keys(frame) == ["inspection_id", "listingId"]
