"""How many pages one link may have open (``pages.admitted``), as a table: pages are counted by
their tab id on every process, a socket naming none is a page of its own, and a reload of a
page replaces that page's older socket here instead of counting twice."""

from __future__ import annotations

import pytest

from server.live.pages import OpenPages, admitted

HERE = {"s1": "a", "s2": "b", "s3": ""}  # two pages, and a program that names none


@pytest.mark.parametrize(
    ("here", "elsewhere", "tab", "most", "expected"),
    [
        ({}, [], "a", 4, []),  # the first page
        (HERE, [], "c", 4, []),  # a fourth page
        (HERE, [("x1", "d")], "c", 4, None),  # three here and one on another process: full
        (HERE, [("x1", "")], "c", 4, None),  # a program elsewhere counts as a page too
        (HERE, [], "", 4, []),  # a fourth socket naming no page
        ({**HERE, "s4": ""}, [], "", 4, None),  # a fifth one is refused
        ({**HERE, "s4": "d"}, [], "e", 4, None),  # a fifth page is refused
        ({**HERE, "s4": "d"}, [], "d", 4, ["s4"]),  # a reload of one of them replaces it
        ({**HERE, "s4": "d", "s5": "d"}, [], "d", 4, ["s4", "s5"]),  # every older one
        ({**HERE, "s4": "d"}, [("x1", "d")], "d", 4, ["s4"]),  # its socket elsewhere: not twice
        (HERE, [("x1", "d")], "d", 4, []),  # reloaded onto another process: gets in
        ({"s1": "a"}, [("x1", "a"), ("x2", "a")], "b", 2, []),  # one page on three processes
        ({"s1": "a"}, [], "b", 1, None),  # one page a link
    ],
)
def test_pages_per_link(
    here: dict[str, str],
    elsewhere: list[tuple[str, str]],
    tab: str,
    most: int,
    expected: list[str] | None,
) -> None:
    assert admitted(here, elsewhere, tab, most) == expected


def test_a_reloaded_page_replaces_its_older_socket_once_recorded() -> None:
    pages, me = OpenPages(), ("ev", "p1")
    for sid, tab in (("s1", "a"), ("s2", "b")):
        assert pages.admit(me, sid, tab, [], 2)
    assert not pages.admit(me, "s3", "c", [], 2)  # a third page
    assert pages.admit(me, "s4", "b", [], 2)  # page b reloaded
    assert not pages.admit(me, "s5", "c", [], 2)  # still two pages
    assert pages.recorded("s4") == ["s2"]  # to close now
    assert pages.recorded("s4") == []
    pages.gone("s2", me)
    pages.gone("s1", me)  # a page closed: one may open
    assert pages.admit(me, "s5", "c", [], 2)


def test_a_reload_that_goes_before_it_is_recorded_gives_the_old_socket_back() -> None:
    pages, me = OpenPages(), ("ev", "p1")
    assert pages.admit(me, "s1", "a", [], 1)
    assert pages.admit(me, "s2", "a", [], 1)  # a reload of a…
    pages.gone("s2")  # …gone at once (its connection refused after all: no person known)
    assert not pages.admit(me, "s3", "b", [], 1)  # s1 counts again
    assert pages.recorded("s2") == []
