"""Every augmentation operator: what it changes, what it must keep."""
from __future__ import annotations

import random
from collections import Counter

import pytest

from tablefuse.judge.ssacl.augment import (
    FAMILIES,
    _neighbours,
    augment_tuple,
    format_reformat,
    semantic_substitute,
    token_crop,
    token_drop,
    token_swap,
    typo_delete,
    typo_insert,
    typo_substitute,
    typo_transpose,
)

SEEDS = range(25)


def _diff_positions(a: str, b: str) -> list[int]:
    return [i for i, (x, y) in enumerate(zip(a, b)) if x != y]


@pytest.mark.parametrize("seed", SEEDS)
def test_typo_substitute_uses_a_keyboard_neighbour(seed: int) -> None:
    v = "golden dragon 42"
    out = typo_substitute(v, random.Random(seed))
    diff = _diff_positions(v, out)
    assert len(out) == len(v) and len(diff) == 1
    i = diff[0]
    assert v[i].isalpha() and out[i] in _neighbours(v[i])


@pytest.mark.parametrize("seed", SEEDS)
def test_typo_insert_adds_one_neighbour_character(seed: int) -> None:
    v = "maple street"
    out = typo_insert(v, random.Random(seed))
    assert len(out) == len(v) + 1
    assert any(out[:i] + out[i + 1:] == v and out[i] in _neighbours(out[i - 1]) for i in range(1, len(out)))


@pytest.mark.parametrize("seed", SEEDS)
def test_typo_delete_removes_one_letter(seed: int) -> None:
    v = "seattle 98101"
    out = typo_delete(v, random.Random(seed))
    assert len(out) == len(v) - 1
    assert "98101" in out  # digits are never touched: a typo in a number changes the value
    i = next((k for k in range(len(out)) if v[k] != out[k]), len(out))
    assert v[:i] + v[i + 1:] == out and v[i].isalpha()


@pytest.mark.parametrize("seed", SEEDS)
def test_typo_transpose_swaps_two_adjacent_letters(seed: int) -> None:
    v = "portland"
    out = typo_transpose(v, random.Random(seed))
    diff = _diff_positions(v, out)
    assert Counter(out) == Counter(v) and len(diff) == 2 and diff[1] == diff[0] + 1
    assert out[diff[0]] == v[diff[1]] and out[diff[1]] == v[diff[0]]


def test_typo_operators_leave_values_without_letters_alone() -> None:
    rng = random.Random(0)
    for op in (typo_substitute, typo_insert, typo_delete, typo_transpose):
        assert op("1,000", rng) == "1,000"
        assert op("", rng) == ""


@pytest.mark.parametrize("seed", SEEDS)
def test_token_drop_keeps_an_ordered_nonempty_subset(seed: int) -> None:
    v = "sony bravia 40 inch lcd hdtv black"
    out = token_drop(v, random.Random(seed)).split()
    tokens = v.split()
    assert 0 < len(out) < len(tokens)
    it = iter(tokens)
    assert all(t in it for t in out)  # a subsequence: order kept
    assert token_drop("single", random.Random(seed)) == "single"


@pytest.mark.parametrize("seed", SEEDS)
def test_token_crop_keeps_a_contiguous_span(seed: int) -> None:
    v = "sony bravia 40 inch lcd hdtv in glossy black finish"
    out = token_crop(v, random.Random(seed))
    n = len(out.split())
    assert out in v and 0.4 * 10 - 1 <= n <= 9
    assert token_crop("short value of five tokens", random.Random(seed)) == "short value of five tokens"


@pytest.mark.parametrize("seed", SEEDS)
def test_token_swap_permutes_two_tokens(seed: int) -> None:
    v = "john q public"
    out = token_swap(v, random.Random(seed))
    assert sorted(out.split()) == sorted(v.split()) and out != v
    assert sum(a != b for a, b in zip(out.split(), v.split())) == 2


def test_format_reformat_numbers_and_dates() -> None:
    rng = random.Random(0)
    assert {format_reformat("1,000", random.Random(s)) for s in SEEDS} <= {"1000", "1000.00"}
    assert "1,000" in {format_reformat("1000", random.Random(s)) for s in SEEDS}
    assert format_reformat("05/01/2024", rng) == "2024-01-05"
    assert {format_reformat("2024-01-05", random.Random(s)) for s in SEEDS} == {"05/01/2024", "Jan 5, 2024"}
    assert format_reformat("19.00", rng) in {"19"}
    assert format_reformat("no numbers here", rng) == "no numbers here"
    assert format_reformat("model 1000 watt", rng) in {"model 1,000 watt", "model 1000.00 watt"}
    assert format_reformat("2024-02-30", rng) == "2024-02-30"  # not a date: left alone


def test_semantic_substitute_uses_shared_dictionaries() -> None:
    from tablefuse.equivalence import are_equivalent

    outs = {semantic_substitute("123 Main Street", random.Random(s)) for s in SEEDS}
    assert "123 Main St" in outs
    for v in ("Acme Incorporated", "United States", "123 Main Street"):
        out = semantic_substitute(v, random.Random(3))
        assert out != v and are_equivalent(out, v)
    assert semantic_substitute("no match here", random.Random(0)) == "no match here"  # "no" is a word


@pytest.mark.parametrize("seed", SEEDS)
def test_null_family_nulls_but_never_everything(seed: int) -> None:
    row = ["alice smith", "12 oak st", "boston"]
    out = augment_tuple(row, random.Random(seed), families=("null",), p_attr=1.0, p_null=1.0)
    assert any(v is None for v in out) and any(v is not None for v in out)
    assert all(o is None or o == r for o, r in zip(out, row))  # only nulling, no other change


@pytest.mark.parametrize("seed", SEEDS)
def test_augment_tuple_always_changes_something_and_keeps_nulls(seed: int) -> None:
    row = ["Golden Dragon", None, "Seattle", "1,000"]
    out = augment_tuple(row, random.Random(seed), FAMILIES)
    assert out != row and out[1] is None and any(v is not None for v in out)


def test_augment_tuple_is_deterministic_under_a_seed() -> None:
    row = ["Golden Dragon Palace", "123 Main Street", "Seattle", "2024-01-05"]
    a = [augment_tuple(row, random.Random(7)) for _ in range(3)]
    b = [augment_tuple(row, random.Random(7)) for _ in range(3)]
    assert a == b


def test_typos_never_touch_model_codes() -> None:
    value = "sony KDL-40V4100 television"
    for seed in range(40):
        rng = random.Random(seed)
        for op in (typo_substitute, typo_insert, typo_delete, typo_transpose):
            assert "KDL-40V4100" in op(value, rng)
