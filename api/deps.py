"""What routes receive: the service, the settings, the write lock, and the API-key check."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from semsearch.service import SearchService
from semsearch.settings import Settings

_api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="The server's SEMSEARCH_API_KEY."
)
_bearer = HTTPBearer(auto_error=False, description="The server's SEMSEARCH_API_KEY, as a bearer token.")


async def get_service(request: Request) -> SearchService:
    service: SearchService = request.app.state.service
    return service


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


ServiceDep = Annotated[SearchService, Depends(get_service)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def require_api_key(
    settings: SettingsDep,
    header_key: Annotated[str | None, Security(_api_key_header)] = None,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> None:
    """Let a write through only with the server's key, in ``X-API-Key`` or ``Authorization: Bearer``."""
    if not settings.api_key:
        raise HTTPException(403, "writes are disabled: set SEMSEARCH_API_KEY on the server to allow them")
    given = header_key or (bearer.credentials if bearer else None)
    if not given:
        raise HTTPException(
            401,
            "this route needs the API key: send it as 'X-API-Key' or 'Authorization: Bearer'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    # Constant-time comparison, so response timing does not reveal how much of a key was right.
    if not hmac.compare_digest(given.encode("utf-8"), settings.api_key.encode("utf-8")):
        raise HTTPException(401, "wrong API key", headers={"WWW-Authenticate": "Bearer"})


WriteAccess = Depends(require_api_key)
