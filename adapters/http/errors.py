"""Every error the API returns has one shape: ``{"error": {"code", "message"}}``.

Handlers raise ``ApiError``; the middleware turns it, and aiohttp's own HTTP errors
(unknown route, wrong method, body too large), into that shape, so a client never
has to parse an HTML error page.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot import metrics

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "timeout",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "internal",
    503: "unavailable",
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        details: list[dict[str, object]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or _CODES.get(status, "error")
        self.message = message
        self.headers = headers or {}
        self.details = details


def error_response(error: ApiError) -> web.Response:
    body: dict[str, object] = {"code": error.code, "message": error.message}
    if error.details:
        body["details"] = error.details
    return web.json_response({"error": body}, status=error.status, headers=error.headers)


def _route(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except ApiError as error:
        response = error_response(error)
    except web.HTTPRequestEntityTooLarge as exc:
        response = error_response(ApiError(413, f"the body is too large ({exc.text})"))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        response = error_response(ApiError(exc.status, exc.reason, headers=headers))
    except Exception:
        log.exception("unexpected error serving %s %s", request.method, _route(request))
        response = error_response(ApiError(500, "internal error; see the server log"))
    metrics.request(_route(request), response.status)
    return response
