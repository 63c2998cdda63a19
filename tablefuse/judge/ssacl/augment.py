"""Augmentation operators: an attribute value -> a corrupted copy that still means the same thing.

A tuple and its augmented copy are SSACL's positives. Every operator is a pure function of the
value and a ``random.Random``, so a seed fixes the training set. Families (names used in
``judge.ssacl.augment``): ``typo`` (keyboard-neighbour substitution, insertion, deletion,
transposition), ``token`` (drop, swap), ``crop`` (opt-in: keep a span of a long value), ``null``
(an attribute nulled out: nulls complement, they never conflict), ``semantic`` (dictionary
substitution: countries/ISO codes, states, suffixes, months, nicknames ... from
``tablefuse.equivalence``) and ``format`` (number and date reformatting).
"""
from __future__ import annotations

import datetime as _dt
import random
import re
from collections.abc import Callable, Sequence

FAMILIES: tuple[str, ...] = ("typo", "token", "null", "semantic", "format")
# Opt-in families (not in the default): ``crop`` (keep a span of a long value). Measured: Abt-Buy
# F1 0.143 -> 0.207, Amazon-Google 0.445 -> 0.409 (benchmarks/results/judge.md, ``ssacl+crop``).
OPTIONAL_FAMILIES: tuple[str, ...] = ("crop",)

_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_KEY_POS = {ch: (r, c) for r, row in enumerate(_ROWS) for c, ch in enumerate(row)}


def _neighbours(ch: str) -> str:
    low = ch.lower()
    if low not in _KEY_POS:
        if ch.isdigit():
            d = int(ch)
            return "".join(str(x) for x in (d - 1, d + 1) if 0 <= x <= 9)
        return ""
    r, c = _KEY_POS[low]
    out = []
    for dr in (-1, 0, 1):
        rr = r + dr
        if 0 <= rr < len(_ROWS):
            for dc in (-1, 0, 1):
                cc = c + dc
                if (dr or dc) and 0 <= cc < len(_ROWS[rr]):
                    out.append(_ROWS[rr][cc])
    n = "".join(out)
    return n.upper() if ch.isupper() else n


def _letter_positions(value: str) -> list[int]:
    # letters only: a typo in a digit changes a price or a year, which is no longer the same value;
    # nor letters of a token holding a digit: a model code ("KDL-40V4100") with a typo is another product
    out: list[int] = []
    for m in re.finditer(r"\S+", value):
        if not any(ch.isdigit() for ch in m.group()):
            out.extend(m.start() + i for i, ch in enumerate(m.group()) if ch.isalpha())
    return out


def typo_substitute(value: str, rng: random.Random) -> str:
    """One character replaced by a keyboard neighbour (``cat`` -> ``cst``)."""
    pos = [i for i in _letter_positions(value) if _neighbours(value[i])]
    if not pos:
        return value
    i = rng.choice(pos)
    return value[:i] + rng.choice(_neighbours(value[i])) + value[i + 1:]


def typo_insert(value: str, rng: random.Random) -> str:
    """A keyboard neighbour of some character inserted beside it (``cat`` -> ``csat``)."""
    pos = [i for i in _letter_positions(value) if _neighbours(value[i])]
    if not pos:
        return value
    i = rng.choice(pos)
    return value[:i + 1] + rng.choice(_neighbours(value[i])) + value[i + 1:]


def typo_delete(value: str, rng: random.Random) -> str:
    """One letter deleted (``cat`` -> ``ct``); values with fewer than two letters are kept."""
    pos = _letter_positions(value)
    if len(pos) < 2:
        return value
    i = rng.choice(pos)
    return value[:i] + value[i + 1:]


def typo_transpose(value: str, rng: random.Random) -> str:
    """Two adjacent, different characters swapped (``cat`` -> ``act``)."""
    letters = set(_letter_positions(value))
    pos = [i for i in range(len(value) - 1) if i in letters and i + 1 in letters and value[i] != value[i + 1]]
    if not pos:
        return value
    i = rng.choice(pos)
    return value[:i] + value[i + 1] + value[i] + value[i + 2:]


def token_drop(value: str, rng: random.Random, max_fraction: float = 0.3) -> str:
    """Up to ``max_fraction`` of the tokens (at least one) dropped; one-token values are kept."""
    tokens = value.split()
    if len(tokens) < 2:
        return value
    k = max(1, int(len(tokens) * max_fraction * rng.random()))
    k = min(k, len(tokens) - 1)
    drop = set(rng.sample(range(len(tokens)), k))
    return " ".join(t for i, t in enumerate(tokens) if i not in drop)


def token_crop(value: str, rng: random.Random, min_keep: float = 0.4) -> str:
    """Only a contiguous span of the tokens kept (40-90% of them): sources describe the same thing
    at different lengths (a long product description vs a short one). Values under 6 tokens are
    kept whole."""
    tokens = value.split()
    if len(tokens) < 6:
        return value
    keep = max(1, int(len(tokens) * (min_keep + (0.9 - min_keep) * rng.random())))
    start = rng.randrange(len(tokens) - keep + 1)
    return " ".join(tokens[start:start + keep])


def token_swap(value: str, rng: random.Random) -> str:
    """Two tokens exchanged (``john smith`` -> ``smith john``)."""
    tokens = value.split()
    if len(tokens) < 2:
        return value
    i, j = rng.sample(range(len(tokens)), 2)
    tokens[i], tokens[j] = tokens[j], tokens[i]
    return " ".join(tokens)


_INT = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^[-+]?\d+(?:\.\d+)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def _reformat_number(text: str, rng: random.Random) -> str:
    neg = text.startswith("-")
    body = text.lstrip("+-").replace(",", "")
    whole, _, frac = body.partition(".")
    choices = []
    grouped = f"{int(whole):,}" + (f".{frac}" if frac else "")
    plain = whole + (f".{frac}" if frac else "")
    if grouped != text.lstrip("+-"):
        choices.append(grouped)
    if plain != text.lstrip("+-"):
        choices.append(plain)
    if not frac:
        choices.append(f"{whole}.00")
    elif frac.strip("0") == "":
        choices.append(whole)
    if not choices:
        return text
    return ("-" if neg else "") + rng.choice(choices)


def format_reformat(value: str, rng: random.Random) -> str:
    """Numbers and dates written another way: ``1,000`` <-> ``1000`` (or ``1000.00``),
    ``2024-01-05`` <-> ``05/01/2024`` (day first) or ``Jan 5, 2024``; other values unchanged.
    Numbers inside text (``model 1000 watt``) are reformatted token by token."""
    text = value.strip()
    m = _ISO_DATE.match(text)
    if m:
        try:
            d = _dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return value
        return rng.choice([d.strftime("%d/%m/%Y"), f"{d.strftime('%b')} {d.day}, {d.year}"])
    m = _DMY_DATE.match(text)
    if m:
        try:
            d = _dt.date(int(m[3]), int(m[2]), int(m[1]))
        except ValueError:
            return value
        return d.isoformat()
    if _INT.match(text):
        return _reformat_number(text, rng)
    tokens = value.split(" ")
    idx = [i for i, t in enumerate(tokens) if _INT.match(t) and len(t.replace(",", "")) >= 4]
    if not idx:
        return value
    i = rng.choice(idx)
    tokens[i] = _reformat_number(tokens[i], rng)
    return " ".join(tokens)


def semantic_substitute(value: str, rng: random.Random) -> str:
    """One token or phrase replaced by an equivalent from ``tablefuse.equivalence``
    (``United States`` -> ``US``, ``Street`` -> ``St``, ``Robert`` -> ``Bob`` ...)."""
    from ...equivalence import variants  # the dictionaries shared with conflict resolution

    return _substitute_with(value, rng, variants)


def _substitute_with(value: str, rng: random.Random, equivalents: Callable[[str], Sequence[str]]) -> str:
    tokens = value.split()
    spans = []
    for n in (3, 2, 1):
        for i in range(len(tokens) - n + 1):
            phrase = " ".join(tokens[i:i + n])
            core = phrase.strip(".,;:()")
            if len(core) <= 3 and not core.isupper():  # "no", "in", "it": words, not codes
                continue
            alts = [a for a in equivalents(core) if a.lower() != core.lower()]
            if alts:
                spans.append((i, n, phrase.replace(core, "{}"), alts))
    if not spans:
        return value
    i, n, shape, alts = rng.choice(spans)
    return " ".join(tokens[:i] + [shape.format(rng.choice(alts))] + tokens[i + n:])


ValueOp = Callable[[str, random.Random], str]

OPERATORS: dict[str, tuple[ValueOp, ...]] = {
    "typo": (typo_substitute, typo_insert, typo_delete, typo_transpose),
    "token": (token_drop, token_swap),
    "crop": (token_crop,),
    "semantic": (semantic_substitute,),
    "format": (format_reformat,),
}


def augment_tuple(values: Sequence[str | None], rng: random.Random,
                  families: Sequence[str] = FAMILIES, p_attr: float = 0.5,
                  p_null: float = 0.15) -> list[str | None]:
    """A corrupted copy of one tuple: each non-null attribute is, with probability ``p_attr``,
    changed by one operator of an enabled family (``null`` drops it with ``p_null``); at least
    one change is made when any is possible, and at least one value is kept non-null."""
    out = list(values)
    filled = [i for i, v in enumerate(values) if v is not None]
    if not filled:
        return out
    ops = [op for f in families if f in OPERATORS for op in OPERATORS[f]]
    can_null = "null" in families and len(filled) > 1
    changed = False
    order = list(filled)
    rng.shuffle(order)
    for n, i in enumerate(order):
        last_chance = n == len(order) - 1 and not changed
        if not last_chance and rng.random() >= p_attr:
            continue
        nonnull = sum(v is not None for v in out)
        if can_null and nonnull > 1 and rng.random() < p_null:
            out[i] = None
            changed = True
            continue
        if not ops:
            continue
        value = out[i]
        assert value is not None  # i is a filled position, visited once, and not nulled above
        new = rng.choice(ops)(value, rng)
        if new == value:  # that operator did not apply: try the others once, in random order
            for op in rng.sample(ops, len(ops)):
                new = op(value, rng)
                if new != value:
                    break
        if new != value and new.strip():
            out[i] = new
            changed = True
    return out


__all__ = ["FAMILIES", "OPERATORS", "OPTIONAL_FAMILIES", "augment_tuple", "format_reformat", "semantic_substitute",
           "token_crop", "token_drop", "token_swap", "typo_delete", "typo_insert", "typo_substitute", "typo_transpose"]
