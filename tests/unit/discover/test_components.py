"""The connected-components baseline: transitive closure, singletons, canonical set ids."""
from __future__ import annotations

import pytest

from tablefuse.config import DiscoverConfig
from tablefuse.discover import ConnectedComponents, make_discoverer
from tablefuse.errors import ContractError
from tablefuse.frames import ScoredPairs

from discover_helpers import scored_of, sets_of, tuples_of


def test_components_close_transitively_and_keep_singletons() -> None:
    tuples = tuples_of([10, 20, 30, 40, 50, 60])
    scored = scored_of([(10, 20, 0.9), (20, 30, 0.8), (40, 50, 0.2), (50, 60, 0.7)])
    m = ConnectedComponents().fit_predict(tuples, scored)
    m.validate(tuples)
    assert sets_of(m.frame) == {frozenset({10, 20, 30}), frozenset({40}), frozenset({50, 60})}
    # set ids numbered by smallest tid, in order
    assert m.frame.sort("tid")["set_id"].to_list() == [0, 0, 0, 1, 2, 2]


def test_min_score_overrides_the_integrable_flag() -> None:
    tuples = tuples_of([1, 2, 3])
    scored = scored_of([(1, 2, 0.3), (2, 3, 0.6)])
    m = make_discoverer(DiscoverConfig(method="components", min_score=0.25)).fit_predict(tuples, scored)
    assert sets_of(m.frame) == {frozenset({1, 2, 3})}


def test_no_pairs_means_all_singletons_and_order_does_not_matter() -> None:
    tuples = tuples_of([5, 3, 9])
    m = ConnectedComponents().fit_predict(tuples, scored_of([]))
    assert m.frame.rows() == [(3, 0), (5, 1), (9, 2)]
    scored = scored_of([(3, 9, 0.9)])
    shuffled = ScoredPairs(scored.frame.reverse(), 0.5)
    assert ConnectedComponents().fit_predict(tuples, scored).frame.equals(
        ConnectedComponents().fit_predict(tuples, shuffled).frame)


def test_unknown_tid_in_pairs_is_a_contract_error() -> None:
    with pytest.raises(ContractError):
        ConnectedComponents().fit_predict(tuples_of([1, 2]), scored_of([(1, 7, 0.9)]))
