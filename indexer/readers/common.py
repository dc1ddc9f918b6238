"""Helpers shared by the readers: decoding, dates, whitespace, HTML text and error messages.

Helpers here raise :class:`InputError` with a message that does not name the file: the
reader that calls them knows the file (and line) and puts it in front.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from semsearch.errors import InputError
from semsearch.models import Question

# Longer BOMs first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)

# Characters that are not whitespace for str.split() but are invisible padding in copied text.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def normalize_space(text: str) -> str:
    """Collapse every run of whitespace (non-breaking spaces included) to one space, and strip."""
    return " ".join(text.translate(_INVISIBLE).split())


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """The encoding announced by a byte-order mark and the mark's length, if there is one."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, len(bom)
    return None


def looks_binary(text: str) -> bool:
    """True when more than 1% of the characters are control characters no text file contains."""
    if not text:
        return False
    controls = sum(1 for ch in text if ch not in "\t\n\r\f\v" and unicodedata.category(ch) == "Cc")
    return controls * 100 > len(text)


def _declared_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return None
    try:
        return codecs.lookup(match.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None


def decode_bytes(data: bytes, *, html: bool = False) -> str:
    """Text of a file: a BOM wins, then strict UTF-8, then (HTML) the declared charset, then cp1252.

    Raises InputError for binary data (NUL bytes outside UTF-16/32, or many control characters).
    """
    announced = bom_encoding(data)
    if announced:
        encoding, skip = announced
        try:
            text = data[skip:].decode(encoding)
        except UnicodeDecodeError:
            raise InputError(f"not valid {encoding.upper()} text despite its byte-order mark") from None
    elif b"\x00" in data:
        raise InputError("binary file, not text")
    else:
        text = _decode_without_bom(data, html=html)
    if looks_binary(text):
        raise InputError("binary file, not text")
    return text


def _decode_without_bom(data: bytes, *, html: bool) -> str:
    candidates = ["utf-8"]
    if html:
        declared = _declared_charset(data)
        if declared and declared not in candidates:
            candidates.append(declared)
    candidates.append("cp1252")
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    # cp1252 leaves five bytes undefined; Latin-1 maps every byte, so this cannot fail.
    return data.decode("latin-1")


def describe_os_error(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "is a directory, not a file"
    return f"cannot read: {exc.strerror or exc.__class__.__name__}"


def read_bytes(path: Path, *, limit: int) -> bytes:
    """The file's bytes; InputError when it cannot be read or is larger than ``limit``."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise InputError(describe_os_error(exc)) from None
    if len(data) > limit:
        raise InputError(f"too large (over {limit // 1_000_000} MB) for one question page")
    return data


# --- dates -------------------------------------------------------------------------------

_MONTHS = {
    "janvier": 1, "janv": 1, "février": 2, "fevrier": 2, "févr": 2, "fevr": 2, "mars": 3,
    "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "août": 8, "aout": 8,
    "septembre": 9, "sept": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11,
    "décembre": 12, "decembre": 12, "déc": 12, "dec": 12,
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sep": 9, "october": 10, "november": 11, "december": 12,
}  # fmt: skip

_ISO_START = re.compile(r"^\d{4}-\d{2}-\d{2}")
_NUMERIC_DATE = re.compile(r"^(\d{1,2})\s*([/.-])\s*(\d{1,2})\s*\2\s*(\d{4})$")
# An optional weekday ("mercredi 5 avril 2023"), "1er" / "1st", a month name, a year.
_WORDED_DATE = re.compile(
    r"^(?:[^\W\d_]+,?\s+)?(\d{1,2})(?:er|re|st|nd|rd|th)?\s+([^\W\d_]+)\.?,?\s+(\d{4})$", re.IGNORECASE
)


def _bad_date(value: object) -> InputError:
    return InputError(f"invalid date {_shorten(value)}")


def parse_date(value: object) -> date:
    """A calendar date from ISO dates or datetimes, DD/MM/YYYY (also - and .), or "1er mars 2023"."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise _bad_date(value)
    text = normalize_space(value)
    try:
        if _ISO_START.match(text):
            if len(text) == 10:
                return date.fromisoformat(text)
            return datetime.fromisoformat(text).date()
        numeric = _NUMERIC_DATE.match(text)
        if numeric:
            return date(int(numeric.group(4)), int(numeric.group(3)), int(numeric.group(1)))
        worded = _WORDED_DATE.match(text)
        if worded:
            month = _MONTHS.get(worded.group(2).lower())
            if month is not None:
                return date(int(worded.group(3)), month, int(worded.group(1)))
    except ValueError:
        pass
    raise _bad_date(value)


# --- HTML --------------------------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    "address article aside blockquote center dd div dl dt figcaption figure footer form h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table tbody tfoot thead tr ul".split()
)
_SKIPPED_TAGS = frozenset({"script", "style", "title", "noscript", "template", "select"})
_HEAD_TAGS = frozenset({"head", "title", "meta", "link", "style", "script", "base", "noscript", "template"})
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@dataclass
class HtmlText:
    """The visible text of an HTML document as paragraphs, and its comments."""

    paragraphs: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


class _TextCollector(HTMLParser):
    """Visible text with "\\n\\n" at block boundaries and "\\n" at <br>, so that <br><br> splits
    paragraphs while a single <br> (a list inside a paragraph) stays in its paragraph."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.comments: list[str] = []
        self._skip_depth = 0
        self._in_head = False
        self._cell_depth = 0
        self._cells_in_row = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._in_head and tag not in _HEAD_TAGS:
            self._in_head = False  # as browsers do: body content ends an unclosed <head>
        if tag == "head":
            self._in_head = True
        elif tag == "body":
            # A page that never closes <head> must not lose its body.
            self._in_head = False
            self._skip_depth = 0
        elif tag in _SKIPPED_TAGS:
            self._skip_depth += 1
        elif tag == "tr":
            self._cells_in_row = 0
            self.parts.append("\n\n")
        elif tag in ("td", "th"):
            # A table row is one paragraph: its cells are kept together, separated.
            if self._cells_in_row:
                self.parts.append(" | ")
            self._cells_in_row += 1
            self._cell_depth += 1
        else:
            self._break(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self._in_head = False
        elif tag in _SKIPPED_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in ("td", "th"):
            self._cell_depth = max(0, self._cell_depth - 1)
        elif tag != "br":
            self._break(tag)

    def _break(self, tag: str) -> None:
        if tag == "br":
            self.parts.append(" " if self._cell_depth else "\n")
        elif tag in _BLOCK_TAGS:
            self.parts.append(" " if self._cell_depth else "\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth and not self._in_head:
            # Line breaks in the HTML source are mere spaces; only tags make breaks.
            self.parts.append(data.replace("\r", " ").replace("\n", " "))

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def html_text(markup: str) -> HtmlText:
    """Paragraphs and comments of an HTML document or fragment (truncated HTML is fine)."""
    collector = _TextCollector()
    try:
        collector.feed(markup)
        if collector.rawdata.lstrip().startswith("<"):
            # Markup cut in the middle of a tag: drop the fragment rather than show it as text.
            collector.rawdata = ""
        collector.close()
    except AssertionError as exc:
        # html.parser signals the few constructs it cannot parse with AssertionError.
        raise InputError(f"malformed HTML ({exc})") from None
    text = "".join(collector.parts)
    paragraphs = [normalize_space(p) for p in _PARAGRAPH_BREAK.split(text)]
    return HtmlText([p for p in paragraphs if p], collector.comments)


def html_to_paragraphs(markup: str) -> list[str]:
    return html_text(markup).paragraphs


# --- building questions ------------------------------------------------------------------


def _shorten(value: object, limit: int = 60) -> str:
    shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def describe_validation_error(exc: ValidationError, names: Mapping[str, str] | None = None) -> str:
    """The first error of a pydantic validation as one readable line.

    ``names`` maps the model's field names back to the names the input used.
    """
    errors = exc.errors(include_url=False)
    if not errors:
        return "invalid record"
    first = errors[0]
    loc = [str(part) for part in first["loc"]]
    if loc and names:
        loc[0] = names.get(loc[0], loc[0])
    where = "".join(f"[{part}]" if part.isdigit() else f".{part}" for part in loc).lstrip(".")
    if not where:
        message = normalize_space(str(first["msg"]))
    elif first["type"] == "missing":
        message = f"field '{where}' is required"
    else:
        message = f"field '{where}': {normalize_space(str(first['msg']))}"
        value = first.get("input")
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            message += f" (got {_shorten(value)})"
    if len(errors) > 1:
        more = len(errors) - 1
        message += f" (and {more} more error{'s' if more > 1 else ''})"
    return message


def build_question(data: Mapping[str, Any], names: Mapping[str, str] | None = None) -> Question:
    """A validated Question; InputError with one readable line when the data does not fit."""
    try:
        return Question.model_validate(dict(data))
    except ValidationError as exc:
        raise InputError(describe_validation_error(exc, names)) from None


def split_addressee(value: str | None) -> tuple[str | None, str | None]:
    """'BORSUS Willy, Ministre de …' -> ('BORSUS Willy', 'Ministre de …'); no comma -> (value, None)."""
    if value is None:
        return None, None
    name, _, role = normalize_space(value).partition(",")
    return name.strip() or None, role.strip() or None
