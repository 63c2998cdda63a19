"""Semantic equivalence of short values: one canonical key per meaning.

Shared by conflict resolution (equivalent values are not a conflict), the SSACL judge's
augmentation (substitute an equivalent surface form) and benchmark generators.

``canonical(value)`` builds the key in this order:

1. Dates in common formats become ISO ``YYYY-MM-DD`` (``2020/1/5``, ``Jan 5th, 2020``,
   ``5-Jan-2020``, ``13/01/2020``); month-name + year (``March 2020``) becomes ``YYYY-MM``.
   Day/month orders that cannot be told apart (``01/05/2020``) become ``01-05-2020`` (zero
   padded, order kept) rather than a guess.
2. Folding: accents stripped, case folded, ``&`` → ``and``, ``#`` → ``no``, apostrophes and
   acronym dots dropped (``U.S.A.`` → ``usa``, ``Int'l`` → ``intl``), thousands separators
   dropped (``1,000`` → ``1000``), other punctuation → space, spacing collapsed; decimals lose
   trailing zeros (``1000.0`` → ``1000``, ``1.50`` → ``1.5``); leading zeros are kept (zip codes).
3. A value made only of digit groups and separators, with at least 7 digits (phones, ids:
   ``(205) 325-8100``, ``205.325.8100``), joins its digits; a plain decimal is left alone.
4. A whole value that is a country code or short alias (``US``, ``DEU``, ``UAE``) becomes the
   country's key, unless it is also a token of another family or an English word (``CA`` stays
   California, ``IN`` Indiana, ``NO`` "number", ``IT`` stays "it").
5. Otherwise tokens (and phrases, longest first) map to the canonical member of their class:
   the FIRST member of each group in ``EQUIVALENCE_GROUPS``, folded. Groups that share a folded
   form are merged (``St`` is both Street and Saint, so ``street`` and ``saint`` share the key
   ``st``); this errs towards calling rare look-alikes equivalent, which is cheap for conflict
   resolution.

>>> canonical("United States of America") == canonical("U.S.")
True
>>> canonical("123 North Main Street")
'123 n main st'
>>> variants("Street")
['St', 'Str']
"""
from __future__ import annotations

import datetime as _dt
import functools
import re
import unicodedata
from types import MappingProxyType
from typing import Mapping

from ._equivalence_data import FAMILIES

EQUIVALENCE_GROUPS: Mapping[str, tuple[tuple[str, ...], ...]] = MappingProxyType(dict(FAMILIES))
"""Read-only groups by family (us_state, country, street_suffix, direction, company_suffix,
month, abbreviation, nickname); the first member of each group is its canonical member."""

# Short words that also happen to be country codes: never read as countries.
_CODE_STOPWORDS = frozenset({"no", "is", "it", "at", "be", "by", "my", "to", "as", "so", "do",
                             "go", "am", "an", "and", "can", "per", "nor", "arm", "jam", "fin",
                             "pan", "bra", "lie", "ben", "tv"})

_ACRONYM = re.compile(r"\b(?:[^\W\d_]\.){2,}")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_NON_DECIMAL_DOT = re.compile(r"(?<!\d)\.|\.(?!\d)")
_APOSTROPHE = re.compile(r"['’`´]")
_PUNCT = re.compile(r"[^\w\s.\-]|_")
_NON_MINUS = re.compile(r"(?<![\s])-|-(?!\d)")
_DECIMAL = re.compile(r"^(-?\d+)\.(\d+)$")
_DIGIT_GROUPS = re.compile(r"^\+?[\d\s\-()./]+$")
_PLAIN_DECIMAL = re.compile(r"^\s*-?\d+\.\d+\s*$")


def fold(value: str) -> str:
    """Accent-, case-, punctuation- and spacing-folded text (no dictionary mapping)."""
    s = unicodedata.normalize("NFKD", value)
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).casefold()
    s = s.replace("&", " and ").replace("#", " no ")
    s = _APOSTROPHE.sub("", s)
    s = _ACRONYM.sub(lambda m: m.group(0).replace(".", "") + " ", s)
    s = _THOUSANDS.sub("", s)
    s = _NON_DECIMAL_DOT.sub(" ", s)
    s = _PUNCT.sub(" ", s)
    s = _NON_MINUS.sub(" ", " " + s)
    tokens = []
    for tok in s.split():
        m = _DECIMAL.match(tok)
        if m:
            frac = m.group(2).rstrip("0")
            tok = m.group(1) + ("." + frac if frac else "")
        tokens.append(tok)
    return " ".join(tokens)


def _build() -> tuple[Mapping[tuple[str, ...], str], Mapping[str, str], int]:
    """Phrase → key (token level) and whole value → key (country codes), merged by shared forms."""
    groups: list[tuple[str, tuple[str, ...]]] = [(fam, g) for fam, gs in FAMILIES for g in gs]
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def token_level(family: str, form: str) -> bool:
        if not form or form.replace(" ", "").isdigit():
            return False
        return not (family == "country" and " " not in form and len(form) <= 3)

    first_group: dict[str, int] = {}
    for gi, (fam, members) in enumerate(groups):
        forms = [f for f in (fold(m) for m in members) if token_level(fam, f)]
        for f in forms:
            first_group.setdefault(f, gi)
            parent.setdefault(f, f)
        for f in forms[1:]:
            ra, rb = find(forms[0]), find(f)
            if ra != rb:
                parent[rb] = ra
    # key of a component: the folded first member of its earliest group
    comp_key: dict[str, tuple[int, str]] = {}
    for f, gi in first_group.items():
        root = find(f)
        lead = fold(groups[gi][1][0])
        cand = (gi, lead if token_level(groups[gi][0], lead) else f)
        if root not in comp_key or cand < comp_key[root]:
            comp_key[root] = cand
    phrases = {tuple(f.split()): comp_key[find(f)][1] for f in first_group}
    whole: dict[str, str] = {}
    for fam, members in groups:
        lead = fold(members[0])
        if fam != "country" or lead not in first_group:
            continue
        key = comp_key[find(lead)][1]
        for m in members:
            f = fold(m)
            if f and f not in first_group and f not in _CODE_STOPWORDS and f not in whole:
                whole[f] = key
    max_len = max(len(p) for p in phrases)
    return MappingProxyType(phrases), MappingProxyType(whole), max_len


_PHRASES, _WHOLE, _MAX_PHRASE = _build()

_MONTH_NUMBER: Mapping[str, int] = MappingProxyType({
    fold(m): i + 1
    for i, group in enumerate(EQUIVALENCE_GROUPS["month"]) for m in group if not m.isdigit()
})
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[t ]00:00(?::00(?:\.0+)?)?z?)?$")
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_DAY = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?$")
_YEAR = re.compile(r"^\d{4}$")


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return _dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _parse_date(raw: str, folded: str) -> str | None:
    """ISO date for a value that is unambiguously a date, else None (``folded`` = fold(raw))."""
    if not any(ch.isdigit() for ch in raw):
        return None
    s = raw.strip().casefold()
    m = _ISO.match(s)
    if m:
        return _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _NUMERIC_DATE.match(s)
    if m:
        a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if a > 12 and b <= 12:
            return _iso(year, b, a)
        if b > 12 and a <= 12 or a == b:
            return _iso(year, a, b)
        if a <= 12 and b <= 12 and _iso(year, a, b):
            return f"{a:02d}-{b:02d}-{year:04d}"
        return None
    toks = folded.split()
    if not 2 <= len(toks) <= 3 or not any(t in _MONTH_NUMBER for t in toks):
        return None
    if len(toks) == 2:
        mon, year_text = toks
        if mon in _MONTH_NUMBER and _YEAR.match(year_text):
            return f"{int(year_text):04d}-{_MONTH_NUMBER[mon]:02d}"
        return None
    orders = ((0, 1, 2), (1, 0, 2), (2, 1, 0))  # (month, day, year) positions: MDY, DMY, YMD
    for mi, di, yi in orders:
        mon, day, year_text = toks[mi], _DAY.match(toks[di]), toks[yi]
        if mon in _MONTH_NUMBER and day and _YEAR.match(year_text):
            return _iso(int(year_text), _MONTH_NUMBER[mon], int(day.group(1)))
    return None


def _map_tokens(tokens: list[str]) -> list[str]:
    out: list[str] = []
    i, n = 0, len(tokens)
    while i < n:
        for length in range(min(_MAX_PHRASE, n - i), 0, -1):
            key = _PHRASES.get(tuple(tokens[i:i + length]))
            if key is not None:
                out.append(key)
                i += length
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def canonical(value: str) -> str:
    """The normalised key of ``value``: equal keys mean equivalent values (see module doc).

    >>> canonical("1,000.00"), canonical("2020/01/05"), canonical("ACME Incorporated")
    ('1000', '2020-01-05', 'acme inc')
    """
    if not value or not value.strip():
        return ""
    folded = fold(value)
    date = _parse_date(value, folded)
    if date is not None:
        return date
    if _DIGIT_GROUPS.match(value) and not _PLAIN_DECIMAL.match(value):
        groups = re.findall(r"\d+", value)
        if len(groups) >= 2 and sum(map(len, groups)) >= 7:
            return "".join(groups)
    tokens = folded.split()
    whole = _WHOLE.get(folded)
    if whole is not None:
        return whole
    return " ".join(_map_tokens(tokens))


def are_equivalent(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` have the same canonical key.

    >>> are_equivalent("Bill Smith", "william smith"), are_equivalent("CA", "Canada")
    (True, False)
    """
    return canonical(a) == canonical(b)


def variants(text: str, family: str | None = None) -> list[str]:
    """The other surface forms of a token or phrase, as listed in the groups (for augmentation).

    Matching is by folded form; the answer keeps every distinct spelling (``US``, ``U.S.``),
    not only distinct keys. ``family`` limits the search to one key of ``EQUIVALENCE_GROUPS``.
    Unknown text gives ``[]``.

    >>> variants("Bob")
    ['Robert', 'Rob', 'Bobby', 'Robbie', 'Bert']
    """
    target = fold(text)
    if not target:
        return []
    if family is not None and family not in EQUIVALENCE_GROUPS:
        raise KeyError(f"unknown family {family!r}; choose from {sorted(EQUIVALENCE_GROUPS)}")
    out: list[str] = []
    seen = {text.strip().casefold()}
    for fam, group in _groups_by_fold().get(target, ()):
        if family is not None and fam != family:
            continue
        for m in group:
            if m.casefold() not in seen:
                seen.add(m.casefold())
                out.append(m)
    return out


@functools.lru_cache(maxsize=1)
def _groups_by_fold() -> Mapping[str, tuple[tuple[str, tuple[str, ...]], ...]]:
    """Folded member -> the (family, group) pairs holding it, in dictionary order.

    Built once: SSACL's augmentation asks ``variants`` for every phrase of every anchor tuple, and
    folding all ~1,000 members per call took 18 of a 95-second fit on a 10k-tuple lake."""
    index: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for fam, groups in EQUIVALENCE_GROUPS.items():
        for group in groups:
            for key in dict.fromkeys(fold(m) for m in group):
                index.setdefault(key, []).append((fam, group))
    return MappingProxyType({k: tuple(v) for k, v in index.items()})


__all__ = ["EQUIVALENCE_GROUPS", "are_equivalent", "canonical", "fold", "variants"]
