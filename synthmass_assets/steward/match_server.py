"""FHIR ``POST /Patient/$match`` over HTTP (Starlette on uvicorn) for a resolved track.

The service holds protected health information, so it is locked by default: every request
needs ``Authorization: Bearer <token>`` with a token from ``SYNTHMASS_MATCH_TOKENS`` (comma
separated) or a token file (a mounted Kubernetes secret), compared in constant time; it binds
to loopback unless told otherwise; and its logs carry counts and timings, never demographics.

Run: ``synthmass serve --home DIR --track evaluation --port 8080`` (or
``python -m synthmass_assets.steward.match_server …``).
"""

from __future__ import annotations

import argparse
import hmac
import json
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from synthmass_assets.steward.fhir_match import (
    FHIR_JSON,
    MatchRequestError,
    operation_outcome,
    parse_request,
)
from synthmass_assets.steward.match_service import MatchService, load_service
from synthmass_assets.steward.openapi import OPENAPI

logger = logging.getLogger(__name__)

TOKENS_VARIABLE = "SYNTHMASS_MATCH_TOKENS"
MAX_BODY_BYTES = 1_000_000


class FhirResponse(JSONResponse):
    media_type = FHIR_JSON


def _outcome(message: str, status: int, code: str = "invalid") -> FhirResponse:
    return FhirResponse(operation_outcome(message, code), status_code=status)


def read_tokens(token_file: Path | None = None) -> list[str]:
    """Bearer tokens from ``SYNTHMASS_MATCH_TOKENS`` and, if given, one per line of
    ``token_file``."""
    tokens = [t.strip() for t in os.environ.get(TOKENS_VARIABLE, "").split(",")]
    if token_file is not None:
        tokens += [t.strip() for t in token_file.read_text().splitlines()]
    return [t for t in tokens if t]


def authorized(header: str | None, tokens: Sequence[str]) -> bool:
    """Whether an ``Authorization`` header carries one of ``tokens`` (each compared in
    constant time, all of them always)."""
    scheme, _, given = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        return False
    found = False
    for token in tokens:
        found |= hmac.compare_digest(given.strip().encode(), token.encode())
    return found


def create_app(service: MatchService, tokens: Sequence[str] | None) -> Starlette:
    """The ASGI app; ``tokens`` None turns authentication off (tests and local use only)."""

    async def match(request: Request) -> FhirResponse:
        if tokens is not None and not authorized(request.headers.get("authorization"), tokens):
            response = _outcome("A valid 'Authorization: Bearer <token>' is required", 401, "login")
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return _outcome(f"The body is over {MAX_BODY_BYTES} bytes", 413, "too-costly")
        try:
            parsed = parse_request(json.loads(body))
        except json.JSONDecodeError:
            return _outcome("The body is not JSON", 400)
        except MatchRequestError as error:
            return _outcome(str(error), error.status, error.code)
        started = time.perf_counter()
        bundle = await run_in_threadpool(service.answer, parsed, str(request.base_url))
        logger.info(
            "$match: %d entries in %.1f ms", bundle["total"], (time.perf_counter() - started) * 1e3
        )
        return FhirResponse(bundle)

    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(OPENAPI)

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "records": service.size})

    return Starlette(
        routes=[
            Route("/Patient/$match", match, methods=["POST"]),
            Route("/openapi.json", openapi, methods=["GET"]),
            Route("/healthz", health, methods=["GET"]),
        ]
    )


def parser() -> argparse.ArgumentParser:
    out = argparse.ArgumentParser(description="Serve FHIR Patient/$match for a resolved track.")
    out.add_argument(
        "--home", type=Path, default=Path(os.environ.get("SYNTHMASS_HOME", ".synthmass"))
    )
    out.add_argument("--track", default="evaluation")
    out.add_argument("--host", default="127.0.0.1", help="Bind address (loopback by default)")
    out.add_argument("--port", type=int, default=8080)
    out.add_argument(
        "--token-file", type=Path, help=f"Bearer tokens, one a line (besides ${TOKENS_VARIABLE})"
    )
    out.add_argument(
        "--no-auth", action="store_true", help="Serve without tokens (local testing only)"
    )
    return out


def main(argv: Sequence[str] | None = None) -> None:
    """Load the track's index and serve it until interrupted."""
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    tokens: list[str] | None = None if args.no_auth else read_tokens(args.token_file)
    if tokens is not None and not tokens:
        raise SystemExit(
            f"No bearer tokens: set {TOKENS_VARIABLE} or --token-file (--no-auth for local tests)"
        )
    service = load_service(args.home, args.track)
    app = create_app(service, tokens)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False)


if __name__ == "__main__":
    main()
