"""Header normalisation: every source header becomes a ``snake_case`` name.

Lakes spell one attribute many ways (``Phone Number``, ``phoneNumber``, ``phone-number``,
``http://.../ontology#phone_number``); normalising first lets exact matching do most of the work
and makes the unified attribute names safe, predictable column names.
"""
from __future__ import annotations

import re
import unicodedata

from ..frames import TUPLE_META

_QUOTES = "\"'`\u2018\u2019\u201c\u201d"
_URI = re.compile(r"^[a-z][a-z0-9+.\-]*://", re.IGNORECASE)
_CAMEL_LOWER_UPPER = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_CAMEL_ACRONYM = re.compile(r"(?<=[A-Z])(?=[A-Z][a-z])")
_LETTER_DIGIT = re.compile(r"(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def _uri_local_name(header: str) -> str:
    """The fragment of a URI header, or its last non-empty path segment when it has no '#'."""
    if "#" in header:
        frag = header.rsplit("#", 1)[1]
        if frag:
            return frag
        header = header.rsplit("#", 1)[0]
    rest = _URI.sub("", header).split("?", 1)[0]
    parts = [p for p in rest.split("/") if p]
    # with only a host left (``http://example.org``) there is no local name: keep the host
    return parts[-1] if parts else rest


def header_tokens(header: str) -> list[str]:
    """Lower-case word tokens of a header (camelCase, snake_case, kebab, spaces, URIs)."""
    text = unicodedata.normalize("NFKC", str(header)).replace("\ufeff", "").strip()
    text = text.strip(_QUOTES).strip()
    if _URI.match(text):
        text = _uri_local_name(text)
    # accents become their base letters so ``Prénom`` and ``Prenom`` meet
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _CAMEL_LOWER_UPPER.sub(" ", text)
    text = _CAMEL_ACRONYM.sub(" ", text)
    text = _LETTER_DIGIT.sub(" ", text)
    return [t for t in _NON_WORD.split(text.lower()) if t]


def normalize_header(header: str) -> str:
    """``snake_case`` form of a header; ``""`` when it holds no letters or digits.

    >>> normalize_header("http://www.okkam.org/ontology_restaurant1.owl#phoneNumber")
    'phone_number'
    >>> normalize_header('  "Zip-Code" ')
    'zip_code'
    """
    return "_".join(header_tokens(header))


def attribute_name(header: str, position: int) -> str:
    """The unified attribute name a header would get: its normalised form, never empty, never
    one of the tuple metadata columns (``tid``, ``source`` ...), which get an ``_attr`` suffix."""
    name = normalize_header(header) or f"column_{position + 1}"
    return safe_attribute(name)


def safe_attribute(name: str) -> str:
    """Keep attribute names clear of the tuple metadata columns of ``TupleTable``."""
    return f"{name}_attr" if name in TUPLE_META else name
