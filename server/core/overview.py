"""What the host and moderators see of an event at a glance: the rooms of the round with their
members' link state and flags (alone, no video, poor link, help…), who waits, open help
requests and the roster. Built from the record, presence and the link reports; pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec

from .help import help_payload
from .model import DEFAULT_RULES, DeviceState, EventState, HelpRequest, LinkStats, MediaRules, Phase
from .payloads import person_payload, staff_payload

POOR_RTT_MS = 400.0
POOR_LOSS = 0.05
SETTING_UP_ICE = frozenset({"new", "checking"})
# relay_refused: relay-only, and the TURN server refused the page's credentials (never connects)
BROKEN_ICE = frozenset({"failed", "disconnected", "closed", "relay_refused"})


BLOCKED: frozenset[DeviceState | None] = frozenset({"blocked", "none"})
SWITCHED_MS = 60_000  # how long the board says someone moved to another page


class PageView(msgspec.Struct, frozen=True, kw_only=True):
    """A person's open pages, as the board is given them: how many have a socket, and when
    the person last moved from one page to another (``None``: never)."""

    tabs: int = 0
    switched_at: int | None = None


def page_flags(page: PageView | None, now: int | None) -> tuple[int, bool]:
    """``(pages, switched)`` of a person online: their open pages, and whether they moved to
    another one in the last ``SWITCHED_MS``."""
    if page is None:
        return 1, False
    recent = page.switched_at is not None and (now is None or now - page.switched_at < SWITCHED_MS)
    return max(page.tabs, 1), recent


class MemberView(msgspec.Struct, frozen=True, kw_only=True):
    """One member of a room as the moderators see them.

    ``camera`` and ``mic``: what their page says of its devices; ``seen`` and ``heard``: whether
    the others of the room receive their video and sound (``None``: not known yet).
    """

    id: str
    name: str
    organization: str
    side: str
    online: bool
    ice: str
    rtt_ms: float | None
    loss: float | None
    kbps: float | None
    camera: DeviceState | None = None
    mic: DeviceState | None = None
    seen: bool | None = None
    heard: bool | None = None
    pages: int = 1  # their pages open (two: the same link in two tabs or on two devices)
    switched: bool = False  # moved to another page lately (``SWITCHED_MS``)


class RoomView(msgspec.Struct, frozen=True, kw_only=True):
    """One room on the moderator board."""

    id: str
    round: int
    reason: str
    members: tuple[MemberView, ...]
    flags: tuple[str, ...]


def rooms_view(
    state: EventState,
    online: frozenset[str],
    stats: Mapping[str, LinkStats],
    helped: Iterable[str] = (),
    now: int | None = None,
    rules: MediaRules = DEFAULT_RULES,
    pages: Mapping[str, PageView] | None = None,
) -> list[RoomView]:
    """The rooms of the current round with their members' link state and flags (with
    ``pages``, ``two_pages`` when a member has a second page open and ``switched_page`` when
    one moved to another page lately: why their video went and came back).

    For ``rules.grace_ms`` after the round starts (when ``now`` is given), calls still being
    set up are not flagged ``no_video`` and missing media is not judged; a failed or dropped
    call is flagged at once.
    """
    record = state.current()
    if record is None or state.clock.phase is not Phase.ROUND:
        return []
    asking = set(helped)
    settling = now is not None and now - record.started_at < rules.grace_ms
    views: list[RoomView] = []
    for room in record.rooms:
        fresh = {
            pid: s
            for pid in room.members
            if pid in online and (s := stats.get(pid)) is not None and s.room == room.id
        }
        members = []
        for pid in room.members:
            p = state.participants[pid]
            s = fresh.get(pid)
            seen, heard = (None, None) if settling else _received(pid, fresh, now, rules)
            opened, switched = page_flags((pages or {}).get(pid), now)
            members.append(
                MemberView(
                    id=pid,
                    name=p.name,
                    organization=p.organization,
                    side=p.side,
                    online=pid in online,
                    ice=s.ice if s is not None else ("new" if pid in online else "gone"),
                    rtt_ms=s.rtt_ms if s is not None else None,
                    loss=s.loss if s is not None else None,
                    kbps=s.kbps if s is not None else None,
                    camera=s.camera if s is not None else None,
                    mic=s.mic if s is not None else None,
                    seen=seen,
                    heard=heard,
                    pages=opened if pid in online else 0,
                    switched=switched and pid in online,
                )
            )
        flags = _flags(members, asking & set(room.members), settling)
        views.append(
            RoomView(
                id=room.id,
                round=room.round,
                reason=room.reason,
                members=tuple(members),
                flags=flags,
            )
        )
    return views


def _received(
    pid: str, fresh: Mapping[str, LinkStats], now: int | None, rules: MediaRules
) -> tuple[bool | None, bool | None]:
    """Whether every other member reporting on ``pid`` gets their video, and their sound."""
    if pid not in fresh:
        return None, None
    quiet_video: list[int] = []
    quiet_audio: list[int] = []
    for other, s in fresh.items():
        if other == pid:
            continue
        for inbound in s.inbound:
            if inbound.source != pid:
                continue
            # nothing arrived at the last report: it has not arrived since either
            late = 0 if now is None else max(0, now - s.at)
            if inbound.video_ms is not None:
                quiet_video.append(inbound.video_ms + (late if inbound.video_ms else 0))
            if inbound.audio_ms is not None:
                quiet_audio.append(inbound.audio_ms + (late if inbound.audio_ms else 0))
    seen = max(quiet_video) < rules.no_video_ms if quiet_video else None
    heard = max(quiet_audio) < rules.no_audio_ms if quiet_audio else None
    return seen, heard


def _flags(members: list[MemberView], asking: set[str], settling: bool) -> tuple[str, ...]:
    flags: list[str] = []
    here = [m for m in members if m.online]
    if len(here) <= 1:
        flags.append("alone")
    late = BROKEN_ICE if settling else BROKEN_ICE | SETTING_UP_ICE
    unseen = any(m.seen is False for m in here)
    if (len(here) >= 2 and any(m.ice in late for m in here)) or unseen:
        flags.append("no_video")
    if any(m.heard is False for m in here):
        flags.append("no_audio")
    for device, values in (("camera", [m.camera for m in here]), ("mic", [m.mic for m in here])):
        if any(v in BLOCKED for v in values):
            flags.append(f"{device}_blocked")
        if "off" in values:
            flags.append(f"{device}_off")
    if any(
        (m.rtt_ms is not None and m.rtt_ms > POOR_RTT_MS)
        or (m.loss is not None and m.loss > POOR_LOSS)
        for m in here
    ):
        flags.append("poor_link")
    if any(m.pages > 1 for m in here):
        flags.append("two_pages")
    if any(m.switched for m in here):
        flags.append("switched_page")
    if asking:
        flags.append("help")
    return tuple(flags)


def board_payload(
    state: EventState,
    online: frozenset[str],
    stats: Mapping[str, LinkStats],
    helped: Sequence[HelpRequest],
    now: int | None = None,
    rules: MediaRules = DEFAULT_RULES,
    pages: Mapping[str, PageView] | None = None,
) -> dict[str, Any]:
    """The ``rooms`` update: rooms with flags, who waits, open help requests, the roster.

    ``helped`` is the open help requests (``logs.open_help`` of the help log); ``rules`` say
    when missing media flags a room; ``pages`` each person's open pages (the roster says how
    many, and whether they moved to another lately).
    """
    asking = [h.participant for h in helped]
    record = state.current()
    room_of: dict[str, str] = {}
    if record is not None and state.clock.phase.value == "round":
        room_of = {m: room.id for room in record.rooms for m in room.members}
    waiting_ids = waiting(state, online)
    board = msgspec.to_builtins(rooms_view(state, online, stats, asking, now, rules, pages))
    if board and record is not None:
        for room in board:  # the moderators in the room's call
            room["moderators"] = [staff_payload(v) for v in record.visitors(room["id"])]
    return {
        "rooms": board,
        "waiting": [
            {"id": pid, "name": state.participants[pid].name, "online": pid in online}
            for pid in waiting_ids
        ],
        "help": [help_payload(state, h) for h in helped],
        "participants": [
            {
                **person_payload(p),
                "online": p.id in online,
                "room": room_of.get(p.id),
                "stopped": p.stopped,
                **_pages_of(p.id, online, pages, now),
            }
            for p in state.participants.values()
        ],
        "seq": state.version,
    }


def _pages_of(
    pid: str, online: frozenset[str], pages: Mapping[str, PageView] | None, now: int | None
) -> dict[str, Any]:
    """``{pages, switched}`` of someone online (nothing when pages are not known)."""
    if pages is None or pid not in online:
        return {}
    count, switched = page_flags(pages.get(pid), now)
    return {"pages": count, "switched": switched}


def waiting(state: EventState, online: frozenset[str]) -> list[str]:
    """Who waits this round: the waiting list, then anyone online in no room (someone who
    just arrived, before their arrival is decided), except who asked not to be paired."""
    record = state.current()
    if record is None or state.clock.phase is not Phase.ROUND:
        return []
    placed = {m for room in record.rooms for m in room.members}
    listed = set(record.waiting)
    here = sorted(
        p
        for p in online
        if p not in placed
        and p not in listed
        and (x := state.participants.get(p)) is not None
        and not x.stopped
    )
    return [*record.waiting, *here]
