"""The access log: one line per request, whatever the request's path holds (reproduced on main:
``GET /zz%0aINJ…`` wrote a raw newline into the log, a forged line)."""

from __future__ import annotations

import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from server.http.guard import AccessLogger, printable


def logged(path: str, caplog: pytest.LogCaptureFixture) -> str:
    logger = logging.getLogger("aiohttp.access")
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        caplog.clear()
        AccessLogger(logger, "").log(make_mocked_request("GET", path), web.Response(), 0.001)
    (record,) = caplog.records
    return record.getMessage()


def test_a_forged_line_stays_on_its_own_line(caplog: pytest.LogCaptureFixture) -> None:
    line = logged("/zz%0a127.0.0.1%20%22GET%20/admin%22%20200%0d%1b[2J%00", caplog)
    assert "\n" not in line and "\r" not in line and "\x1b" not in line and "\x00" not in line
    assert "/zz\\n127.0.0.1" in line and "\\r\\x1b[2J\\x00" in line


def test_secret_links_are_still_redacted(caplog: pytest.LogCaptureFixture) -> None:
    line = logged("/e/ev1/p/SeCrEt%0a/x", caplog)
    assert "SeCrEt" not in line and "/e/ev1/p/…/x" in line


def test_printable_keeps_text_and_escapes_controls() -> None:
    assert printable("/e/Événement/é") == "/e/Événement/é"
    assert printable("a\tb\u202ec\u0085") == "a\\tb\\u202ec\\x85"
