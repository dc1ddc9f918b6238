"""A search as an Atom feed (RFC 4287): the newest matching questions, for any feed reader.

Entry ids are tag URIs of the question ids, the same whatever host serves them, so a reader
never shows a question twice; an entry's ``updated`` is the day of its answer (or of the
question while unanswered), so an answer arriving shows as an update. The feed's own id comes
from what was asked, and its ``updated`` from its newest entry: reading it again changes nothing
unless a question changed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from urllib.parse import quote, urlencode
from xml.etree import ElementTree as ET

from semsearch.export import passage_label
from semsearch.models import SearchHit

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
TAG = "tag:semsearch,2024"  # the tag URIs' authority and date: fixed, so ids never change
_EPOCH = date(1970, 1, 1)


def entry_id(question_id: str) -> str:
    return f"{TAG}:question:{quote(question_id, safe='')}"


def feed_id(asked: dict[str, str]) -> str:
    return f"{TAG}:search?{urlencode(sorted(asked.items()))}"


def _stamp(day: date | None) -> str:
    return f"{(day or _EPOCH).isoformat()}T00:00:00Z"


def _updated(hit: SearchHit) -> date | None:
    return hit.date_answered or hit.date_asked


# Characters XML 1.0 cannot hold at all: a query or a record may have them, a feed reader would
# refuse the whole feed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: _NOT_XML.sub("", v) for k, v in attrs.items()})
    node.text = _NOT_XML.sub("", text) if text is not None else None
    return node


def _summary(hit: SearchHit) -> str:
    who = f"{hit.author or '?'} → {hit.addressee or '?'}"
    state = (
        f"answered {hit.date_answered.isoformat()}"
        if hit.date_answered
        else ("answered" if hit.answered else "not answered")
    )
    lines = [f"{hit.assembly} · asked {hit.date_asked or '?'} · {who} · {state}"]
    if hit.closeness:
        lines.append(f"Closeness: {hit.closeness}")
    lines += [f"[{passage_label(p)}] {p.text}" for p in hit.passages if p.kind.value != "title"]
    return "\n\n".join(lines)


def atom_feed(hits: Sequence[SearchHit], asked: dict[str, str], base: str, self_url: str) -> bytes:
    """The feed of ``hits`` (newest first) for the search ``asked`` (its parameters), served at
    ``self_url``; ``base`` is the server's address, for links to question pages."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, "id", feed_id(asked))
    _add(feed, "title", f"semsearch: {asked.get('q', '')}")
    _add(feed, "updated", _stamp(max((_updated(h) or _EPOCH for h in hits), default=None)))
    _add(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    _add(feed, "link", rel="alternate", href=f"{base}/?{urlencode(asked)}", type="text/html")
    _add(feed, "generator", "semsearch")
    _add(_add(feed, "author"), "name", "semsearch")  # Atom wants one where an entry names none
    for hit in hits:
        entry = _add(feed, "entry")
        _add(entry, "id", entry_id(hit.id))
        _add(entry, "title", hit.title)
        _add(entry, "updated", _stamp(_updated(hit)))
        _add(entry, "published", _stamp(hit.date_asked))
        _add(entry, "link", rel="alternate", href=f"{base}/q/{quote(hit.id, safe='')}", type="text/html")
        if hit.url:
            _add(entry, "link", rel="related", href=hit.url)
        if hit.author:
            _add(_add(entry, "author"), "name", hit.author)
        if hit.closeness:
            _add(entry, "category", term=hit.closeness.replace(" ", "-"), label=hit.closeness)
        _add(entry, "summary", _summary(hit), type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
