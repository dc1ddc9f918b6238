"""A written question of the Parliament of Wallonia as its HTML "print" page.

The page holds the same lines as the text page (``<h4>`` title, ``<li>`` fields, ``<h5>`` dates,
paragraphs split by ``<br /><br />``), so its visible blocks go through the text page's parser.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from indexer.readers.html_text import html_text
from indexer.readers.walloon_text import parse_walloon_lines
from semsearch.errors import InputError
from semsearch.models import Question

# Browsers stamp saved pages with <!-- saved from url=(0105)https://…&id_doc=36256 -->.
_SAVED_FROM = re.compile(r"saved from url=\(\d+\)\s*(\S+)", re.IGNORECASE)
_ID_DOC = re.compile(r"[?&]id_doc=(\d+)")
_FILE_ID = re.compile(r"^PW_(\d+)\.html?$", re.IGNORECASE)
_MAX_URL = 2000  # Question.url


def _origin(comments: list[str], source: str) -> tuple[str | None, str | None]:
    """The page's document id and URL, from a saved-from comment, else the id from the file name."""
    for comment in comments:
        saved = _SAVED_FROM.search(comment)
        if saved:
            url = saved.group(1)
            doc = _ID_DOC.search(url)
            return (doc.group(1) if doc else None), (url if len(url) <= _MAX_URL else None)
    named = _FILE_ID.match(PurePath(source).name)
    return (named.group(1) if named else None), None


def parse_walloon_html(text: str, source: str) -> Question:
    """A Question from a Walloon print page's HTML; InputError naming ``source`` if it is not one."""
    try:
        page = html_text(text)
    except InputError as exc:
        raise InputError(f"{source}: {exc.message}") from None
    source_ref, url = _origin(page.comments, source)
    return parse_walloon_lines(page.paragraphs, source, source_ref=source_ref, url=url)
