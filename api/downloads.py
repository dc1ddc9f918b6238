"""Results as a download (``format=csv`` or ``jsonl``): the core's export, as an attachment."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi.responses import Response

from semsearch.export import MEDIA_TYPES, ExportFormat, export
from semsearch.ids import slugify
from semsearch.models import SearchHit


def download(hits: list[SearchHit], fmt: ExportFormat, name: str) -> Response:
    """The file is named after the query or the question. A header is Latin-1: a name in another
    script goes in ``filename*`` (RFC 6266), beside an ASCII one for older clients."""
    slug = slugify(name)[:60]
    plain = "-".join(w for w in slug.encode("ascii", "ignore").decode().split("-") if w) or "results"
    disposition = f'attachment; filename="semsearch-{plain}.{fmt}"'
    if slug and slug != plain:
        disposition += f"; filename*=UTF-8''{quote(f'semsearch-{slug}.{fmt}')}"
    headers = {"Content-Disposition": disposition}
    return Response(export(hits, fmt), media_type=MEDIA_TYPES[fmt], headers=headers)


def download_responses() -> dict[int | str, dict[str, Any]]:
    """The other bodies of a route with ``format``, for the OpenAPI document."""
    text = {"schema": {"type": "string"}}
    return {200: {"content": {"text/csv": text, "application/x-ndjson": text}}}
