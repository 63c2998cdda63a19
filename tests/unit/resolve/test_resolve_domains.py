"""Attribute domains: each normaliser (key) and renderer, detection from values, and what the
resolver does with them (one candidate per key, the lake's majority format, zero padding)."""
from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from tablefuse.config import ResolveConfig
from tablefuse.errors import ConfigError
from tablefuse.resolve import make_resolver
from tablefuse.resolve.domains import (
    CodeDomain,
    DateDomain,
    EmailDomain,
    IsbnDomain,
    NumberDomain,
    PersonDomain,
    PhoneDomain,
    TextDomain,
    UrlDomain,
    case_style,
    detect_domain,
    key_and_render,
    learn_format,
    text_key,
    title_case,
)

Build = Any  # the ``build`` fixture from conftest.py


def _cell(res: Any, set_id: int, attr: str) -> Any:
    return res.golden.filter(pl.col("set_id") == set_id)[attr].item()


# -- phone --------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["(415) 555-0123", "+1 415 555 0123", "415.555.0123", "4155550123",
                                   "1-415-555-0123", "415 555 0123", "415-555-0123"])
def test_phone_formats_share_one_key(value: str) -> None:
    assert PhoneDomain().key(value) == "4155550123"


def test_phone_renders_every_style_and_leaves_non_phones() -> None:
    p = PhoneDomain()
    assert [p.render("4155550123", s) for s in ("dash", "paren", "dots", "spaces", "digits", "intl")] == [
        "415-555-0123", "(415) 555-0123", "415.555.0123", "415 555 0123", "4155550123", "+1 415 555 0123"]
    assert p.style("(415) 555-0123") == "paren" and p.style("+1 415 555 0123") == "intl"
    assert p.key("555-0199") is None  # seven digits without a +: not a full number
    assert p.canonical("+44 20 7946 0958") == "+442079460958"


# -- email, URL ---------------------------------------------------------------------------------
def test_email_is_case_blind() -> None:
    e = EmailDomain()
    assert e.key(" Ann.Lee@Example.COM ") == e.key("ann.lee@example.com") == "ann.lee@example.com"
    assert e.key("not an email") is None


def test_url_scheme_www_and_slash_are_format() -> None:
    u = UrlDomain()
    keys = {u.key(v) for v in ("http://www.x.com", "https://x.com/", "x.com", "WWW.X.COM")}
    assert keys == {"x.com"}
    assert u.key("x.com/menu") != u.key("x.com")
    assert u.style("https://x.com/") == "https||/"
    assert u.render("https://x.com/", "|www.|") == "www.x.com"
    assert u.render("www.x.com", "https||/") == "https://x.com/"


# -- zip and codes: leading zeros -----------------------------------------------------------------
def test_zip_from_an_integer_source_is_padded_and_noted() -> None:
    rows = [("city.csv", "02139", 3), ("city.csv", "94110", 5), ("dir.parquet", "2139", 2),
            ("dir.parquet", "94110", 4), ("guide.tsv", "94110-1234", 1)]
    fmt = learn_format("zip", rows)
    assert isinstance(fmt.domain, CodeDomain) and fmt.domain.width == 5
    assert fmt.domain.pad_sources == {"dir.parquet"}  # writes no leading zero anywhere
    key, rendered, note = key_and_render("2139", "dir.parquet", fmt, "majority")
    assert (key, rendered) == ("02139", "02139") and note and "restored to '02139'" in note
    assert key_and_render("02139", "city.csv", fmt, "majority") == ("02139", "02139", None)
    assert key_and_render("94110-1234", "guide.tsv", fmt, "majority")[:2] == ("94110", "94110")


def test_short_codes_are_not_padded_without_evidence_of_leading_zeros() -> None:
    # no value of the attribute starts with 0: a number, not a code
    assert detect_domain([("a", "2139", 1), ("a", "94110", 3), ("b", "73301", 2)]).name == "number"
    # a source that writes leading zeros keeps its short values as written
    fmt = learn_format("zip", [("a", "02139", 2), ("a", "2139", 1), ("b", "94110", 3)])
    assert key_and_render("2139", "a", fmt, "majority")[0] == "2139"


# -- ISBN, dates, numbers ---------------------------------------------------------------------------
def test_isbn_10_and_13_with_and_without_hyphens_agree() -> None:
    i = IsbnDomain()
    keys = {i.key(v) for v in ("0-14-118776-X", "978-0-14-118776-1", "9780141187761", "ISBN 0-14-118776-X")}
    assert keys == {"9780141187761"}
    assert i.key("0-14-118776-1") is None  # checksum wrong: not an ISBN
    assert i.render("978-0-14-118776-1", "plain13") == "9780141187761"


def test_dates_normalise_to_iso_and_render_in_a_style() -> None:
    d = DateDomain()
    assert {d.key(v) for v in ("2020-01-05", "Jan 5, 2020", "5 January 2020", "2020/1/5")} == {"2020-01-05"}
    assert d.key("01/05/2020") is None  # day and month cannot be told apart: no guess
    assert d.style("13/01/2020") == "dmy" and d.style("01/13/2020") == "mdy"
    assert d.render("2020-01-13", "dmy") == "13/01/2020" and d.render("13/01/2020", "iso") == "2020-01-13"
    assert d.render("2020-01-05", "long") == "January 5, 2020"


def test_numbers_with_currency_and_units() -> None:
    n = NumberDomain("$")  # the attribute's usual unit
    assert n.key("$1,250.00") == n.key("1250") == n.key("1,250") == "1250 $"
    assert n.key("12.5 kg") != n.key("12.5")
    assert n.render("1250", "pre|2|,") == "$1,250.00"
    assert n.render("$12.50", "|0|") == "$12.50"  # never drops digits to follow a format
    assert detect_domain([("a", "$12.50", 2), ("b", "12.5", 1)]).name == "number"


# -- person names and text ----------------------------------------------------------------------------
def test_person_name_order_and_case_are_equivalent() -> None:
    p = PersonDomain()
    assert p.key("Huxley, Aldous") == p.key("Aldous Huxley") == p.key("HUXLEY, ALDOUS") == "aldous huxley"
    assert p.render("Huxley, Aldous", "plain|title") == "Aldous Huxley"
    assert p.render("ALDOUS HUXLEY", "comma|title") == "Huxley, Aldous"
    assert p.key("Ann Lee, Bo Chen") is None  # two authors, not "Last, First"


def test_person_domain_needs_comma_names_among_the_values() -> None:
    names = [("a", "Huxley, Aldous", 1), ("b", "Aldous Huxley", 1), ("a", "Orwell, George", 1),
             ("b", "George Orwell", 1)]
    assert detect_domain(names).name == "person"
    assert detect_domain([("a", "Ann Lee, Bo Chen, Cy Dee", 1), ("b", "Gus's Osteria", 1)]).name == "text"


def test_text_key_ignores_articles_and_legal_suffixes() -> None:
    assert text_key("The Hungry Door") == text_key("Hungry Door")
    assert text_key("Acme Widgets, Inc.") == text_key("ACME WIDGETS")
    assert text_key("Hen, Olive & Co.") == "hen olive and co"  # "& Co." is part of the name


def test_case_styles_and_title_case() -> None:
    assert [case_style(v) for v in ("SEATTLE", "seattle", "East of Eden", "McDonald's")] == [
        "upper", "lower", "title", "title"]
    assert title_case("BAMBOO & DOOR LLC") == "Bamboo & Door LLC"  # short acronyms kept
    assert title_case("327 SPRING ST") == "327 Spring St"
    assert TextDomain().render("SEATTLE", "title") == "Seattle"


# -- the resolver with domains ----------------------------------------------------------------------
def test_format_only_differences_are_one_candidate_in_the_majority_format(build: Build) -> None:
    rows = [(0, "a", 1, {"phone": "206-555-0140", "web": "www.x.com"}),
            (1, "b", 1, {"phone": "+1 206 555 0140", "web": "http://x.com/"}),
            (2, "a", 2, {"phone": "(503) 555-0168", "web": "www.y.com"}),
            (3, "c", 3, {"phone": "415-555-0101", "web": "www.z.com"}),
            (4, "a", 4, {"phone": "617-555-0102", "web": None})]
    t, m = build(rows, ["phone", "web"])
    res = make_resolver(ResolveConfig(method="evidence")).resolve(t, m)
    assert res.conflicts.height == 0
    assert _cell(res, 1, "phone") == "206-555-0140" and _cell(res, 2, "phone") == "503-555-0168"
    assert _cell(res, 1, "web") == "www.x.com"
    prov = res.provenance.filter((pl.col("set_id") == 1) & (pl.col("attribute") == "phone"))
    assert prov["tids"].to_list() == [[0, 1]]  # the originals stay behind the tids
    original = make_resolver(ResolveConfig(method="vote", format="original")).resolve(t, m)
    assert _cell(original, 2, "phone") == "(503) 555-0168"
    canon = make_resolver(ResolveConfig(method="vote", format="canonical")).resolve(t, m)
    assert _cell(canon, 1, "web") == "https://x.com"


def test_majority_case_and_street_suffix_form(build: Build) -> None:
    # "city" writes suffixes out in title case; "health", a house style: capitals and abbreviations
    streets = ["Oak", "Elm", "Pine", "Main", "Water", "Lake", "Park", "Mill", "Hill", "Bay"]
    rows = []
    for i, name in enumerate(streets):
        suffix = ("Street", "ST") if i % 2 else ("Avenue", "AVE")
        rows.append((2 * i, "city", i, {"address": f"{i} {name} {suffix[0]}", "city": "Seattle"}))
        if i < 6:
            rows.append((2 * i + 1, "health", i, {"address": f"{i} {name.upper()} {suffix[1]}", "city": "SEATTLE"}))
    rows.append((99, "health", 20, {"address": "3 CEDAR AVE", "city": "BOSTON"}))
    t, m = build(rows, ["address", "city"])
    res = make_resolver(ResolveConfig(method="vote")).resolve(t, m)
    assert res.conflicts.height == 0
    assert _cell(res, 1, "city") == "Seattle" and _cell(res, 20, "city") == "Boston"
    assert _cell(res, 20, "address") == "3 Cedar Avenue"  # the lake writes suffixes out
    assert _cell(res, 1, "address") == "1 Elm Street"


def test_one_source_lake_keeps_its_own_forms(build: Build) -> None:
    rows = [(i, "only", i, {"address": v}) for i, v in enumerate(
        ["1 OAK ST", "2 ELM STREET", "3 PINE ST", "4 MAIN ST", "5 LAKE STREET"])]
    t, m = build(rows, ["address"])
    res = make_resolver(ResolveConfig(method="vote")).resolve(t, m)
    assert res.golden["address"].to_list() == ["1 OAK ST", "2 ELM STREET", "3 PINE ST", "4 MAIN ST", "5 LAKE STREET"]


def test_person_names_resolve_to_the_majority_order(build: Build) -> None:
    rows = [(0, "a", 1, {"author": "Aldous Huxley"}), (1, "b", 1, {"author": "Huxley, Aldous"}),
            (2, "a", 2, {"author": "George Orwell"}), (3, "b", 2, {"author": "Orwell, George"}),
            (4, "a", 3, {"author": "Toni Morrison"}), (5, "c", 4, {"author": "Zadie Smith"})]
    t, m = build(rows, ["author"])
    res = make_resolver(ResolveConfig(method="vote")).resolve(t, m)
    assert res.conflicts.height == 0
    assert _cell(res, 1, "author") == "Aldous Huxley" and _cell(res, 2, "author") == "George Orwell"


def test_zip_padding_note_reaches_the_resolver(build: Build) -> None:
    rows = [(0, "city.csv", 1, {"zip": "02139"}), (1, "dir.parquet", 1, {"zip": "2139"}),
            (2, "dir.parquet", 2, {"zip": "4106"}), (3, "city.csv", 3, {"zip": "94110"}),
            (4, "dir.parquet", 4, {"zip": "94110"}), (5, "city.csv", 5, {"zip": "10007"})]
    t, m = build(rows, ["zip"])
    resolver = make_resolver(ResolveConfig(method="evidence"))
    res = resolver.resolve(t, m)
    assert res.conflicts.height == 0
    assert _cell(res, 1, "zip") == "02139" and _cell(res, 2, "zip") == "04106"
    notes = resolver.notes_  # type: ignore[attr-defined]
    assert notes.filter(pl.col("set_id") == 2)["note"].item().startswith("'4106' from dir.parquet restored")


def test_resolving_a_subset_with_the_whole_lake_gives_the_same_values(build: Build) -> None:
    rows = [(0, "a", 1, {"phone": "206-555-0140"}), (1, "b", 1, {"phone": "(206) 555-0140"}),
            (2, "a", 2, {"phone": "503-555-0168"}), (3, "b", 3, {"phone": "(415) 555-0101"}),
            (4, "a", 4, {"phone": "617-555-0102"})]
    t, m = build(rows, ["phone"])
    whole = make_resolver(ResolveConfig()).resolve(t, m)
    sub = m.__class__(m.frame.filter(pl.col("set_id") == 3))
    part = make_resolver(ResolveConfig()).resolve(t, sub)  # every tuple given, one set resolved
    assert part.golden["phone"].to_list() == [_cell(whole, 3, "phone")] == ["415-555-0101"]


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ConfigError):
        ResolveConfig(format="pretty")


def test_fixed_formats_reproduce_the_whole_lake_rendering(build: Build) -> None:
    rows = [(0, "a", 1, {"phone": "206-555-0140"}), (1, "a", 2, {"phone": "503-555-0168"}),
            (2, "b", 3, {"phone": "(415) 555-0101"})]
    t, m = build(rows, ["phone"])
    from tablefuse.resolve._conflicts import lake_formats

    formats = lake_formats(t)  # dash: the majority of the whole lake
    only_b = t.__class__(t.frame.filter(pl.col("source") == "b"), t.attributes)
    resolver = make_resolver(ResolveConfig(method="vote"))
    resolver.formats = formats  # type: ignore[attr-defined]
    res = resolver.resolve(only_b, m)
    assert res.golden.filter(pl.col("set_id") == 3)["phone"].item() == "415-555-0101"
