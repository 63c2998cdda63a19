"""Encoding and delimiter sniffing for delimited text files.

Encodings: UTF-8 (BOM stripped), UTF-16 with BOM (or without, told by its zero bytes), then a
single-byte fallback (Latin-1, or cp1252 when the 0x80-0x9F bytes are cp1252's printable
quotes/dashes); a file mixing UTF-8 lines with such lines is decoded line by line. Binary content is
refused rather than read as junk. Delimiters are chosen by how consistently each candidate
splits the first records into the header's field count, with quotes respected.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
from itertools import islice

from ..errors import InputError

CANDIDATES: tuple[str, ...] = (",", "\t", ";", "|", "#", "%")
_EXT_PREFERENCE = {".tsv": "\t", ".psv": "|"}
SNIFF_RECORDS = 200
# C0 controls other than whitespace, DEL and C1 controls: never in a real text table.
_CONTROL = re.compile(r"[\x01-\x08\x0e-\x1f\x7f-\x9f]")
_MAX_CONTROL_RATIO = 0.01
MIXED = "utf-8+"  # encoding prefix of a file decoded line by line: utf-8+cp1252, utf-8+latin-1


def decode(raw: bytes, source: str, sample_bytes: int) -> tuple[str, str]:
    """Return (text, encoding name) or raise InputError kind ``empty`` / ``binary``."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(source, f"has a UTF-16 mark but cannot be decoded: {exc.reason}",
                             kind="binary") from exc
        _check_text(text, source, sample_bytes, "utf-16")
        return text, "utf-16"
    body = raw[len(codecs.BOM_UTF8):] if raw.startswith(codecs.BOM_UTF8) else raw
    if not body.strip():
        what = "is empty (0 bytes)" if not body else "holds only whitespace"
        raise InputError(source, f"{what}; nothing to read", kind="empty")
    if b"\x00" in raw[:sample_bytes]:
        utf16 = _bomless_utf16(raw[:sample_bytes])
        try:
            text = raw.decode(utf16) if utf16 else ""
        except UnicodeDecodeError:
            utf16 = None
        if not utf16:
            raise InputError(source, "contains NUL bytes: looks binary, not a text table "
                                     "(save it as UTF-8 CSV, Parquet or JSON)", kind="binary")
        _check_text(text, source, sample_bytes, utf16)
        return text, utf16
    try:
        text = raw.decode("utf-8-sig")
        encoding = "utf-8-sig" if body is not raw else "utf-8"
    except UnicodeDecodeError:
        text, encoding = _line_by_line(body) or _single_byte(raw)
    _check_text(text, source, sample_bytes, encoding)
    return text, encoding


def _bomless_utf16(sample: bytes) -> str | None:
    """``utf-16-le`` / ``utf-16-be`` when every other byte is zero, as in mostly-ASCII UTF-16."""
    even, odd = sample[0::2], sample[1::2]
    if len(odd) < 2:
        return None
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) <= 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) <= 0.1 * len(odd):
        return "utf-16-be"
    return None


def _single_byte(raw: bytes) -> tuple[str, str]:
    """Latin-1, or cp1252 when the 0x80-0x9F bytes are cp1252's printable quotes and dashes."""
    if re.search(rb"[\x80-\x9f]", raw):
        try:
            return raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    return raw.decode("latin-1"), "latin-1"


def _line_by_line(raw: bytes) -> tuple[str, str] | None:
    """A file whose non-ASCII lines are partly valid UTF-8 and partly not (two exports pasted
    together): each line in UTF-8 where it is valid, else in the single-byte encoding."""
    lines = raw.splitlines(keepends=True)
    decoded: list[str | None] = []
    utf8 = False
    for line in lines:
        try:
            decoded.append(line.decode("utf-8"))
            utf8 = utf8 or not line.isascii()
        except UnicodeDecodeError:
            decoded.append(None)
    bad = [line for line, d in zip(lines, decoded, strict=True) if d is None]
    if not utf8 or not bad:
        return None
    _, fallback = _single_byte(b"".join(bad))
    text = "".join(d if d is not None else line.decode(fallback) for line, d in zip(lines, decoded, strict=True))
    return text, MIXED + fallback


def _check_text(text: str, source: str, sample_chars: int, encoding: str) -> None:
    sample = text[:sample_chars]
    bad = len(_CONTROL.findall(sample))
    if sample and bad / len(sample) > _MAX_CONTROL_RATIO:
        raise InputError(source, f"{bad} control characters in the first {len(sample)} "
                                 f"characters (decoded as {encoding}): looks binary or "
                                 "undecodable, not a text table", kind="binary")


def _records(sample: str, delimiter: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    return [r for r in islice(reader, SNIFF_RECORDS) if r and any(f.strip() for f in r)]


def _fits(record: list[str], k: int) -> bool:
    """The header's field count, allowing an empty trailing field (a trailing delimiter)."""
    return len(record) == k or (len(record) > k and not "".join(record[k:]).strip())


def sniff_delimiter(text: str, ext: str, sample_chars: int) -> str:
    """Pick the candidate that splits the first records most consistently into the header's
    field count; ties go to more fields, then the extension's usual delimiter, then ``,``."""
    sample = text[:sample_chars]
    if len(text) > sample_chars and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # drop the cut-off last line
    order = list(CANDIDATES)
    preferred = _EXT_PREFERENCE.get(ext)
    if preferred:
        order.remove(preferred)
        order.insert(0, preferred)
    best: tuple[float, int, int] | None = None
    choice = preferred or ","
    for rank, delimiter in enumerate(order):
        try:
            records = _records(sample, delimiter)
        except csv.Error:
            continue
        if not records or len(records[0]) < 2:
            continue
        k = len(records[0])
        data = records[1:]
        consistency = sum(_fits(r, k) for r in data) / len(data) if data else 1.0
        score = (round(consistency, 1), k, -rank)
        if best is None or score > best:
            best, choice = score, delimiter
    return choice
