"""Header similarity: exact, a small synonym list, then rapidfuzz string similarity.

Names are compared in their normalised ``snake_case`` form. Synonyms are canonicalised first
(whole names such as ``postal_code`` -> ``zip``, then single tokens such as ``tel`` -> ``phone``),
so ``telephone_number`` and ``phone_number`` meet without a fuzzy guess.

Guards against plausible-looking but wrong matches: names whose number tokens differ never
match (``address_1`` vs ``address_2``), and token-set similarity is not used, because it scores a
subset as identical (``name`` vs ``first_name``).
"""
from __future__ import annotations

from rapidfuzz import fuzz

SYNONYM_SCORE = 0.95

# canonical -> other spellings (normalised). Kept small and unambiguous on purpose.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("title",),
    "phone": ("telephone", "tel", "phone_number", "telephone_number", "tel_number", "phone_no",
              "tel_no", "phonenumber", "telephone_no"),
    "zip": ("zipcode", "zip_code", "postcode", "post_code", "postal_code", "postalcode", "plz"),
    "address": ("addr", "street", "street_address", "streetaddress", "adress"),
    "last_name": ("surname", "lastname", "family_name", "familyname"),
    "first_name": ("given_name", "firstname", "givenname", "forename"),
    "email": ("e_mail", "email_address", "mail", "e_mail_address"),
    "year": ("yr",),
    "author": ("authors",),
    "venue": ("journal", "conference", "booktitle"),
    "price": ("cost",),
    "description": ("desc", "descr"),
    "manufacturer": ("maker", "mfr"),
    "city": ("town",),
}
_WHOLE: dict[str, str] = {alt: canon for canon, alts in _SYNONYMS.items() for alt in alts}
_TOKEN: dict[str, str] = {alt: canon for alt, canon in _WHOLE.items() if "_" not in alt and "_" not in canon}


def canonical(name: str) -> str:
    """A normalised name with known synonyms replaced by their canonical spelling."""
    if name in _WHOLE:
        return _WHOLE[name]
    tokens = [_TOKEN.get(t, t) for t in name.split("_")]
    joined = "_".join(tokens)
    return _WHOLE.get(joined, joined)


def _numbers(name: str) -> tuple[str, ...]:
    return tuple(t for t in name.split("_") if t.isdigit())


def similarity(a: str, b: str) -> tuple[float, str]:
    """(score in [0, 1], method) for two normalised names; method is ``exact`` or ``fuzzy``."""
    if not a or not b:
        return 0.0, "fuzzy"
    if a == b:
        return 1.0, "exact"
    if _numbers(a) != _numbers(b):
        return 0.0, "fuzzy"
    ca, cb = canonical(a), canonical(b)
    if ca == cb:
        return SYNONYM_SCORE, "fuzzy"
    sa, sb = ca.replace("_", " "), cb.replace("_", " ")
    score = max(fuzz.ratio(a, b), fuzz.ratio(ca, cb), fuzz.token_sort_ratio(sa, sb)) / 100.0
    return min(score, SYNONYM_SCORE - 0.01), "fuzzy"
