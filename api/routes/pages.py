"""The search page, its detail view and the widget script: static files, no templating."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC = Path(__file__).resolve().parent.parent / "static"

# The page renders text from the index: scripts only from here, no inline code, so a bug in
# the escaping could not run anything.
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

router = APIRouter(include_in_schema=False)


def _page() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8", headers=_PAGE_HEADERS)


@router.get("/")
async def search_page() -> FileResponse:
    return _page()


# The detail view is the same page: its script reads the id from the path. ``GET /questions/{id}``
# stays JSON for programs.
@router.get("/q/{question_id:path}")
async def question_page(question_id: str) -> FileResponse:
    return _page()


@router.get("/answer-times")
async def answer_times_page() -> FileResponse:
    return _page()


@router.get("/widget.js")
async def widget() -> FileResponse:
    # Host pages load it from anywhere: short cache, so a fix reaches them within minutes.
    return FileResponse(
        STATIC / "widget.js",
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )
