import polars as pl
import pytest

from tablefuse.align import align
from tablefuse.align._match import similarity
from tablefuse.config import AlignConfig
from tablefuse.errors import AlignmentError, ConfigError


def _attr(alignment, source: str, column: str) -> str | None:
    row = alignment.frame.filter((pl.col("source") == source) & (pl.col("source_column") == column))
    assert row.height == 1
    return row["attribute"][0]


def _method(alignment, source: str, column: str) -> str:
    row = alignment.frame.filter((pl.col("source") == source) & (pl.col("source_column") == column))
    return row["method"][0]


def test_exact_match_on_normalised_headers(table, lake) -> None:
    a = align(lake(table("a.csv", {"Phone Number": ["1"], "Name": ["x"]}),
                   table("b.csv", {"name": ["y"], "phoneNumber": ["2"]})))
    assert a.attributes == ("phone_number", "name")
    assert _attr(a, "b.csv", "phoneNumber") == "phone_number"
    assert _method(a, "b.csv", "phoneNumber") == "exact"
    assert _method(a, "a.csv", "Name") == "new"
    a.validate()


@pytest.mark.parametrize(("left", "right"), [
    ("name", "title"),
    ("phone", "telephone"),
    ("phone_number", "tel"),
    ("zip", "postal_code"),
    ("zip_code", "Postcode"),
    ("address", "street"),
    ("addr", "Address"),
    ("surname", "last_name"),
    ("first_name", "givenName"),
    ("e-mail", "email"),
    ("year", "yr"),
    ("authors", "author"),
    ("venue", "journal"),
    ("price", "cost"),
    ("address", "adress"),  # a typo: plain fuzzy similarity
    ("description", "descriptions"),
])
def test_synonyms_and_fuzzy_headers_meet(table, lake, left: str, right: str) -> None:
    a = align(lake(table("a.csv", {left: ["1"]}), table("b.csv", {right: ["2"]})))
    assert len(a.attributes) == 1
    assert _attr(a, "b.csv", right) == _attr(a, "a.csv", left)
    assert _method(a, "b.csv", right) in ("fuzzy", "exact")
    conf = a.frame["confidence"].to_list()
    assert conf and all(0.85 <= c <= 1.0 for c in conf)


@pytest.mark.parametrize(("left", "right"), [
    ("name", "first_name"),
    ("first_name", "last_name"),
    ("address_1", "address_2"),
    ("phone", "city"),
    ("min_price", "max_price"),
])
def test_different_headers_stay_apart(table, lake, left: str, right: str) -> None:
    a = align(lake(table("a.csv", {left: ["1"]}), table("b.csv", {right: ["2"]})))
    assert len(a.attributes) == 2
    assert _method(a, "b.csv", right) == "new"


def test_threshold_controls_fuzzy_matching(table, lake) -> None:
    tables = lake(table("a.csv", {"address": ["1"]}), table("b.csv", {"adress": ["2"]}))
    assert len(align(tables, AlignConfig(fuzzy_threshold=0.85)).attributes) == 1
    assert len(align(tables, AlignConfig(fuzzy_threshold=1.0)).attributes) == 2
    with pytest.raises(ConfigError):
        align(tables, AlignConfig(fuzzy_threshold=1.5))


def test_two_columns_of_one_source_never_share_an_attribute(table, lake) -> None:
    a = align(lake(table("a.csv", {"phone": ["1"]}),
                   table("b.csv", {"telephone": ["2"], "phone": ["3"], "Phone ": ["4"]})))
    assert _attr(a, "b.csv", "phone") == "phone"  # the exact match wins over the synonym
    assert _method(a, "b.csv", "phone") == "exact"
    assert _attr(a, "b.csv", "telephone") == "telephone"
    assert _attr(a, "b.csv", "Phone ") == "phone_2"
    assert a.attributes == ("phone", "telephone", "phone_2")
    a.validate()


def test_same_source_duplicates_within_the_first_table(table, lake) -> None:
    a = align(lake(table("a.csv", {"Name": ["1"], "name": ["2"]})))
    assert a.attributes == ("name", "name_2")


def test_nothing_is_dropped_and_order_is_deterministic(table, lake) -> None:
    tables = lake(table("a.csv", {"x": ["1"], "name": ["n"]}),
                  table("b.csv", {"z": ["2"], "name": ["m"], "y": ["3"]}),
                  table("c.csv", {"y": ["4"], "w": ["5"]}))
    a = align(tables)
    assert a.frame.height == 7
    assert a.attributes == ("x", "name", "z", "y", "w")
    assert a.frame.equals(align(tables).frame)


def test_surrogate_keys_are_never_matching_evidence(table, lake) -> None:
    a = align(lake(table("a.csv", {"id": ["0", "1", "2"], "name": ["a", "b", "c"]}),
                   table("b.csv", {"id": ["x1", "x2", "x3"], "name": ["d", "e", "f"]})))
    keys = a.frame.filter(pl.col("role") == "key")
    assert keys["source_column"].to_list() == ["id", "id"]
    assert keys["attribute"].null_count() == 2
    assert a.attributes == ("name",)
    off = align(lake(table("a.csv", {"id": ["0", "1", "2"]})), AlignConfig(detect_surrogate_keys=False))
    assert off.attributes == ("id",)


def test_tuple_metadata_names_are_kept_clear(table, lake) -> None:
    a = align(lake(table("a.csv", {"source": ["web"], "Source Row": ["7"]})))
    assert a.attributes == ("source_attr", "source_row_attr")


def test_duplicate_source_names_are_an_error(table, lake) -> None:
    with pytest.raises(AlignmentError, match="more than once"):
        align(lake(table("a.csv", {"x": ["1"]}), table("a.csv", {"x": ["2"]})))


def test_empty_lake(lake) -> None:
    a = align(lake())
    assert a.attributes == () and a.frame.height == 0
    a.validate()


def test_similarity_scores_lie_in_unit_interval() -> None:
    assert similarity("name", "name") == (1.0, "exact")
    assert similarity("", "") == (0.0, "fuzzy")
    score, _ = similarity("phone", "telephone")
    assert 0.9 <= score < 1.0
