"""The review app: one FastAPI application over one case, every asset served by itself."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from synthtrace import __version__
from synthtrace.accounts import AccountError
from synthtrace.case import Case
from synthtrace.categories import CategoryError
from synthtrace.triage import CountCache, FilterError
from synthtrace.web.imaging import PictureError
from synthtrace.web.pages import HERE, error
from synthtrace.web.reveal import Grants
from synthtrace.web.routes import (
    account,
    admin,
    auth,
    decide,
    investigate,
    media,
    queue,
    traces,
    video,
)
from synthtrace.web.security import (
    NotLoggedIn,
    SecurityHeaders,
    csrf_protect,
    login_redirect,
    viewer,
    wants_html,
)


def create_app(case: Case) -> FastAPI:
    # The built-in docs pages load their scripts from a CDN (refused in an air-gapped lab), so
    # they are off; the OpenAPI document itself is served below, to logged-in users only.
    app = FastAPI(
        title="synthtrace review",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.case = case
    app.state.case_name = case.info().name
    app.state.grants = Grants(case)
    app.state.counts = CountCache()
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(auth.router)

    # Everything else answers only to a logged-in user, and state changes need the CSRF token.
    protected = APIRouter(dependencies=[Depends(viewer), Depends(csrf_protect)])
    for module in (queue, media, decide, account, investigate, admin, traces, video):
        protected.include_router(module.router)

    @protected.get("/openapi.json", include_in_schema=False)
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    app.include_router(protected)
    _handlers(app)
    return app


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(NotLoggedIn)
    async def not_logged_in(request: Request, exc: NotLoggedIn) -> Response:
        if wants_html(request):
            return RedirectResponse(login_redirect(request), status_code=303)
        return JSONResponse(
            {"detail": "log in first"}, status_code=401, headers={"WWW-Authenticate": "Cookie"}
        )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        response = error(request, exc.status_code, str(exc.detail))
        for k, v in (exc.headers or {}).items():
            response.headers[k] = v
        return response

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
            for e in exc.errors()
        )
        return error(request, 422, f"the request is not valid: {problems}")

    @app.exception_handler(FilterError)
    @app.exception_handler(CategoryError)
    @app.exception_handler(AccountError)
    @app.exception_handler(PictureError)
    async def refused(request: Request, exc: Exception) -> Response:
        return error(request, 400, str(exc))
