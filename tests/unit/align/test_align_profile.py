import numpy as np
import polars as pl
import pytest

from tablefuse.align._profile import profile_column, sketch_overlap


def _profile(values: list[str | None], header: str = "c"):
    return profile_column("s.csv", header, 0, pl.Series(header, values, dtype=pl.Utf8))


@pytest.mark.parametrize(("values", "kind"), [
    (["415-555-0123", "(212) 555-0199", "+1 303 555 0145", "206.555.0140"], "phone"),
    (["4155550123", "2125550199", "3035550145", "2065550140"], "phone"),
    (["2023-11-24", "2023-02-27", "2024-01-05"], "date"),
    (["https://a.com/", "www.b.org", "http://c.net/x"], "url"),
    (["a@b.com", "x.y@z.org"], "email"),
    (["94103", "02139", "10022-1234"], "zip"),
    (["1999", "2004", "1987"], "year"),
    (["90", "87", "100", "75.5"], "numeric"),
    (["ELPLP12", "EZXS88W", "PSLX350H"], "id"),
    (["CA", "NY", "WA", "CA"], "categorical"),
    (["Thai"] * 6 + ["Pizza"] * 6, "categorical"),
    (["a long product description with many words", "another rather long text about a thing"], "free_text"),
    (["Wild Fork Kitchen", "Sunny Lemon", "Luigis"], "text"),
    ([None, "", "  "], "empty"),
])
def test_kind_of_column(values: list[str | None], kind: str) -> None:
    assert _profile(values).kind == kind


def test_profile_counts_and_sample_are_deterministic() -> None:
    p = _profile(["A b", "a-b", "c", None, "", "c"])
    assert p.n_values == 4  # nulls and blanks ignored
    assert p.n_distinct == 2  # "A b" and "a-b" normalise to "ab"
    q = _profile(["c", "a-b", "A b", "c"])
    assert sorted(p.sample) == sorted(q.sample[:len(p.sample)]) or set(p.sample) <= {"A b", "a-b", "c"}
    assert _profile(["x", "y", "z"]).sample == _profile(["z", "y", "x"]).sample  # not row order


def test_sample_is_capped() -> None:
    p = profile_column("s", "c", 0, pl.Series("c", [str(i) for i in range(1000)]), sample_size=50)
    assert len(p.sample) == 50 and p.n_distinct == 1000


def test_header_tokens_are_canonical() -> None:
    assert _profile(["1"], "Telephone").tokens == ("phone",)
    assert _profile(["1"], "http://x.org/onto#restaurantName").tokens == ("restaurant", "name")


def test_sketch_overlap_is_exact_for_small_sets_and_uses_containment() -> None:
    small = _profile(["ca", "ny", "wa"])
    big = _profile(["CA", "NY", "WA", "OR", "TX", "FL"])  # normalised: lower case
    other = _profile(["x1", "x2", "x3"])
    jac, cont = sketch_overlap(small.sketch, big.sketch, small.n_distinct, big.n_distinct)
    assert jac == pytest.approx(0.5) and cont == pytest.approx(1.0)
    assert sketch_overlap(small.sketch, other.sketch, 3, 3) == (0.0, 0.0)
    assert sketch_overlap(np.zeros(0, dtype=np.uint64), big.sketch, 0, 6) == (0.0, 0.0)


def test_sketch_estimates_large_overlaps() -> None:
    a = profile_column("a", "c", 0, pl.Series("c", [f"v{i}" for i in range(5000)]))
    b = profile_column("b", "c", 0, pl.Series("c", [f"v{i}" for i in range(2500, 7500)]))
    jac, cont = sketch_overlap(a.sketch, b.sketch, a.n_distinct, b.n_distinct)
    assert len(a.sketch) == 256
    assert jac == pytest.approx(1 / 3, abs=0.08) and cont == pytest.approx(0.5, abs=0.1)
