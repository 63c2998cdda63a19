"""Per-attribute string features."""
from __future__ import annotations

import numpy as np

from tablefuse.judge.ssacl.features import FEATURE_NAMES, PairFeaturizer, prepare, value_features

F = {n: i for i, n in enumerate(FEATURE_NAMES)}


def test_features_symmetric_and_bounded() -> None:
    pf = PairFeaturizer()
    a = [["Joe's Diner", "1,000", None], ["alpha", None, None]]
    b = [["joes diner", "1000", "x"], ["omega", None, "y"]]
    f1 = pf.features(a, b)
    f2 = pf.features(b, a)
    assert f1.shape == (2, 3, len(FEATURE_NAMES))
    assert np.array_equal(f1, f2)
    assert f1.min() >= 0 and f1.max() <= 1


def test_feature_values() -> None:
    eq = value_features(prepare("Joe's Diner"), prepare("joes diner"))
    assert eq[F["equal"]] == 1 and eq[F["both_present"]] == 1
    num = value_features(prepare("1,000"), prepare("1000"))
    assert num[F["numeric_close"]] == 1 and num[F["both_numeric"]] == 1
    one = value_features(prepare("x"), None)
    assert one[F["one_null"]] == 1 and one[F["both_present"]] == 0 and sum(one) == 1
    both = value_features(None, None)
    assert sum(both) == 0
    diff = value_features(prepare("golden dragon"), prepare("dragon golden palace"))
    assert diff[F["equal"]] == 0 and diff[F["token_set"]] == 1.0 and 0 < diff[F["token_jaccard"]] < 1


def _lake_featurizer(rows):
    from tablefuse.judge.ssacl.lakestats import LakeStats

    return PairFeaturizer(LakeStats.from_rows(rows))


def test_equal_rare_value_weighs_more_than_equal_frequent_value() -> None:
    rows = [["new york", None]] * 40 + [["la grotta", "404/231-1368"], ["fenix", None], ["asian", None]]
    pf = _lake_featurizer(rows)
    f = pf.features([["new york", None], ["la grotta", None]], [["new york", None], ["la grotta", None]])
    frequent, rare = f[0, 0], f[1, 0]
    assert frequent[F["equal"]] == rare[F["equal"]] == 1  # the plain features cannot tell them apart
    assert rare[F["equal_idf"]] > 0.9 and frequent[F["equal_idf"]] < 0.2
    assert rare[F["equal_idf"]] > frequent[F["equal_idf"]] + 0.5
    # token overlap is weighted the same way: sharing "york" says less than sharing "grotta"
    g = pf.features([["new york pizza", None], ["la grotta pizza", None]],
                    [["york bagels", None], ["grotta bagels", None]])
    assert g[1, 0, F["idf_cosine"]] > g[0, 0, F["idf_cosine"]]
    assert g[0, 0, F["token_jaccard"]] == g[1, 0, F["token_jaccard"]]


def test_code_tokens_match_across_hyphenation_and_attributes() -> None:
    from tablefuse.judge.ssacl.lakestats import code_tokens

    assert "kdl40v4100" in code_tokens("Sony Bravia KDL-40V4100 40in LCD")
    assert "kdl40v4100" in code_tokens("sony kdl 40v4100")  # adjacent tokens joined
    assert code_tokens("19.99") == frozenset() and code_tokens("2004") == frozenset()  # numbers are not codes
    assert "2004" not in code_tokens("vldb 2004")  # nor are years
    rows = [["Sony Bravia KDL-40V4100 LCD TV", None], ["Bravia 40in", "sony kdl40v4100"],
            ["Samsung LN40A550 LCD TV", None], ["Sony Bravia KDL-46V4100", None], ["Panasonic TH-42PX80U", None]]
    pf = _lake_featurizer(rows)
    f = pf.features([rows[0], rows[0], rows[0], rows[4]], [rows[1], rows[3], rows[2], ["tv stand", "black"]])
    match, other_model, other_brand, no_code = f[:, 0]
    assert match[F["code_match"]] == 1 and match[F["code_conflict"]] == 0 and match[F["code_match_idf"]] > 0.5
    assert match[F["code_shared"]] > 0
    for g in (other_model, other_brand):
        assert g[F["code_match"]] == 0 and g[F["code_conflict"]] == 1
    assert no_code[F["code_conflict"]] == 0 and no_code[F["code_match"]] == 0  # one side without codes
    # tuple-level features are the same for every attribute of the pair, and symmetric
    assert np.array_equal(f[0, 0, -7:], f[0, 1, -7:])
    assert np.array_equal(f, pf.features([rows[1], rows[3], rows[2], ["tv stand", "black"]],
                                         [rows[0], rows[0], rows[0], rows[4]]))


def test_tuple_idf_cosine_sees_tokens_across_attributes() -> None:
    rows = [["acme", "turbo blender 3000w"], ["acme turbo blender", None], ["acme", "toaster oven"],
            ["acme", "kettle"], ["acme", "mixer"]]
    pf = _lake_featurizer(rows)
    f = pf.features([rows[0], rows[0]], [rows[1], rows[2]])
    assert f[0, 0, F["tuple_idf_cosine"]] > f[1, 0, F["tuple_idf_cosine"]]
    assert f[0, 1, F["one_null"]] == 1  # the value features alone see only a null there


def test_lake_stats_round_trip() -> None:
    import json

    from tablefuse.judge.ssacl.lakestats import LakeStats

    st = LakeStats.from_rows([["a b", "X-100"], ["a", None], ["c", "x100 z"]])
    assert st.n_tuples == 3 and st.token_df["a"] == 2 and st.code_df["x100"] == 2
    again = LakeStats.from_dict(json.loads(json.dumps(st.to_dict())))
    assert again == st
    assert st.token_idf("a") < st.token_idf("c") <= 1.0 and st.token_idf("never seen") == 1.0


def test_equal_evidence_follows_term_frequency() -> None:
    rows = [["new york", None]] * 30 + [[f"deli {i}", f"212-555-{1000 + i}"] for i in range(30)] + \
        [["deli 0", "212-555-1000"], ["570 4th st", None], ["570 4th st", None]]
    pf = _lake_featurizer(rows)
    f = pf.features([rows[0], rows[30], rows[-1], rows[30]], [rows[1], rows[-3], rows[-2], rows[31]])
    city, restaurant, street, different = f[:, 0, F["equal_evidence"]]
    assert restaurant > 0.8  # two rare values agree
    assert city < 0.1 and street < 0.5  # one frequent value; one rare value and nothing else
    assert different < 0.01


def test_pair_informative_is_low_only_when_neither_tuple_identifies_an_entity() -> None:
    rows = [["american", None]] * 20 + [["american (new)", None]] * 5 + \
        [[f"deli {i}", f"212-555-{1000 + i}"] for i in range(30)]
    pf = _lake_featurizer(rows)
    f = pf.features([rows[0], rows[0], rows[25]], [rows[20], rows[25], rows[26]])
    two_weak, one_strong, two_strong = f[:, 0, F["pair_informative"]]
    assert two_weak < 0.5 < one_strong and two_strong > 0.5
    assert pf.informative(rows[25]) and not pf.informative(rows[0]) and not pf.informative(["deli 0", None])


def test_street_addresses_give_no_model_codes() -> None:
    from tablefuse.judge.ssacl.lakestats import code_tokens

    assert code_tokens("155 w. 58th st.") == frozenset()
    assert code_tokens("3393 peachtree rd.") == frozenset()
    assert "kdl40v4100" in code_tokens("Sony KDL 40V4100")
