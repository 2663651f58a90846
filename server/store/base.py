"""The store interface every implementation honours (the contract suite checks it).

A store keeps, for each event:

- the **decided record** (``EventState``: clock, roster, rounds and rooms, wishes), versioned:
  ``commit`` writes a new version only on top of the one the command read (else ``Conflict``),
  and writes only the parts that changed (``parts.diff``);
- **append-only logs** (feedback, help, notices, audit), appended in the same commit;
- **counters** of connected call time (``meter``), added to on link reports, kept;
- **transient data**: who is online (per process, expiring with it), link stats, the next-round
  previews, the staff board last sent;
- **blobs**: bytes too big for the record (a person's photo), by key, beside it: written and
  read on their own, never with the record, and forgotten with the event;
- a **lease** per event: the one process that runs its conductor and its board;
- the **feed**: every commit publishes a ``Note`` (the change's messages, its new timer) that
  every process hears, in commit order; each process delivers the messages to its own sockets.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import msgspec

from ..core.deadlines import Timer, timer_of
from ..core.logs import Log, log_of
from ..core.matching import RoundPlan
from ..core.model import Entry, EventState, LinkStats, TokenRef
from ..core.outcome import Message
from ..results.meter import Key


class Note(msgspec.Struct, frozen=True, kw_only=True):
    """What every process hears of a change to an event (or of a batch of messages).

    ``changed``: the decided record moved to ``version`` (``timer`` is then its new timer, and
    ``rooms`` says whether the phase or the current round's rooms changed).
    """

    event_id: str
    version: int
    messages: list[Message] = msgspec.field(default_factory=list)
    changed: bool = False
    timer: Timer | None = None
    rooms: bool = False


def note_of(before: EventState, after: EventState, messages: list[Message]) -> Note:
    """The note of a committed change from ``before`` to ``after``."""
    if after is before:
        return Note(event_id=after.id, version=after.version, messages=messages)
    return Note(
        event_id=after.id,
        version=after.version,
        messages=messages,
        changed=True,
        timer=timer_of(after),
        rooms=after.clock.phase is not before.clock.phase
        or after.current() is not before.current(),
    )


@dataclass
class Change:
    """One commit: a new version of the record (or none), log entries, and the note to publish.

    ``id`` makes a commit that is sent again (after a lost reply) apply only once. ``fence``: the
    committer's lease on the event (the conductor's): the commit is refused with ``Fenced``
    unless that lease is still the current one.
    """

    base: EventState
    state: EventState | None
    entries: Sequence[Entry] = ()
    note: Note | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    fence: int | None = None

    @property
    def event_id(self) -> str:
        return self.base.id


class Swept(msgspec.Struct, frozen=True, kw_only=True):
    """What went with the processes a sweep gave up for dead: ``(event, participant)`` of
    everyone who went offline, ``(event, staff page)`` of every host or moderator page."""

    people: list[tuple[str, str]] = msgspec.field(default_factory=list)
    staff: list[tuple[str, str]] = msgspec.field(default_factory=list)


class Pages(msgspec.Struct, frozen=True, kw_only=True):
    """A person's open pages (one a browser tab, named by the tab's own id): which one is in
    charge (the one page that calls and is called; the others only say so), the one that was
    before the last change, how many have a socket now, and when charge last went from one
    page with a socket to another (``switched_at``: someone moved to another tab or device)."""

    holder: str | None = None
    before: str | None = None
    tabs: int = 0
    switched_at: int | None = None


def claimed(current: Pages, live: Sequence[str], tab: str | None, take: bool, now: int) -> Pages:
    """``claim_page``'s rule (the Redis store runs the same in a script): who is in charge
    once ``tab`` asked, of the pages ``live`` (those with a socket; ``tab`` ``None`` hands
    charge to the first of them when the page in charge has none left)."""
    holder = current.holder
    gone = holder is None or holder not in live
    if tab is None:
        chosen = live[0] if gone and live else None
    else:
        chosen = tab if tab in live and (take or gone or holder == tab) else None
    if chosen is None or chosen == holder:
        return msgspec.structs.replace(current, tabs=len(live))
    switched = now if holder is not None and not gone else current.switched_at
    return Pages(holder=chosen, before=holder, tabs=len(live), switched_at=switched)


class Subscriber(Protocol):
    """Hears the feed (the app's dispatcher: signaling, delivery, conductor, board)."""

    async def on_note(self, note: Note) -> None:
        """A change was committed, or messages were published."""

    async def on_link(self, up: bool) -> None:
        """The feed was lost (notes may be missed) or is back (resynchronise)."""


class RecordStore(Protocol):
    """The decided record of each event, the links that open it, what is kept of forgotten ones."""

    proc: str  # this process's id (presence and leases are per process)

    async def open(self) -> None:
        """Connect or load; called once before use."""

    async def close(self) -> None:
        """Flush and release resources (the data folder, leases held, presence)."""

    async def check(self) -> None:
        """Raise ``Unavailable`` unless the store takes a write right now (``/healthz``)."""

    async def create(self, state: EventState) -> None:
        """Store a new event; ``Conflict`` if its id exists."""

    async def load(self, event_id: str) -> EventState | None:
        """The latest version of an event, or ``None``."""

    async def commit(self, change: Change) -> None:
        """Write ``change`` at once: the new version (``Conflict`` unless ``change.state`` is
        exactly one version after the stored one, which must be ``change.base``'s), the log
        entries, then publish its note. ``change.state`` ``None`` only appends and publishes.
        ``Fenced`` when ``change.fence`` is not this process's current lease on the event.
        """

    async def delete(self, state: EventState, keep: bytes | None = None) -> None:
        """Forget the event (the latest version, ``state``): its record, logs, links, blobs and
        transient data, on Redis its lease too, so that nothing personal of it is left. In the
        same step, ``keep`` (what is left of a forgotten event: its anonymised figures) is kept
        under the event's id (``archived``)."""

    async def archived(self, event_id: str) -> bytes | None:
        """What was kept of a forgotten event (``delete``'s ``keep``), or ``None``."""

    async def archived_ids(self) -> list[str]:
        """The ids of the forgotten events of which something is kept."""

    async def event_ids(self) -> list[str]:
        """Every event's id, oldest first."""

    async def live_ids(self) -> list[str]:
        """Events that have not ended, oldest first."""

    async def ended_between(self, first: int, last: int) -> list[str]:
        """Events whose end — or, while one has not ended, its announced start
        (``retention.since``) — falls between ``first`` and ``last`` (epoch ms): what the
        hourly sweeps read instead of every event."""

    async def resolve(self, token: str) -> TokenRef | None:
        """What a secret link's token opens, or ``None``."""


class LogStore(Protocol):
    """The append-only logs of each event (appended by ``RecordStore.commit``)."""

    async def entries(self, event_id: str, log: Log, start: int = 0) -> list[Entry]:
        """The entries of one log of an event, from the ``start``-th on, in order."""


class BlobStore(Protocol):
    """Bytes beside the record (a person's photo), written and read on their own."""

    async def put_blob(self, event_id: str, key: str, data: bytes) -> None:
        """Keep ``data`` under ``key`` in the event's blob area (replacing what was there)."""

    async def blob(self, event_id: str, key: str) -> bytes | None:
        """The bytes kept under ``key``, or ``None``."""

    async def drop_blob(self, event_id: str, key: str) -> None:
        """Forget what is kept under ``key`` (nothing happens if nothing is)."""


class TransientStore(Protocol):
    """What is rewritten as it comes: link reports, the board last sent, call counters, the
    next-round cards and pairing."""

    async def put_stats(self, event_id: str, participant_id: str, stats: LinkStats) -> None:
        """Keep a participant's latest link report (and mark the event touched)."""

    async def stats(self, event_id: str) -> dict[str, LinkStats]:
        """Every participant's latest link report."""

    async def peer_stats(
        self, event_id: str, participant_ids: Sequence[str]
    ) -> dict[str, LinkStats]:
        """The latest link reports of these participants only (those who sent one)."""

    async def put_board(self, event_id: str, board: dict[str, object]) -> None:
        """Keep the staff board last sent (what a late host or moderator is shown first)."""

    async def board(self, event_id: str) -> dict[str, object] | None:
        """The staff board last sent, or ``None``."""

    async def add_connected(self, event_id: str, credits: Mapping[Key, int]) -> None:
        """Add milliseconds of connected call to counters by ``(room, reporter, peer)``
        (``meter.credit``); kept with the event's results (a crash may lose the last second)."""

    async def connected(self, event_id: str) -> dict[Key, int]:
        """The event's connected-call counters by ``(room, reporter, peer)``, in milliseconds."""

    async def put_previews(self, event_id: str, previews: dict[str, dict[str, object]]) -> None:
        """Keep these participants' next-round previews (the ``next`` event)."""

    async def preview(self, event_id: str, participant_id: str) -> dict[str, object] | None:
        """A participant's latest next-round preview."""

    async def put_plan(self, event_id: str, key: str, plan: RoundPlan) -> None:
        """Keep the pairing made for the next round, for the state and people ``key`` names."""

    async def plan(self, event_id: str) -> tuple[str, RoundPlan] | None:
        """The latest pairing kept for the next round, with its key."""


class PresenceStore(Protocol):
    """Who is online, per process, expiring with the process."""

    async def connect(self, event_id: str, participant_id: str, sid: str, tab: str = "") -> bool:
        """Record a participant's socket on this process, and the page (``tab``) it belongs to;
        ``True`` when they just came online."""

    async def disconnect(self, event_id: str, participant_id: str, sid: str, tab: str = "") -> bool:
        """Forget a socket (recorded with ``tab``); ``True`` when the participant just went
        offline."""

    async def claim_page(
        self, event_id: str, participant_id: str, tab: str | None, take: bool, now: int
    ) -> tuple[Pages, bool]:
        """Put the page ``tab`` in charge of the person's pages when it may, at once on every
        process: it has a socket, and it asks to (``take``), or no page is in charge, or the
        one in charge has no socket left, or it is that page already (a reload). ``tab``
        ``None``: only hand charge to a page with a socket when the one in charge has none
        left. Also counts the pages with a socket (what ``pages`` says). The pages after, and
        whether this call changed the page in charge."""

    async def pages(self, event_id: str) -> dict[str, Pages]:
        """Every person's pages as the last ``claim_page`` of theirs left them."""

    async def elsewhere(self, event_id: str, participant_id: str) -> list[tuple[str, str]]:
        """``(sid, tab)`` of each socket of the participant recorded by another process, sorted (how
        many pages they have open there: a link opens only a few, on all processes)."""

    async def online(self, event_id: str) -> frozenset[str]:
        """Participants with at least one socket on a live process."""

    async def heartbeat(self) -> bool:
        """Say this process is alive; ``False`` if it had been given up for dead (its sockets
        were forgotten and must be recorded again)."""

    async def sweep(self) -> Swept:
        """Forget the sockets and staff pages of processes that stopped beating: who went
        offline with them, and which staff pages (their moderators' calls are left)."""

    async def staff_join(self, event_id: str, staff_id: str) -> int:
        """Number a moderator page of this process in the event: the lowest number no page of
        the event holds on any process (the same again for a page numbered already)."""

    async def staff_leave(self, event_id: str, staff_id: str) -> None:
        """The page is gone: its number is free (nothing happens if it held none)."""

    async def alive(self) -> frozenset[str]:
        """The processes alive now (their heartbeat within the presence timeout): what a
        process that died left half done (e-mails queued, not sent) is taken up by another."""

    async def take_touched(self, event_id: str) -> bool:
        """Whether presence or link stats of the event changed since the last call."""


class LeaseStore(Protocol):
    """Which process runs each live event (its conductor, board and mail timers)."""

    async def live_ids(self) -> list[str]:
        """Events that have not ended, oldest first."""

    async def lease(self, event_id: str, ttl_ms: int) -> int | None:
        """Take or renew this process's lease on an event for ``ttl_ms``: its fencing version
        (higher on every new holder), or ``None`` while another process holds it."""

    async def release(self, event_id: str) -> None:
        """Give up this process's lease on an event (another may take it at once)."""


class FeedStore(Protocol):
    """Every commit's note, heard by every process in commit order."""

    async def publish(self, note: Note) -> None:
        """Publish messages (a note with ``changed`` false) to every process."""

    def subscribe(self, subscriber: Subscriber) -> None:
        """Who hears the feed in this process (one subscriber; set before ``open``)."""


class Store(
    RecordStore, LogStore, BlobStore, TransientStore, PresenceStore, LeaseStore, FeedStore, Protocol
):
    """Events, their logs, presence, leases and the change feed: every part above, as both
    stores implement them (the contract suite checks it). A part of the server that needs only
    one of them takes that one."""


def by_log(entries: Sequence[Entry]) -> dict[Log, list[Entry]]:
    """Entries grouped by the log they go to, each in the order given."""
    out: dict[Log, list[Entry]] = {}
    for e in entries:
        out.setdefault(log_of(e), []).append(e)
    return out
