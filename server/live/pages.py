"""One page per person at a time: of the pages (browser tabs, devices) open with one
participant's link, one is in charge; it calls and is called, the others only say so.

A page names itself with a tab id (kept in the tab's ``sessionStorage``, so that a reload is the
same page and another tab is not). The store decides who is in charge, at once for every process
(``claim_page``): the first page, the same page again after a reload (even while its old socket
is still half-open), a page that takes over ("Continue here"), or, when the page in charge has
no socket left, one of the others. A change of charge is published on the feed to every
process (a message to the processes themselves, as a revoked link is): each moves its own
sockets of that person in or out of their call (``Pages.on_moved``).

A link opens only a few pages at once (``admitted``), counted on every process: a page reloaded
is that page again (its older socket, maybe half-open, is replaced), so a reload always gets in.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from ..core.outcome import LINKS, Message
from ..store import Note, Store
from ..store.base import Pages

TAB = re.compile(r"[A-Za-z0-9_-]{1,64}")
MOVED = "page"  # the feed message: ``{id, holder}`` the person and the page now in charge

# What a page is told of itself (``page {here, reason}``): in charge, or not, and why.
HERE = "here"
ELSEWHERE = "elsewhere"  # another page was in charge when this one came
TAKEN = "taken"  # this page was in charge; another took over


def tab_of(auth: Any) -> str:
    """The page's tab id from the connection's ``auth`` (``""``: a page that names none, which
    behaves as one page whatever its sockets)."""
    tab = auth.get("tab") if isinstance(auth, dict) else None
    return tab if isinstance(tab, str) and TAB.fullmatch(tab) else ""


def page_key(sid: str, tab: str) -> str:
    """What counts as one page: its tab id; a socket that names none is a page of its own."""
    return tab or f"socket:{sid}"


def admitted(
    here: Mapping[str, str], elsewhere: Iterable[tuple[str, str]], tab: str, most: int
) -> list[str] | None:
    """Whether a new socket of the page ``tab`` may join the person's others: ``here`` their
    sockets on this process (sid → tab), ``elsewhere`` ``(sid, tab)`` of those on other
    processes. ``None`` when ``most`` other pages are open (the newcomer is refused: the older
    pages stay as they are, never evicted, so that two pages cannot take turns throwing each
    other out); else the sockets of this process it replaces: the same page's older ones (a
    reload whose old socket may still be half-open), closed once the new one is recorded."""
    same = [sid for sid, t in here.items() if tab and t == tab]
    others = {page_key(sid, t) for sid, t in here.items() if sid not in same}
    others |= {page_key(sid, t) for sid, t in elsewhere if not (tab and t == tab)}
    return None if len(others) >= most else same


Person = tuple[str, str]  # (event, participant)


class OpenPages:
    """This process's sockets of each person, with their pages: whether one more may open
    (``admitted``), and which older sockets a reloaded page replaces."""

    def __init__(self) -> None:
        self._sockets: dict[Person, dict[str, str]] = {}  # person → sid → tab
        self._replacing: dict[str, list[str]] = {}  # a reloaded page's socket → its older ones
        self._replaced: set[str] = set()  # those older ones, closed once it is recorded

    def admit(
        self, person: Person, sid: str, tab: str, elsewhere: Iterable[tuple[str, str]], most: int
    ) -> bool:
        """Count the new socket ``sid`` of page ``tab`` in, if the person may open it."""
        mine = self._sockets.get(person, {})
        here = {s: t for s, t in mine.items() if s not in self._replaced}
        older = admitted(here, elsewhere, tab, most)
        if older is None:
            return False
        self._sockets.setdefault(person, {})[sid] = tab
        if older:
            self._replacing[sid] = older
            self._replaced.update(older)
        return True

    def recorded(self, sid: str) -> list[str]:
        """The socket is recorded (online, its page in charge or not): the older sockets of
        its page, to close now."""
        return self._replacing.pop(sid, [])

    def gone(self, sid: str, person: Person | None = None) -> None:
        """The socket closed (or its connection was refused after all: ``person`` unknown)."""
        self._replaced.discard(sid)
        self._replaced.difference_update(self._replacing.pop(sid, []))  # it went first
        for key in [person] if person is not None else list(self._sockets):
            mine = self._sockets.get(key)
            if mine is not None and mine.pop(sid, None) is not None and not mine:
                del self._sockets[key]


def page_payload(here: bool, reason: str) -> dict[str, Any]:
    """The ``page`` event: ``{here, reason}``."""
    return {"here": here, "reason": reason}


Moved = Callable[[str, str, str], Awaitable[None]]  # (event, person, page now in charge)


class PageCharge:
    """Asks the store who is in charge, and tells every process when that changed."""

    def __init__(self, store: Store, now: Callable[[], int]) -> None:
        self._store = store
        self._now = now

    async def came(self, event_id: str, pid: str, tab: str) -> bool:
        """A page's socket was recorded: whether that page is in charge (it never takes over
        a page in charge that still has a socket)."""
        pages, _ = await self._store.claim_page(event_id, pid, tab, False, self._now())
        return pages.holder == tab

    async def take(self, event_id: str, pid: str, tab: str) -> Pages:
        """The page asks to be in charge ("Continue here"): the other page is told, through
        every process."""
        pages, changed = await self._store.claim_page(event_id, pid, tab, True, self._now())
        if changed:
            await self._moved(event_id, pid, tab)
        return pages

    async def went(self, event_id: str, pid: str) -> None:
        """A socket of the person closed: if their page in charge has no socket left, another
        of their pages is handed charge (and moved into the call where it is)."""
        pages, changed = await self._store.claim_page(event_id, pid, None, False, self._now())
        if changed and pages.holder is not None:
            await self._moved(event_id, pid, pages.holder)

    async def _moved(self, event_id: str, pid: str, holder: str) -> None:
        message = Message(LINKS, MOVED, {"id": pid, "holder": holder})
        await self._store.publish(Note(event_id=event_id, version=-1, messages=[message]))
