"""Demonstration selection (MI-weighted similarity) and MI compression."""
from __future__ import annotations

from tablefuse.resolve._conflicts import long_cells, resolve_with
from tablefuse.resolve.llm import build_contexts, informative_attributes

from llm_helpers import evidence_lake


class _Capture:
    """A chooser that records what resolve_with hands to choosers."""

    def __init__(self) -> None:
        self.conflicts: list = []
        self.lake = None

    def choose(self, conflicts, lake):  # type: ignore[no-untyped-def]
        from tablefuse.resolve._conflicts import Choice

        self.conflicts, self.lake = list(conflicts), lake
        return [Choice(0, 1.0, "first") for _ in conflicts]


def _captured() -> _Capture:
    t, m = evidence_lake()
    cap = _Capture()
    resolve_with(t, m, cap, "capture")
    return cap


def test_state_conflicts_are_found() -> None:
    cap = _captured()
    assert [(c.set_id, c.attribute) for c in cap.conflicts] == [(10, "state"), (11, "state"), (12, "state")]


def test_city_and_zip_inform_state_and_a_high_threshold_drops_them() -> None:
    lake = _captured().lake
    info = dict(informative_attributes(lake, ["state"], 0.1)["state"])
    assert info["city"] > 0.99 and info["zip"] > 0.99  # city -> state, zip -> state: exact
    assert informative_attributes(lake, ["state"], 1.01)["state"] == ()


def test_demonstrations_are_the_same_city_sets_without_the_conflict() -> None:
    cap = _captured()
    ctx = build_contexts(cap.conflicts, cap.lake, k=10, mi_threshold=0.1)
    boston = ctx[0]
    assert dict(boston.record)["city"] == "Boston"
    assert {d.set_id for d in boston.demos} == {1, 4, 7}  # only sets sharing a key; never 10-12
    assert all(d.target == "MA" and dict(d.values)["city"] == "Boston" for d in boston.demos)
    assert all(d.similarity > 0 for d in boston.demos)
    assert [d.similarity for d in boston.demos] == sorted((d.similarity for d in boston.demos), reverse=True)


def test_k_limits_and_zero_means_no_demonstrations() -> None:
    cap = _captured()
    assert all(len(c.demos) == 2 for c in build_contexts(cap.conflicts, cap.lake, k=2))
    assert all(c.demos == () for c in build_contexts(cap.conflicts, cap.lake, k=0))


def test_compression_keeps_informative_attributes_only() -> None:
    cap = _captured()
    full = build_contexts(cap.conflicts, cap.lake, k=3, compress=False)[0]
    assert full.shown == ("name", "city", "zip")
    tight = build_contexts(cap.conflicts, cap.lake, k=3, mi_threshold=0.9, compress=True)[0]
    assert tight.shown == ("city", "zip")  # names are unique per set: NMI ~0.67
    assert all(a in ("city", "zip") for d in tight.demos for a, _ in d.values)


def test_long_cells_unchanged_by_context_building() -> None:
    t, m = evidence_lake()
    assert long_cells(t, m).height == 4 * 15
