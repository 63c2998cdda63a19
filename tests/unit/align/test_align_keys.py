import polars as pl
import pytest

from tablefuse.align._keys import detect_keys


def _frame(**cols: list[str | None]) -> pl.DataFrame:
    return pl.DataFrame({k: pl.Series(k, v, dtype=pl.Utf8) for k, v in cols.items()})


@pytest.mark.parametrize("values", [
    ["0", "1", "2", "3", "4"],
    ["1", "2", "3", "4", "5"],
    ["3", "0", "4", "1", "2"],  # shuffled row counter
    ["0", "1", "2", "4", "5", "6", "7", "8", "9", "10"],  # one gap in ten
])
def test_running_integers_are_keys_whatever_the_header(values: list[str]) -> None:
    assert detect_keys(_frame(n=values)) == ["n"]


@pytest.mark.parametrize("header", ["id", "ID", "_id", "rowid", "index", "key", "Unnamed: 0", "Entity Id"])
def test_id_headers_with_unique_values_are_keys(header: str) -> None:
    assert detect_keys(_frame(**{header: ["acm_123", "acm_7", "dblp_9"]})) == [header]


@pytest.mark.parametrize(("header", "values"), [
    ("phone", ["404-231-1368", "212-677-0606", "404-231-1368"]),
    ("phone", ["4042311368", "2126770606", "3105551234"]),  # unique but not running
    ("zip", ["35233", "35234", "35235"]),  # contiguous but does not start at 0/1
    ("year", ["1999", "2000", "2001", "2002"]),
    ("price", ["1", "2", "3", "2"]),
    ("price", ["0.5", "1.5", "2.5"]),
    ("id", ["1", "2", "2"]),  # repeats: not a key even when named id
    ("id", ["1", None, "3"]),  # nulls: not a key
    ("code", ["00", "01", "02"]),  # leading zeros: codes, not counters
    ("n", ["0", "1"]),  # too few rows to tell from values alone
    ("rank", ["1", "5", "9", "20"]),  # too sparse to be a row counter
])
def test_natural_attributes_are_not_keys(header: str, values: list[str | None]) -> None:
    assert detect_keys(_frame(**{header: values})) == []


def test_several_keys_and_empty_frames() -> None:
    frame = _frame(**{"Unnamed: 0": ["0", "1", "2"], "id": ["a", "b", "c"], "name": ["x", "y", "z"]})
    assert detect_keys(frame) == ["Unnamed: 0", "id"]
    assert detect_keys(_frame(id=[])) == []
