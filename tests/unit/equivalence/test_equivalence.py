"""Semantic equivalence: canonical keys, equivalence, variants and the raw groups."""
from __future__ import annotations

import pytest

from tablefuse.equivalence import EQUIVALENCE_GROUPS, are_equivalent, canonical, fold, variants


@pytest.mark.parametrize("a, b", [
    ("United States of America", "USA"), ("U.S.", "United States"), ("us", "U.S.A."),
    ("Germany", "DEU"), ("de", "Delaware"), ("United Kingdom", "UK"), ("Côte d'Ivoire", "CIV"),
    ("California", "CA"), ("District of Columbia", "Washington D.C."),
    ("123 North Main Street", "123 N. Main St."), ("5th Avenue", "5th ave"),
    ("Sunset Boulevard", "Sunset Blvd"), ("Acme Incorporated", "ACME Inc."),
    ("Foo Limited Liability Company", "Foo L.L.C."), ("Saint Louis", "St. Louis"),
    ("Mount Everest", "Mt Everest"), ("Int'l Conf. on Data", "International Conference on Data"),
    ("Proceedings of the VLDB", "Proc. of the VLDB"), ("Bill Smith", "William Smith"),
    ("Liz Taylor", "Elizabeth Taylor"), ("Tom & Jerry", "Tom and Jerry"),
    ("1,000", "1000"), ("1000.0", "1000"), ("1.50", "1.5"),
    ("2020-01-05", "January 5, 2020"), ("5 Jan 2020", "2020/1/5"), ("13/01/2020", "2020-01-13"),
    ("(205) 325-8100", "205.325.8100"), ("Café  Zürich", "cafe zurich"),
])
def test_equivalent_pairs(a: str, b: str) -> None:
    assert are_equivalent(a, b), (canonical(a), canonical(b))


@pytest.mark.parametrize("a, b", [
    ("CA", "Canada"), ("IN", "India"), ("Boston", "Bostn"), ("02134", "2134"), ("-5", "5"),
    ("01/05/2020", "05/01/2020"), ("1.5", "15"), ("Main St", "Main Ave"), ("it", "Italy"),
    ("3.14159265", "314159265"),
])
def test_not_equivalent_pairs(a: str, b: str) -> None:
    assert not are_equivalent(a, b)


def test_canonical_examples() -> None:
    assert canonical("123 North Main Street") == "123 n main st"
    assert canonical("  ACME   Incorporated ") == "acme inc"
    assert canonical("Jan 5th, 2020") == "2020-01-05"
    assert canonical("01/05/2020") == "01-05-2020"  # day/month order unknown: kept, padded
    assert canonical("March 2020") == "2020-03"
    assert canonical("30/02/2020") == "30022020"  # not a real date: digit groups joined
    assert canonical("") == "" and canonical("   ") == ""
    assert fold("U.S.A. & Co.") == "usa and co"


def test_canonical_is_idempotent_on_every_group_member() -> None:
    for groups in EQUIVALENCE_GROUPS.values():
        for group in groups:
            for member in group:
                key = canonical(member)
                assert canonical(key) == key, (member, key)


def test_groups_without_collisions_share_one_key() -> None:
    for family in ("us_state", "street_suffix", "company_suffix", "nickname", "direction"):
        for group in EQUIVALENCE_GROUPS[family]:
            assert len({canonical(m) for m in group}) == 1, group
    usa = next(g for g in EQUIVALENCE_GROUPS["country"] if g[0] == "United States")
    assert {canonical(m) for m in usa} == {"united states"}


def test_groups_are_read_only_and_cover_families() -> None:
    assert set(EQUIVALENCE_GROUPS) == {"country", "us_state", "street_suffix", "direction",
                                       "company_suffix", "month", "abbreviation", "nickname"}
    assert len(EQUIVALENCE_GROUPS["us_state"]) == 51
    assert len(EQUIVALENCE_GROUPS["country"]) >= 150
    assert len(EQUIVALENCE_GROUPS["nickname"]) >= 40
    with pytest.raises(TypeError):
        EQUIVALENCE_GROUPS["country"] = ()  # type: ignore[index]
    assert isinstance(EQUIVALENCE_GROUPS["month"][0], tuple)


def test_variants() -> None:
    assert variants("Street") == ["St", "Str"]
    assert variants("street", family="street_suffix") == ["St", "Str"]
    assert "Saint" in variants("St")  # St is both Street and Saint
    assert variants("USA")[:4] == ["United States", "US", "U.S.", "U.S.A."]
    assert variants("Bob") == ["Robert", "Rob", "Bobby", "Robbie", "Bert"]
    assert variants("January", family="month") == ["Jan", "1", "01"]
    assert variants("no such thing") == [] and variants("") == []
    with pytest.raises(KeyError):
        variants("x", family="planets")


def test_variants_index_gives_what_a_scan_of_every_group_gives() -> None:
    # variants() looks groups up in an index built once; a plain scan is the reference
    from tablefuse.equivalence import EQUIVALENCE_GROUPS, fold, variants

    def scan(text: str, family: str | None = None) -> list[str]:
        target, out, seen = fold(text), [], {text.strip().casefold()}
        if not target:
            return []
        for fam in ([family] if family else EQUIVALENCE_GROUPS):
            for group in EQUIVALENCE_GROUPS[fam]:
                if any(fold(m) == target for m in group):
                    for m in group:
                        if m.casefold() not in seen:
                            seen.add(m.casefold())
                            out.append(m)
        return out

    members = sorted({m for groups in EQUIVALENCE_GROUPS.values() for g in groups for m in g})
    probes = members[::5] + ["U.S.", "bob", "Inc.", "main street", "", "zzz"]
    assert sum(bool(variants(p)) for p in probes) > len(probes) // 2
    for p in probes:
        assert variants(p) == scan(p), p
    for fam in EQUIVALENCE_GROUPS:
        for p in members[::40]:
            assert variants(p, fam) == scan(p, fam), (fam, p)
