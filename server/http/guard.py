"""What every HTTP answer carries and what the logs leave out: security headers, access log lines
without the secret part of links, the origins Socket.IO accepts."""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import HttpProcessingError

log = logging.getLogger("aiohttp.access")

# /e/<event>/p|host|mod|join|report/<token>[/...]: the token is a secret
_SECRET = re.compile(r"^(/e/[^/]+/(?:p|host|mod|join|report)/)[^/?#]+")
REDACTED = "…"


def redact(path: str) -> str:
    """The path with the token of a secret link replaced by ``…``."""
    return _SECRET.sub(lambda m: m.group(1) + REDACTED, path)


def printable(text: str) -> str:
    """``text`` with its control and format characters escaped (``\\n``, ``\\x1b``,
    ``\\u202e``): a request's path, decoded, may hold a newline that would forge a log line, or a
    terminal's escape sequence."""
    if text.isprintable():  # the usual path: nothing to look at twice
        return text
    return "".join(
        ch.encode("unicode_escape").decode("ascii")
        if unicodedata.category(ch) in ("Cc", "Cf")
        else ch
        for ch in text
    )


def csp(host: str) -> str:
    """A Content-Security-Policy that lets a page load and connect to this server only."""
    ws = f" ws://{host} wss://{host}" if host and re.fullmatch(r"[\w.\-:\[\]]+", host) else ""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self' data: blob:; media-src 'self' blob: mediastream:; "
        f"connect-src 'self'{ws}; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


@web.middleware
async def headers(request: web.Request, handler: Any) -> web.StreamResponse:
    """Security headers on every answer; pages and API answers are never cached (secret links
    live in their addresses)."""
    response: web.StreamResponse = await handler(request)
    h = response.headers
    h.setdefault("Content-Security-Policy", csp(request.host))
    h.setdefault("Referrer-Policy", "no-referrer")
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    h.setdefault("Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self)")
    if not request.path.startswith("/static/"):
        h.setdefault("Cache-Control", "no-store")
    return response


class AccessLogger(AbstractAccessLogger):
    """One line per request, like aiohttp's, with the tokens of secret links redacted and
    control characters escaped."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        """Log the request without its secrets."""
        self.logger.info(
            '%s "%s %s" %s %s %.1fms',
            request.remote,
            request.method,
            printable(redact(request.path)),
            response.status,
            response.body_length,
            time * 1000,
        )


class ClientMistakes(logging.Filter):
    """Drops aiohttp's tracebacks of requests it refused as malformed (a line too long, a bad
    request line): the client's mistake, answered with a 4xx, not the server's error."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record but those."""
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, HttpProcessingError)


class RefusedRequests(logging.Filter):
    """python-engineio says ERROR when it refuses a request (unsupported protocol version,
    unknown session, bad transport) and answers it 400: a warning, as that is the client's
    mistake. Records with a traceback (a handler of ours that failed) stay errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record; demote those."""
        if record.levelno >= logging.ERROR and not record.exc_info:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def quiet_client_mistakes() -> None:
    """Install ``ClientMistakes`` on aiohttp's server logger and ``RefusedRequests`` on
    python-engineio's (once)."""
    for name, kind in (("aiohttp.server", ClientMistakes), ("engineio.server", RefusedRequests)):
        logger = logging.getLogger(name)
        if not any(isinstance(f, kind) for f in logger.filters):
            logger.addFilter(kind())


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def origins(public_url: str) -> Any:
    """python-socketio's origin check: the configured public address, or the request's own
    (its ``Host``, as a browser opening a page of this server sends it); nothing else."""
    public = origin_of(public_url) if public_url else None

    def allowed(origin: str | None, environ: dict[str, Any]) -> bool:
        if not origin:
            return True  # not a browser (a program speaking the protocol)
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        forwarded = environ.get("HTTP_X_FORWARDED_HOST")
        if forwarded:
            scheme = environ.get("HTTP_X_FORWARDED_PROTO", "https").split(",")[0].strip()
            own_forwarded = f"{scheme}://{forwarded.split(',')[0].strip()}"
        else:
            own_forwarded = own
        return origin in (public, own, own_forwarded)

    return allowed
