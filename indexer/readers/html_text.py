"""The visible text of an HTML page or fragment, as paragraphs, and its comments."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from indexer.readers.text import normalize_space
from semsearch.errors import InputError

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
