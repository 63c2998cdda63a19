"""Evidence weighted by information (tablefuse/judge/information.py and the Fellegi-Sunter judge's
use of it): junk and very frequent values give near-zero evidence; a small end-to-end fit tells
obvious duplicates from same-artist-different-album near misses."""
from __future__ import annotations

import random

import numpy as np
import polars as pl
import pytest

from tablefuse.frames import TUPLE_META, CandidatePairs, TupleTable
from tablefuse.judge.fellegi_sunter import FellegiSunterJudge
from tablefuse.judge.information import ValueInformation, is_junk


@pytest.mark.parametrize("value", ["various", "Unknown", "N/A", "xxxx", "----", "ã ã ã ã³ãªã ã", "â€™s", "  "])
def test_junk_values(value):
    assert is_junk(value)


@pytest.mark.parametrize("value", ["joe jackson", "look sharp", "abba", "são paulo", "müller", "1995", "東京"])
def test_real_values_are_not_junk(value):
    assert not is_junk(value)


def test_information_near_zero_for_junk_and_frequent_values():
    rows = [["rock", f"album {i}", "various" if i % 3 else None] for i in range(500)]
    rows += [["jazz", "kind of blue", "ã ã ã ã³ãªã ã"]]
    info = ValueInformation.from_values(rows)
    assert info.information("various") == 0.0
    assert info.information("ã ã ã ã³ãªã ã") == 0.0
    assert info.information("rock") < 0.05  # in every row but one
    assert info.information("album 7") > 0.9  # seen once
    assert info.information("kind of blue") > 0.9
    assert info.token_information("album 7") < info.information("album 7")


ARTISTS = ["joe jackson", "duke ellington", "nina simone", "miles davis", "patti smith", "tom waits",
           "bjork", "fela kuti", "kate bush", "sun ra", "arvo part", "nick drake"]
WORDS = ["live", "blue", "night", "paris", "concert", "sharp", "look", "great", "note", "midnight", "river", "stone",
         "garden", "echo", "glass", "winter", "summer", "road", "dream", "fire"]


def catalogue(seed: int = 0):
    """Releases: each artist has several albums (near misses share artist, label, year, and
    junk values such as "various" or mojibake); some releases are listed twice with a typo.
    Candidates: every pair of one artist. Returns (tuples, candidates, duplicates, near misses)."""
    rng = random.Random(seed)
    rows, dups = [], set()
    for artist in ARTISTS:
        label = f"{rng.choice(WORDS)} records"
        for k in range(6):
            title = " ".join(rng.sample(WORDS, 3)) + f" vol {k + 1}"
            rows.append([artist, title, label, str(rng.randint(1960, 2010)),
                         rng.choice(["various", "ã ã ã ã³ãªã ã", None])])
            if k % 2 == 0:
                t = list(rows[-1])
                i = rng.randrange(1, len(title) - 1)
                t[1] = title[:i] + title[i + 1:]
                dups.add((len(rows) - 1, len(rows)))
                rows.append(t)
    attrs = ["artist", "title", "label", "year", "genre"]
    n = len(rows)
    frame = pl.DataFrame({"tid": pl.Series(range(n), dtype=pl.Int64), "source": ["cat"] * n,
                          "source_row": pl.Series(range(n), dtype=pl.Int64),
                          "source_key": pl.Series([None] * n, dtype=pl.Utf8),
                          **{a: pl.Series([r[k] for r in rows], dtype=pl.Utf8) for k, a in enumerate(attrs)}})
    tuples = TupleTable(frame.select(list(TUPLE_META) + attrs), tuple(attrs))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n) if rows[i][0] == rows[j][0]]
    near = {p for p in pairs if p not in dups}
    cands = CandidatePairs(pl.DataFrame({"tid_a": [a for a, _ in pairs], "tid_b": [b for _, b in pairs],
                                         "blocker": ["artist"] * len(pairs)},
                                        schema={"tid_a": pl.Int64, "tid_b": pl.Int64, "blocker": pl.Utf8}))
    return tuples, cands, dups, near


def test_junk_agreement_gives_no_evidence():
    tuples, cands, _, _ = catalogue()
    judge = FellegiSunterJudge().fit(tuples, cands)
    a = ["kate bush", "glass winter road vol 1", "fire records", "1977", "various"]
    b = ["kate bush", "glass winter road vol 1", "fire records", "1977", None]
    c = ["kate bush", "glass winter road vol 1", "fire records", "1977", "ã ã ã ã³ãªã ã"]
    odds = judge.log_odds_rows([a, a], [b, c])
    assert abs(odds[0] - odds[1]) < 1e-9  # "various" vs "various", mojibake vs "various": as a null


def test_end_to_end_duplicates_vs_same_artist_near_misses():
    tuples, cands, dups, near = catalogue()
    scored = FellegiSunterJudge().fit(tuples, cands).score(tuples, cands)
    f = scored.frame
    s = dict(zip(zip(f["tid_a"].to_list(), f["tid_b"].to_list()), f["score"].to_list()))
    dup_scores = np.array([s[p] for p in dups])
    near_scores = np.array([s[p] for p in near])
    assert (dup_scores >= scored.threshold).mean() >= 0.95
    assert (near_scores >= scored.threshold).mean() <= 0.02
    assert np.median(near_scores) < 0.01


def test_default_judge_tells_duplicates_from_same_artist_near_misses():
    """The default judge (SSACL fused with the Fellegi-Sunter view) on the same catalogue: the
    releases listed twice are integrable, other albums of the same artist are not."""
    pytest.importorskip("torch")
    from tablefuse.config import JudgeConfig
    from tablefuse.judge import make_judge

    from judge_helpers import HashEncoder

    tuples, cands, dups, near = catalogue()
    judge = make_judge(JudgeConfig(), encoder=HashEncoder())
    judge.device = "cpu"
    scored = judge.fit(tuples, cands).score(tuples, cands)
    f = scored.frame.filter(scored.frame["integrable"])
    pred = set(zip(f["tid_a"].to_list(), f["tid_b"].to_list()))
    assert judge.stats_["fs_fused"] is True  # both views agree here, so both vote
    assert len(pred & dups) / len(dups) >= 0.9
    assert len(pred & near) / len(near) <= 0.02
