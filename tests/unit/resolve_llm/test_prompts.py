"""Prompt building and strict answer validation."""
from __future__ import annotations

import json

from tablefuse.resolve._conflicts import Candidate, ConflictCell
from tablefuse.resolve.llm import CellContext, Demonstration, build_messages, correction, parse_answer

CANDS = ["Boston", "Bostn", "U.S.A."]


def test_exact_folded_and_equivalent_answers_name_a_candidate() -> None:
    assert parse_answer('{"value": "Bostn"}', CANDS).index == 1
    assert parse_answer('{"value": "  boston "}', CANDS).index == 0
    assert parse_answer('{"value": "United States"}', CANDS).index == 2  # same canonical key
    assert parse_answer('Sure! {"value": "Boston"} is right.', CANDS).index == 0
    assert parse_answer('```json\n{"value": "Boston"}\n```', CANDS).index == 0


def test_invalid_answers_say_why() -> None:
    assert parse_answer("Boston", CANDS).error == "not JSON: Boston"
    assert parse_answer('{"answer": "Boston"}', CANDS).error.startswith("JSON without a 'value'")
    bad = parse_answer('{"value": "Chicago"}', CANDS)
    assert bad.index is None and bad.error == "not a candidate: 'Chicago'"
    assert parse_answer('{"value": 12}', ["12", "13"]).index == 0


def _cell() -> ConflictCell:
    return ConflictCell(7, "state", (Candidate("MA", "ma", (1, 2), ("a.csv",), 2),
                                     Candidate("AK", "ak", (3,), ("b.csv",), 1)))


def test_messages_carry_candidates_record_and_demonstrations() -> None:
    ctx = CellContext(record=(("city", "Boston"),),
                      demos=(Demonstration(1, (("city", "Boston"),), "MA", 1.0),), shown=("city",))
    msgs = build_messages(_cell(), ctx)
    assert [m["role"] for m in msgs] == ["system", "user"]
    user = msgs[1]["content"]
    assert "- city: Boston -> state: MA" in user
    assert "Record with a conflict: city: Boston" in user
    assert '- "MA" (2 tuples)' in user and '- "AK" (1 tuple)' in user
    assert user.index("-> state: MA") < user.index("Record with a conflict")
    assert build_messages(_cell(), ctx) == msgs  # deterministic: it is the cache key


def test_no_demonstrations_no_examples_block() -> None:
    msgs = build_messages(_cell(), CellContext((), (), ()))
    assert "Correct records" not in msgs[1]["content"]
    assert "(no other attributes)" in msgs[1]["content"]


def test_correction_appends_the_bad_answer_and_the_allowed_values() -> None:
    msgs = build_messages(_cell(), CellContext((), (), ()))
    again = correction(msgs, "MA please", "not JSON: MA please", ["MA", "AK"])
    assert again[:2] == msgs and again[2] == {"role": "assistant", "content": "MA please"}
    assert json.dumps("AK") in again[3]["content"] and "not JSON" in again[3]["content"]
