"""How many pages one link may have open (``pages.admitted``), as a table: pages are counted by
their tab id on every process, a socket naming none is a page of its own, and a reload of a
page replaces that page's older socket here instead of counting twice."""

from __future__ import annotations

import pytest

from server.live.pages import admitted

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
