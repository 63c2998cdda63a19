"""Attribute domains: what an attribute holds, detected from its values, and how to write it.

Equivalent values ("(415) 555-0123" / "+1 415 555 0123", "04106" / "4106" from an integer
column, "http://x.com/" / "www.x.com") must be one candidate, and the golden value should be
written the way the lake mostly writes that attribute. Each domain has

* ``key(value)``: the normalised value (equal keys: one candidate, never a conflict);
* ``style(value)``: the value's format ("paren", "dash", "zip5", ...);
* ``render(value, style)``: the value rewritten in another style (``canonical`` is the domain's
  own canonical rendering).

``learn_formats(tuples)`` detects each attribute's domain (the first domain in ``DOMAINS`` order
that parses at least ``_MATCH_SHARE`` of its distinct values; free text otherwise) and its
majority style over all tuples. ``value_table`` maps every (attribute, source, value) to its key,
its rendering (``format``: ``majority`` | ``original`` | ``canonical``), whether the rendering is
the value as written (``native``) and a note where a value was changed beyond re-formatting
(zero padding). Unparseable values in a typed attribute fall back to free text.

Numeric codes keep their width: an attribute whose all-digit values mostly have one width W and
include leading zeros is a code of width W; a source of it that writes no leading zero at all
(an integer-typed column) has its shorter values padded to W, and the note says so.
"""
from __future__ import annotations

import functools
import math
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import polars as pl

from .._equivalence_data import FAMILIES
from ..equivalence import _parse_date, canonical, fold

FORMATS = ("majority", "original", "canonical")
_MATCH_SHARE = 0.8  # share of an attribute's distinct values a domain must parse
_SMALL_WORDS = frozenset({"a", "an", "and", "at", "by", "de", "del", "der", "di", "du", "for", "in", "la",
                          "le", "of", "on", "or", "the", "to", "van", "von", "y"})


# -- case -------------------------------------------------------------------------------------
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def case_style(value: str) -> str:
    """upper | lower | title | mixed ('' when fewer than two letters)."""
    letters = [c for c in value if c.isalpha()]
    if len(letters) < 2:
        return ""
    if all(c.isupper() for c in letters):
        return "upper"
    if all(c.islower() for c in letters):
        return "lower"
    words = _WORD.findall(value)
    if all(w[0].isupper() or w.casefold() in _SMALL_WORDS for w in words):
        return "title"
    return "mixed"


def title_case(value: str, keep_short_upper: bool = True) -> str:
    """Title case that keeps small words lower (not first) and, from all-caps text, short
    acronyms ("LLC", "BBQ") as written, except short words the dictionaries know ("ST")."""
    first = True

    def word(m: re.Match[str]) -> str:
        nonlocal first
        w = m.group(0)
        low = w.casefold()
        was_first, first = first, False
        if not was_first and low in _SMALL_WORDS:
            return low
        if keep_short_upper and w.isupper() and len(w) <= 3 and low not in _RECASE_SHORT:
            return w
        return w[:1].upper() + w[1:].lower()

    return _WORD.sub(word, value)


def recase(value: str, style: str) -> str:
    if style == "upper":
        return value.upper()
    if style == "lower":
        return value.lower()
    if style == "title":
        return title_case(value)
    return value


# -- dictionary classes whose surface form is a matter of format ------------------------------
_FORMAT_FAMILIES = ("street_suffix", "direction", "us_state", "country")


def _format_phrases() -> dict[tuple[str, ...], tuple[str, int, int]]:
    """Folded member phrase -> (family, group index, member index) for the format families."""
    out: dict[tuple[str, ...], tuple[str, int, int]] = {}
    for fam, groups in FAMILIES:
        if fam not in _FORMAT_FAMILIES:
            continue
        for i, group in enumerate(groups):
            for j, member in enumerate(group):
                f = fold(member)
                if f and not f.replace(" ", "").isdigit():
                    out.setdefault(tuple(f.split()), (fam, i, j))
    return out


_GROUPS = {fam: groups for fam, groups in FAMILIES}
_CLASS_OF = _format_phrases()
_MAX_CLASS_LEN = max(len(p) for p in _CLASS_OF)
_RECASE_SHORT = frozenset(p[0] for p in _CLASS_OF if len(p) == 1 and len(p[0]) <= 3) | {"inc", "co", "ltd"}
_LEGAL = frozenset(fold(m) for fam, groups in FAMILIES if fam == "company_suffix"
                   for g in groups for m in g) - {"co", "company", "and co", "co.", "and company"}
_LEGAL_KEYS = frozenset(canonical(m) for m in _LEGAL)


def class_spans(value: str) -> list[tuple[int, int, tuple[str, int, int]]]:
    """(start, end, (family, group, member)) for each dictionary phrase of a format family in
    ``value`` (character offsets into the raw value, longest phrase first)."""
    raw = [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"\S+", value)]
    folded = [fold(t.rstrip(".,;:")) for _, _, t in raw]
    out: list[tuple[int, int, tuple[str, int, int]]] = []
    i = 0
    while i < len(raw):
        for n in range(min(_MAX_CLASS_LEN, len(raw) - i), 0, -1):
            parts = folded[i:i + n]
            if any(" " in p or not p for p in parts):
                continue
            cls = _CLASS_OF.get(tuple(parts))
            if cls is not None:
                end_tok = raw[i + n - 1][2]
                end = raw[i + n - 1][0] + len(end_tok.rstrip(",;:"))
                out.append((raw[i][0], end, cls))
                i += n
                break
        else:
            i += 1
    return out


# -- the domains ------------------------------------------------------------------------------
class Domain:
    """A kind of value. ``key`` returns None for a value the domain cannot parse."""

    name = "text"

    def key(self, value: str) -> str | None:
        return text_key(value)

    def style(self, value: str) -> str:
        return case_style(value)

    def render(self, value: str, style: str) -> str:
        return value

    def canonical(self, value: str) -> str:
        return value


def text_key(value: str) -> str:
    """``canonical`` without a leading article or trailing legal suffixes ("The X Inc" = "X")."""
    return _text_key(" ".join(value.casefold().split()))  # canonical is case- and spacing-blind


@functools.lru_cache(maxsize=1 << 18)
def _text_key(value: str) -> str:
    toks = canonical(value).split()
    while len(toks) > 1 and toks[-1] in _LEGAL_KEYS:
        toks.pop()
    if len(toks) > 1 and toks[0] == "the":
        toks.pop(0)
    return " ".join(toks)


class TextDomain(Domain):
    name = "text"

    def render(self, value: str, style: str) -> str:
        if not (value.isupper() or value.islower()):
            return value  # mixed or title case: only all-caps / all-lower text is recased
        cs = case_style(value)
        if style and cs in ("upper", "lower") and cs != style and style in ("upper", "lower", "title"):
            if cs != "upper" or any(len(w) >= 4 for w in _WORD.findall(value)) or style != "title":
                return recase(value, style)
            return title_case(value)
        return value

    def canonical(self, value: str) -> str:
        return title_case(value) if case_style(value) in ("upper", "lower") else value


_PHONE_CHARS = re.compile(r"^\+?[\d\s\-().]+$")
_PHONE_STYLES = {
    "dash": re.compile(r"^\d{3}-\d{3}-\d{4}$"),
    "paren": re.compile(r"^\(\d{3}\) ?\d{3}-\d{4}$"),
    "dots": re.compile(r"^\d{3}\.\d{3}\.\d{4}$"),
    "spaces": re.compile(r"^\d{3} \d{3} \d{4}$"),
    "digits": re.compile(r"^\d{10}$"),
    "intl": re.compile(r"^\+1[ -]?\d{3}[ -]?\d{3}[ -]?\d{4}$"),
}


class PhoneDomain(Domain):
    """North American numbers become their 10 digits (a leading +1 / 1 dropped); other
    international numbers (7-15 digits with a +) their digits."""

    name = "phone"

    def key(self, value: str) -> str | None:
        if not _PHONE_CHARS.match(value):
            return None
        digits = re.sub(r"\D", "", value)
        if len(digits) == 11 and digits[0] == "1":
            return digits[1:]
        if len(digits) == 10 or (value.lstrip().startswith("+") and 7 <= len(digits) <= 15):
            return digits
        return None

    def style(self, value: str) -> str:
        return next((s for s, rx in _PHONE_STYLES.items() if rx.match(value.strip())), "other")

    def render(self, value: str, style: str) -> str:
        k = self.key(value)
        if k is None or len(k) != 10 or style not in _PHONE_STYLES:
            return value
        a, b, c = k[:3], k[3:6], k[6:]
        return {"dash": f"{a}-{b}-{c}", "paren": f"({a}) {b}-{c}", "dots": f"{a}.{b}.{c}",
                "spaces": f"{a} {b} {c}", "digits": k, "intl": f"+1 {a} {b} {c}"}[style]

    def canonical(self, value: str) -> str:
        k = self.key(value)
        if k is None:
            return value
        return self.render(value, "dash") if len(k) == 10 else "+" + k


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)


class EmailDomain(Domain):
    name = "email"

    def key(self, value: str) -> str | None:
        v = value.strip()
        return v.lower() if _EMAIL.match(v) else None

    def style(self, value: str) -> str:
        return ""

    def render(self, value: str, style: str) -> str:
        return value.strip().lower()

    def canonical(self, value: str) -> str:
        return value.strip().lower()


_URL = re.compile(r"^(?:(https?)://)?(www\.)?((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})(/\S*)?$", re.IGNORECASE)


class UrlDomain(Domain):
    """Scheme, ``www.`` and a trailing slash are format; host case too. Style: scheme|www|slash."""

    name = "url"

    @staticmethod
    def _parts(value: str) -> tuple[str, str, str, str, bool] | None:
        m = _URL.match(value.strip())
        if not m:
            return None
        path = m.group(4) or ""
        slash = path.endswith("/")
        return (m.group(1) or "").lower(), (m.group(2) or "").lower(), m.group(3).lower(), path.rstrip("/"), slash

    def key(self, value: str) -> str | None:
        p = self._parts(value)
        return None if p is None else p[2] + p[3]

    def style(self, value: str) -> str:
        p = self._parts(value)
        if p is None:
            return "other"
        return f"{p[0]}|{p[1]}|{'/' if p[4] else ''}"

    def render(self, value: str, style: str) -> str:
        p = self._parts(value)
        if p is None or style.count("|") != 2:
            return value
        scheme, www, slash = style.split("|")
        if scheme not in ("", "http", "https") or www not in ("", "www.") or slash not in ("", "/"):
            return value  # not a URL style
        return f"{scheme + '://' if scheme else ''}{www}{p[2]}{p[3]}{slash}"

    def canonical(self, value: str) -> str:
        p = self._parts(value)
        return value if p is None else f"https://{p[2]}{p[3]}"


def _isbn13(digits: str) -> str | None:
    if len(digits) == 10:
        if not digits[:9].isdigit() or not (digits[9].isdigit() or digits[9] == "X"):
            return None
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits))
        if total % 11:
            return None
        core = "978" + digits[:9]
    elif len(digits) == 13 and digits.isdigit() and digits[:3] in ("978", "979"):
        if sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(digits)) % 10:
            return None
        return digits
    else:
        return None
    check = (10 - sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(core)) % 10) % 10
    return core + str(check)


class IsbnDomain(Domain):
    """ISBN-10 and ISBN-13 (checksums verified) share the ISBN-13 key; hyphens are format."""

    name = "isbn"

    @staticmethod
    def _digits(value: str) -> str:
        v = re.sub(r"^isbn(?:-1[03])?:?\s*", "", value.strip(), flags=re.IGNORECASE)
        return re.sub(r"[\s-]", "", v).upper() if re.fullmatch(r"[\dXx\s-]+", v) else ""

    def key(self, value: str) -> str | None:
        return _isbn13(self._digits(value))

    def style(self, value: str) -> str:
        d = self._digits(value)
        return ("hyphen" if "-" in value else "plain") + str(len(d))

    def render(self, value: str, style: str) -> str:
        d = self._digits(value)
        if style.startswith("plain"):
            k = _isbn13(d)
            return (d if style == "plain10" and len(d) == 10 else k) or value
        return value.strip()  # hyphenation needs the registration ranges: only as written

    def canonical(self, value: str) -> str:
        return self.key(value) or value


_MONTH_NAMES = tuple(next(m for m in g if len(m) > 3 and not m.isdigit()) if any(len(m) > 3 for m in g)
                     else g[0] for fam, gs in FAMILIES if fam == "month" for g in gs)
_DATE_STYLES = {
    "iso": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "iso_slash": re.compile(r"^\d{4}/\d{1,2}/\d{1,2}$"),
    "mdy": re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$"),
    "dmy_dot": re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}$"),
    "long": re.compile(r"^[A-Za-z]+\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}$"),
    "day_month": re.compile(r"^\d{1,2} [A-Za-z]+\.? \d{4}$"),
}


class DateDomain(Domain):
    """Calendar dates become ISO ``YYYY-MM-DD`` (``tablefuse.equivalence``'s parser); a
    day/month order that cannot be told apart is no date here (it stays as written)."""

    name = "date"

    def key(self, value: str) -> str | None:
        d = _parse_date(value, fold(value))
        return d if d is not None and len(d) == 10 and d[4] == "-" else None

    def style(self, value: str) -> str:
        v = value.strip()
        style = next((s for s, rx in _DATE_STYLES.items() if rx.match(v)), "other")
        if style == "mdy":  # a slash date: its order is only known when one part exceeds 12
            a, b = (int(x) for x in v.split("/")[:2])
            return "dmy" if a > 12 >= b else "mdy" if b > 12 >= a else "other"
        return style

    def render(self, value: str, style: str) -> str:
        k = self.key(value)
        if k is None:
            return value
        y, m, d = int(k[:4]), int(k[5:7]), int(k[8:])
        month = _MONTH_NAMES[m - 1]
        return {"iso": k, "iso_slash": f"{y}/{m:02d}/{d:02d}", "mdy": f"{m:02d}/{d:02d}/{y}",
                "dmy": f"{d:02d}/{m:02d}/{y}",
                "dmy_dot": f"{d:02d}.{m:02d}.{y}", "long": f"{month} {d}, {y}",
                "day_month": f"{d} {month} {y}"}.get(style, value)

    def canonical(self, value: str) -> str:
        return self.key(value) or value


_NUMBER = re.compile(r"^(?P<pre>[$€£¥]|[A-Z]{3} )?\s*(?P<num>-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)"
                     r"\s*(?P<unit>[A-Za-z%]{1,5}|[$€£¥])?$")


class NumberDomain(Domain):
    """A number with an optional currency or unit: "$1,250.00" = "1250" where the attribute's
    usual unit is "$" (a bare number takes the attribute's dominant unit, ``unit``)."""

    name = "number"

    def __init__(self, unit: str = "") -> None:
        self.unit = unit

    @staticmethod
    def _parts(value: str) -> tuple[str, str, str, bool, str] | None:
        m = _NUMBER.match(value.strip())
        if not m:
            return None
        raw = m.group("num")
        num = raw.replace(",", "")
        whole, _, frac = num.partition(".")
        pre = (m.group("pre") or "").strip()
        unit = (m.group("unit") or "")
        return whole, frac, pre, "," in raw, unit

    def unit_of(self, value: str) -> str:
        p = self._parts(value)
        return "" if p is None else (p[2] or p[4])

    def key(self, value: str) -> str | None:
        p = self._parts(value)
        if p is None:
            return None
        whole, frac, pre, _, unit = p
        frac = frac.rstrip("0")
        whole = whole.lstrip("0") or "0" if not whole.startswith("-") else "-" + (whole[1:].lstrip("0") or "0")
        num = whole + ("." + frac if frac else "")
        u = (pre or unit or self.unit).lower()
        return f"{num} {u}".strip()

    def style(self, value: str) -> str:
        p = self._parts(value)
        if p is None:
            return "other"
        _, frac, pre, thousands, unit = p
        return f"{'pre' if pre else ('post' if unit else '')}|{len(frac)}|{',' if thousands else ''}"

    def render(self, value: str, style: str) -> str:
        p = self._parts(value)
        if p is None or style.count("|") != 2:
            return value
        whole, frac, pre, _, unit = p
        place, decimals, thousands = style.split("|")
        if place not in ("", "pre", "post") or not decimals.isdigit() or thousands not in ("", ","):
            return value  # not a number style
        frac = frac.rstrip("0")
        n = int(decimals)
        if len(frac) > n:
            return value  # never drop digits to follow a format
        frac = frac.ljust(n, "0")
        neg = whole.startswith("-")
        digits = whole.lstrip("-").lstrip("0") or "0"
        if thousands:
            digits = f"{int(digits):,}"
        num = ("-" if neg else "") + digits + ("." + frac if frac else "")
        u = pre or unit or self.unit
        if place == "pre" and u and len(u) == 1 and not u.isalpha():
            return u + num
        if place == "post" and u:
            return f"{num} {u}" if len(u) > 1 else num + u
        return num if u == self.unit or not u else (u + num if pre else f"{num} {u}")

    def canonical(self, value: str) -> str:
        return self.key(value) or value


_DIGITS = re.compile(r"^\d+$")
_ZIP = re.compile(r"^(\d{5})(?:-(\d{4}))?$")
_UK_CA = re.compile(r"^(?:[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|[A-Z]\d[A-Z] ?\d[A-Z]\d)$", re.IGNORECASE)


class CodeDomain(Domain):
    """Fixed-width numeric codes (zip codes, ids) and postcodes. ``width``: the usual digit
    count; ``pad_sources``: sources that write no leading zero, whose shorter values are padded.
    A US ZIP+4 has its 5-digit zip as key (the +4 is a refinement of the same place)."""

    def __init__(self, name: str, width: int, pad_sources: frozenset[str] = frozenset()) -> None:
        self.name = name
        self.width = width
        self.pad_sources = pad_sources

    def key_from(self, value: str, source: str) -> str | None:
        v = value.strip()
        m = _ZIP.match(v) if self.width == 5 else None
        if m:
            return m.group(1)
        if _DIGITS.match(v):
            if len(v) < self.width and source in self.pad_sources:
                return v.zfill(self.width)
            return v
        if _UK_CA.match(v):
            return v.replace(" ", "").upper()
        return None

    def key(self, value: str) -> str | None:
        return self.key_from(value, "")

    def style(self, value: str) -> str:
        v = value.strip()
        if _ZIP.match(v):
            return "zip9" if "-" in v else "zip5"
        if _UK_CA.match(v):
            return "spaced" if " " in v else "joined"
        return "digits"

    def render_from(self, value: str, source: str, style: str) -> str:
        v = value.strip()
        key = self.key_from(v, source)
        if key is None:
            return value
        if _UK_CA.match(v):
            return key[:-3] + " " + key[-3:] if style == "spaced" else key
        if style == "zip9" and _ZIP.match(v):
            return v
        return key

    def render(self, value: str, style: str) -> str:
        return self.render_from(value, "", style)

    def canonical(self, value: str) -> str:
        return self.key(value) or value


_PERSON_PART = r"[^\W\d_][^\W\d_'’.\-]*"
# "Last, First [Middle]": one family-name token, so "Ann Lee, Bo Chen" (two authors) is no match
_COMMA_NAME = re.compile(rf"^({_PERSON_PART}), ({_PERSON_PART}(?: {_PERSON_PART}){{0,2}})$")
_PLAIN_NAME = re.compile(rf"^{_PERSON_PART}(?: {_PERSON_PART}){{1,3}}$")


class PersonDomain(Domain):
    """Person names: "Huxley, Aldous" = "Aldous Huxley"; style: order (comma|plain) and case."""

    name = "person"

    @staticmethod
    def plain(value: str) -> str:
        m = _COMMA_NAME.match(value.strip())
        return f"{m.group(2)} {m.group(1)}" if m else value.strip()

    def key(self, value: str) -> str | None:
        v = value.strip()
        if not (_COMMA_NAME.match(v) or _PLAIN_NAME.match(v)):
            return None
        return canonical(self.plain(v))

    def style(self, value: str) -> str:
        order = "comma" if _COMMA_NAME.match(value.strip()) else "plain"
        return f"{order}|{case_style(value)}"

    def render(self, value: str, style: str) -> str:
        order, _, case = style.partition("|")
        v = self.plain(value)
        if order == "comma":
            parts = v.rsplit(" ", 1)
            v = f"{parts[1]}, {parts[0]}" if len(parts) == 2 else v
        cs = case_style(v)
        if case in ("upper", "lower", "title") and cs in ("upper", "lower") and cs != case:
            v = recase(v, case) if case != "title" else title_case(v, keep_short_upper=False)
        return v

    def canonical(self, value: str) -> str:
        v = self.plain(value)
        return title_case(v, keep_short_upper=False) if case_style(v) in ("upper", "lower") else v


# -- detection and the per-attribute format ---------------------------------------------------
@dataclass(frozen=True)
class AttributeFormat:
    """What was learned about one attribute: its domain and the lake's majority style."""

    attribute: str
    domain: Domain
    style: str = ""  # majority style of the domain ('' : none)
    style_share: float = 0.0
    family_forms: Mapping[str, int] = field(default_factory=dict)  # family -> majority member index
    rewrite: frozenset[tuple[str, str, int]] = frozenset()  # (source, family, member index) to rewrite
    drop_legal: frozenset[str] = frozenset()  # sources whose trailing legal suffixes ("Inc") are dropped

    def describe(self) -> str:
        return f"{self.domain.name}" + (f" ({self.style})" if self.style else "")


def _parses(domain: Domain, values: list[str]) -> float:
    return sum(domain.key(v) is not None for v in values) / len(values) if values else 0.0


def _code_domain(values: list[tuple[str, str, int]]) -> CodeDomain | None:
    """A fixed-width code with leading zeros somewhere, else None."""
    digits = [(s, v.split("-")[0], n) for s, v, n in values if _DIGITS.match(v.split("-")[0])
              and (v.count("-") == 0 or _ZIP.match(v))]
    total = sum(n for _, _, n in values)
    if not total or sum(n for _, _, n in digits) < 0.9 * total:
        uk = sum(n for _, v, n in values if _UK_CA.match(v))
        return CodeDomain("postcode", 0) if uk >= _MATCH_SHARE * total else None
    widths: Counter[int] = Counter()
    for _, v, n in digits:
        widths[len(v)] += n
    width, count = widths.most_common(1)[0]
    zeros = {s for s, v, _ in digits if v.startswith("0") and len(v) == width}
    if count < 0.6 * total or not zeros or width < 3:
        return None
    by_source: dict[str, list[str]] = defaultdict(list)
    for s, v, _ in digits:
        by_source[s].append(v)
    pad = frozenset(s for s, vs in by_source.items()
                    if not any(v.startswith("0") for v in vs) and any(len(v) < width for v in vs))
    return CodeDomain("zip" if width == 5 else "code", width, pad)


def detect_domain(values: list[tuple[str, str, int]]) -> Domain:
    """The domain of an attribute from its (source, value, tuples) rows (see module doc)."""
    distinct = sorted({v for _, v, _ in values})
    if not distinct:
        return TextDomain()
    if len(distinct) > 1000:  # the share parsed, from a hash sample of the distinct values
        distinct = [v for v in distinct if zlib.crc32(v.encode("utf-8")) % len(distinct) < 1000] or distinct[:1000]
    code = _code_domain(values)
    if code is not None:
        return code
    for dom in (EmailDomain(), UrlDomain(), IsbnDomain(), PhoneDomain(), DateDomain()):
        if _parses(dom, distinct) >= _MATCH_SHARE:
            return dom
    number = NumberDomain()
    if _parses(number, distinct) >= _MATCH_SHARE:
        units = Counter(number.unit_of(v) for _, v, n in values for _ in range(min(n, 1)) if number.unit_of(v))
        return NumberDomain(units.most_common(1)[0][0] if units else "")
    commas = sum(bool(_COMMA_NAME.match(v)) for v in distinct)
    person = PersonDomain()
    if commas >= 0.1 * len(distinct) and _parses(person, distinct) >= 0.9:
        return person
    return TextDomain()


def _style_of(domain: Domain, value: str) -> str:
    return domain.style(value)


def learn_format(attribute: str, values: list[tuple[str, str, int]]) -> AttributeFormat:
    """The attribute's domain, majority style (over tuples) and, for text, the majority surface
    form of each dictionary class ("Street" vs "St", "CA" vs "California")."""
    domain = detect_domain(values)
    styles: Counter[str] = Counter()
    for _, v, n in values:
        if domain.name == "text" or domain.key(v) is not None or isinstance(domain, CodeDomain):
            st = _style_of(domain, v)
            if st and st != "other" and st != "mixed":
                styles[st] += n
    total = sum(styles.values())
    style, count = styles.most_common(1)[0] if styles else ("", 0)
    if isinstance(domain, PersonDomain):  # order and case vote apart
        orders = Counter({o: 0 for o in ("plain", "comma")})
        cases: Counter[str] = Counter()
        for s, n in styles.items():
            o, _, c = s.partition("|")
            orders[o] += n
            if c:
                cases[c] += n
        style = f"{orders.most_common(1)[0][0]}|{cases.most_common(1)[0][0] if cases else ''}"
    fmt = AttributeFormat(attribute, domain, style, count / total if total else 0.0)
    if domain.name != "text":
        return fmt
    return _with_class_forms(fmt, values)


def _with_class_forms(fmt: AttributeFormat, values: list[tuple[str, str, int]]) -> AttributeFormat:
    """Per dictionary family that covers at least 30 % of the attribute's tuples (street suffixes
    in addresses, states), the form the lake writes most (member 0 "St", "CA" or member 1
    "Street", "California"). A source's form is rewritten only where the source uses it
    significantly more often than the lake does (``over_uses``): a house style, not chance, so a
    one-source lake, or sources dealt at random from one, keep their values."""
    forms: dict[str, Counter[int]] = defaultdict(Counter)
    by_source: dict[tuple[str, str], Counter[int]] = defaultdict(Counter)
    covered: Counter[str] = Counter()
    total = 0
    for source, v, n in values:
        total += n
        spans = class_spans(v)
        for fam in {cls[0] for _, _, cls in spans}:
            covered[fam] += n
        for _, _, (fam, _, member) in spans:
            forms[fam][member] += n
            by_source[(source, fam)][member] += n
    families = {f for f, n in covered.items() if total and n >= 0.3 * total}
    drop = _legal_droppers(values)
    if not families:
        return AttributeFormat(fmt.attribute, fmt.domain, fmt.style, fmt.style_share, drop_legal=drop)
    family_forms: dict[str, int] = {}
    rewrite: set[tuple[str, str, int]] = set()
    for fam in sorted(families):
        counts = forms[fam]
        best = max(counts.items(), key=lambda kv: (kv[1], -kv[0]))[0]
        family_forms[fam] = best
        lake_total = sum(counts.values())
        for (source, f), own in by_source.items():
            if f != fam:
                continue
            own_total = sum(own.values())
            for member, n in own.items():
                if member != best and over_uses(n, own_total, counts[member] / lake_total):
                    rewrite.add((source, fam, member))
    return AttributeFormat(fmt.attribute, fmt.domain, fmt.style, fmt.style_share, family_forms, frozenset(rewrite),
                           drop)


def over_uses(n: int, total: int, lake_share: float, z: float = 3.0) -> bool:
    """True when a source writes a form in ``n`` of its ``total`` values, significantly (``z``
    standard errors of a binomial at the lake's share) more often than the lake does."""
    if total < 1 or lake_share >= 0.5:
        return False
    share = n / total
    se = math.sqrt(max(lake_share * (1 - lake_share), 1e-12) / total)
    return share - lake_share >= z * se


def strip_legal(value: str) -> str:
    """``value`` without trailing legal suffixes ("Acme Widgets, Inc." -> "Acme Widgets")."""
    toks = value.split()
    while len(toks) > 1 and fold(toks[-1].rstrip(".,;:")) in _LEGAL:
        toks.pop()
    return " ".join(toks).rstrip(" ,;:") if len(toks) < len(value.split()) else value


def _legal_droppers(values: list[tuple[str, str, int]]) -> frozenset[str]:
    """Sources that append legal suffixes ("LLC", "Inc") significantly more often than the lake,
    where most of the lake writes none."""
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for source, v, n in values:
        per[source][0] += n if strip_legal(v) != v else 0
        per[source][1] += n
    with_suffix = sum(a for a, _ in per.values())
    total = sum(b for _, b in per.values())
    if not total or not with_suffix or with_suffix >= 0.5 * total:
        return frozenset()
    return frozenset(s for s, (a, b) in per.items() if a and over_uses(a, b, with_suffix / total))


def _rewrite_classes(value: str, source: str, fmt: AttributeFormat) -> str:
    out, last = [], 0
    for start, end, (fam, group, member) in class_spans(value):
        if (source, fam, member) in fmt.rewrite:
            members = _GROUPS[fam][group]
            target = fmt.family_forms[fam]
            surface = members[target] if target < len(members) else members[0]
            if fmt.style == "upper":
                surface = surface.upper()
            elif fmt.style == "lower":
                surface = surface.lower()
            out.append(value[last:start])
            out.append(surface)
            last = end
    if not out:
        return value
    out.append(value[last:])
    return "".join(out)


def key_and_render(value: str, source: str, fmt: AttributeFormat, mode: str) -> tuple[str, str, str | None]:
    """(key, rendering, note) of one value of ``fmt``'s attribute from ``source``."""
    dom = fmt.domain
    key = dom.key_from(value, source) if isinstance(dom, CodeDomain) else dom.key(value)
    if key is None:
        return text_key(value), value, None
    note = None
    if isinstance(dom, CodeDomain) and _DIGITS.match(value) and len(value) < dom.width and key != value:
        note = (f"{value!r} from {source} restored to {key!r}: {fmt.attribute} holds {dom.width}-digit "
                f"codes with leading zeros and this source writes none (an integer column)")
    if mode == "original":
        return key, value, note
    if mode == "canonical":
        if isinstance(dom, CodeDomain):
            return key, dom.render_from(value, source, "zip5" if dom.width == 5 else "digits"), note
        return key, dom.canonical(value), note
    if isinstance(dom, CodeDomain):
        return key, dom.render_from(value, source, fmt.style), note
    rendered = dom.render(value, fmt.style) if fmt.style else value
    if source in fmt.drop_legal:
        rendered = strip_legal(rendered)
    if fmt.rewrite:
        rendered = _rewrite_classes(rendered, source, fmt)
    return key, rendered, note


_SAMPLE = 4000  # distinct (source, value) rows an attribute's format is learned from at most


def _sample(rows: list[tuple[str, str, int]], limit: int = _SAMPLE) -> list[tuple[str, str, int]]:
    """At most about ``limit`` rows, chosen by a hash of the value: the same values whatever else
    the lake holds, so formats learned from a lake and from a superset of it agree."""
    if len(rows) <= limit:
        return rows
    keep = max(1, (limit * 1024) // len(rows))
    return [r for r in rows if zlib.crc32(r[1].encode("utf-8")) % 1024 < keep]


def learn_formats(frame: pl.DataFrame, attributes: Iterable[str]) -> dict[str, AttributeFormat]:
    """One ``AttributeFormat`` per attribute from a tuple frame (source + attribute columns);
    large attributes are learned from a hash sample of their distinct values (``_SAMPLE``)."""
    out: dict[str, AttributeFormat] = {}
    for a in attributes:
        counts = (frame.select(pl.col("source").cast(pl.Utf8), pl.col(a).cast(pl.Utf8).str.strip_chars().alias("v"))
                  .filter(pl.col("v").is_not_null() & (pl.col("v") != ""))
                  .group_by("source", "v").agg(pl.len().alias("n")).sort("source", "v"))
        out[a] = learn_format(a, _sample([(s, v, int(n)) for s, v, n in counts.iter_rows()]))
    return out


VALUE_SCHEMA = {"attribute": pl.Utf8, "source": pl.Utf8, "value": pl.Utf8, "key": pl.Utf8,
                "rendered": pl.Utf8, "native": pl.Boolean, "note": pl.Utf8, "folded": pl.Utf8}


def spelling(value: str) -> str:
    """Lower case, apostrophes dropped, other punctuation as spaces: the spelling the typo rule
    compares and counts (the same as the polars expression in ``value_table``)."""
    return " ".join(_NON_WORD.sub(" ", _APOSTROPHES.sub("", value.lower())).split())


_APOSTROPHES = re.compile(r"['’`´]")
_NON_WORD = re.compile(r"[^\w]+|_")


def value_table(frame: pl.DataFrame, attributes: Iterable[str], formats: Mapping[str, AttributeFormat],
                mode: str = "majority") -> pl.DataFrame:
    """attribute, source, value -> key, rendered, native, note, folded (``spelling`` of the
    value, for typo support) for every distinct value. Work is done once per distinct value;
    only codes (zero padding) and rewritten sources look at the source."""
    parts: list[pl.DataFrame] = []
    for a in attributes:
        fmt = formats[a]
        uniq = (frame.select(pl.col("source").cast(pl.Utf8), pl.col(a).cast(pl.Utf8).str.strip_chars().alias("value"))
                .filter(pl.col("value").is_not_null() & (pl.col("value") != "")).unique().sort("source", "value"))
        by_source = isinstance(fmt.domain, CodeDomain) or mode == "majority" and (fmt.rewrite or fmt.drop_legal)
        special = ({s for s, _, _ in fmt.rewrite} | set(fmt.drop_legal)) if not isinstance(fmt.domain, CodeDomain) \
            else None
        plain_values = uniq["value"].unique().sort().to_list()
        base = {v: key_and_render(v, "", fmt, mode) for v in plain_values} if special is not None else {}
        rows: list[tuple[str, str, str, str, str | None]] = []
        for source, v in uniq.iter_rows():
            if special is None or (by_source and source in special):
                key, rendered, note = key_and_render(v, source, fmt, mode)
            else:
                key, rendered, note = base[v]
            rows.append((source, v, key, rendered, note))
        part = pl.DataFrame(rows, schema={"source": pl.Utf8, "value": pl.Utf8, "key": pl.Utf8,
                                          "rendered": pl.Utf8, "note": pl.Utf8}, orient="row")
        parts.append(part.with_columns(pl.lit(a).alias("attribute")))
    if not parts:
        return pl.DataFrame(schema=VALUE_SCHEMA)
    out = pl.concat(parts)
    folded = (pl.col("value").str.to_lowercase().str.replace_all(r"['’`´]", "")
              .str.replace_all(r"[^\w]+|_", " ").str.strip_chars().str.replace_all(r" +", " "))
    return (out.with_columns((pl.col("rendered") == pl.col("value")).alias("native"), folded.alias("folded"))
            .select(*VALUE_SCHEMA).cast(VALUE_SCHEMA))  # type: ignore[arg-type]


DOMAINS = ("email", "url", "isbn", "phone", "date", "zip", "code", "postcode", "number", "person", "text")

__all__ = ["DOMAINS", "FORMATS", "AttributeFormat", "CodeDomain", "DateDomain", "Domain", "EmailDomain",
           "IsbnDomain", "NumberDomain", "PersonDomain", "PhoneDomain", "TextDomain", "UrlDomain",
           "case_style", "class_spans", "detect_domain", "key_and_render", "learn_format", "learn_formats",
           "spelling", "text_key", "title_case", "value_table"]
