"""Results as a download (``format=csv`` or ``jsonl``): the core's export, as an attachment."""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response

from semsearch.export import MEDIA_TYPES, ExportFormat, export
from semsearch.ids import slugify
from semsearch.models import SearchHit


def download(hits: list[SearchHit], fmt: ExportFormat, name: str) -> Response:
    """The file is named after the query or the question."""
    filename = f"semsearch-{slugify(name)[:60] or 'results'}.{fmt}"
    return Response(
        export(hits, fmt),
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def download_responses() -> dict[int | str, dict[str, Any]]:
    """The other bodies of a route with ``format``, for the OpenAPI document."""
    text = {"schema": {"type": "string"}}
    return {200: {"content": {"text/csv": text, "application/x-ndjson": text}}}
