"""The bundled example lake aligns without a mapping file (real encoder: one model load)."""
from pathlib import Path

import polars as pl
import pytest

from tablefuse.align import align
from tablefuse.ingest import read_lake

ROOT = Path(__file__).resolve().parents[3]

# truth attribute -> (source, column) of every source that carries it (examples/truth/README.md)
EXPECTED = {
    "name": [("city_open_data/restaurants.csv", "name"), ("guide_export.tsv", "Restaurant Name"),
             ("health/inspections.csv", "biz_name"), ("yelpish.psv", "http://example.org/onto#name"),
             ("directory.parquet", "business_name"), ("listings.ndjson", "title")],
    "address": [("city_open_data/restaurants.csv", "address"), ("guide_export.tsv", "Street Address"),
                ("health/inspections.csv", "addr"), ("yelpish.psv", "http://example.org/onto#address"),
                ("directory.parquet", "address_line"), ("listings.ndjson", "street")],
    "city": [("city_open_data/restaurants.csv", "city"), ("guide_export.tsv", "City"),
             ("health/inspections.csv", "town"), ("yelpish.psv", "http://example.org/onto#city"),
             ("directory.parquet", "city"), ("listings.ndjson", "city")],
    "state": [("city_open_data/restaurants.csv", "state"), ("guide_export.tsv", "State"),
              ("health/inspections.csv", "st"), ("directory.parquet", "state_code"),
              ("listings.ndjson", "region")],
    "zip": [("city_open_data/restaurants.csv", "zip"), ("guide_export.tsv", "ZipCode"),
            ("health/inspections.csv", "postal_code"), ("yelpish.psv", "http://example.org/onto#zip"),
            ("directory.parquet", "zip"), ("listings.ndjson", "postcode")],
    "phone": [("city_open_data/restaurants.csv", "phone"), ("guide_export.tsv", "Telephone"),
              ("health/inspections.csv", "tel"), ("yelpish.psv", "http://example.org/onto#phone"),
              ("directory.parquet", "phone_number"), ("listings.ndjson", "contact_phone")],
    "cuisine": [("city_open_data/restaurants.csv", "cuisine"), ("guide_export.tsv", "Cuisine Type"),
                ("yelpish.psv", "http://example.org/onto#cuisine"), ("directory.parquet", "category"),
                ("listings.ndjson", "category")],
    "website": [("guide_export.tsv", "Website"), ("yelpish.psv", "http://example.org/onto#website"),
                ("listings.ndjson", "url")],
    "year_opened": [("guide_export.tsv", "Year Opened"), ("directory.parquet", "year_opened")],
}


@pytest.fixture(scope="module")
def alignment():
    return align(read_lake(ROOT / "examples" / "lake"))


@pytest.mark.parametrize("attribute", sorted(EXPECTED))
def test_truth_attributes_collect_their_columns(alignment, attribute: str) -> None:
    f = alignment.frame.filter(pl.col("attribute") == attribute)
    assert sorted(f.select("source", "source_column").rows()) == sorted(EXPECTED[attribute])


def test_keys_and_unrelated_columns(alignment) -> None:
    f = alignment.frame
    keys = f.filter(pl.col("role") == "key").select("source", "source_column").rows()
    assert sorted(keys) == [("city_open_data/restaurants.csv", "id"), ("health/inspections.csv", "inspection_id"),
                            ("listings.ndjson", "listing_id")]
    for col in ("inspection_date", "score"):
        assert f.filter(pl.col("source_column") == col)["attribute"].to_list() == [col]
    assert set(alignment.attributes) == set(EXPECTED) | {"inspection_date", "score"}
    alignment.validate()
