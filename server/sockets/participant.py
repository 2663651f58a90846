"""``/participant``: a person's page: signaling, link reports, help, ratings, wishes, the
directory, their profile, stopping and coming back."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from .. import rooms
from ..core import feedback, help, logs, payloads, rounds
from ..core.model import EventState, Inbound, LinkStats, Phase, TokenRef
from ..errors import SpeedmeetError, UserError
from ..live.calls import CallMeter
from ..live.chat import Chat
from ..live.delivery import Delivery
from ..live.media import DeviceRelay
from ..live.owner import ONLINE, Owner
from ..live.pages import (
    ELSEWHERE,
    HERE,
    TAKEN,
    OpenPages,
    PageCharge,
    page_payload,
    tab_of,
)
from ..live.targets import event_room, person_room
from ..metrics import Metrics
from ..people import directory, profiles, wishes
from ..people.directory import set_wish, wish_candidates
from ..results import summary
from ..signaling import Signaling
from .inputs import (
    ChatText,
    Empty,
    Feedback,
    Help,
    ProfileEdit,
    SetWish,
    Signal,
    Stats,
)
from .quotas import SocketLimits
from .role import Role, acked, refused

log = logging.getLogger(__name__)


def link_stats(body: Stats, now: int) -> LinkStats:
    """What is kept of one ``stats`` report."""
    return LinkStats(
        room=body.room,
        ice=body.ice,
        rtt_ms=body.rtt_ms,
        loss=body.loss,
        kbps=body.kbps,
        at=now,
        camera=body.camera,
        mic=body.mic,
        inbound=tuple(
            Inbound(
                source=a.source,
                audio_ms=None if a.audio_ms is None else round(a.audio_ms),
                video_ms=None if a.video_ms is None else round(a.video_ms),
            )
            for a in body.inbound
        ),
    )


class ParticipantNamespace(Role):
    """``/participant``: signaling, link stats, help, feedback, wishes."""

    role = "participant"

    def __init__(
        self,
        owner: Owner,
        metrics: Metrics,
        limits: SocketLimits,
        signaling: Signaling,
        delivery: Delivery,
    ) -> None:
        super().__init__(owner, metrics, limits)
        self.signaling = signaling
        self.delivery = delivery
        self.devices = DeviceRelay(owner.store, signaling)
        self.calls = CallMeter(owner.store, owner.now)
        self._writes: dict[str, asyncio.Lock] = {}  # each socket's presence, in order
        self._arrived: set[str] = set()  # sockets recorded online by their greeting
        self.chat = Chat(signaling, owner.now, metrics)
        self.charge = PageCharge(owner.store, owner.now)
        self.tabs: dict[str, str] = {}  # each socket's page (its tab id)
        self.held: set[str] = set()  # sockets of a page not in charge: in no call
        self.opened = OpenPages()  # each person's sockets here, by page: a few at most

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        """Note the page the socket belongs to (``auth.tab``), then as every role."""
        self.tabs[sid] = tab_of(auth)
        try:
            await super().on_connect(sid, environ, auth)
        except BaseException:
            self.tabs.pop(sid, None)
            self.opened.gone(sid)
            raise

    async def admit(self, sid: str, ref: TokenRef) -> None:
        """At most ``limits.pages`` pages of one link at once, on every process (``admitted``):
        one more is refused; a reload of a page gets in and replaces its older socket."""
        assert ref.participant_id is not None
        person, most = (ref.event_id, ref.participant_id), self.limits.pages
        elsewhere = await self.owner.store.elsewhere(*person)
        if not self.opened.admit(person, sid, self.tabs.get(sid, ""), elsewhere, most):
            self.metrics.refused.labels("too_many_pages").inc()
            raise refused(
                "too_many_pages",
                f"This link is open in {most} pages already (tabs or devices): close one of "
                "them, then try again here.",
                most=most,
            )

    def pid(self, sid: str) -> str:
        """The participant id of a socket."""
        pid = self.ref(sid).participant_id
        assert pid is not None
        return pid

    def rooms(self, ref: TokenRef) -> list[str]:
        """The event's room and the personal one."""
        assert ref.participant_id is not None
        return [event_room(ref.event_id), person_room(ref.event_id, ref.participant_id)]

    def rooms_of(self, sid: str, ref: TokenRef) -> list[str]:
        """A page not in charge hears the event (its clock), nothing of the person's call."""
        return [event_room(ref.event_id)] if sid in self.held else self.rooms(ref)

    def in_charge(self, sid: str) -> None:
        """Refuse what only the page in charge may do (call, report, write in the room)."""
        if sid in self.held:
            raise UserError(
                "page_elsewhere",
                "This page is open in another tab or on another device: "
                "press “Continue here” to use this one.",
            )

    async def arrive(self, sid: str, ref: TokenRef) -> None:
        """Go online: during a round, paired at once with whoever is free (``rounds.arrive``);
        else a round that starts from now on pairs them."""
        pid = ref.participant_id
        assert pid is not None
        async with self._presence(sid):
            if sid not in self.who:
                return  # gone while the greeting waited: nothing of it is to be written
            self._arrived.add(sid)
            self.delivery.arrived(ref.event_id, pid)
            tab = self.tabs.get(sid, "")
            joined = await self.owner.store.connect(ref.event_id, pid, sid, tab)
            if not await self.charge.came(ref.event_id, pid, tab):
                self.held.add(sid)
        for older in self.opened.recorded(sid):  # the page's socket before its reload
            if older in self.who:
                self.greetings.start(self.drop(older), name=f"replaced {older}")
        if joined:
            state = await self.owner.store.load(ref.event_id)
            if state is not None:
                await self.announce(state, pid, online=True)
                if rooms.may_seat(state, pid):
                    await self.seat(ref.event_id, pid)

    def _presence(self, sid: str) -> asyncio.Lock:
        """The lock that keeps one socket's presence writes in order: its coming, whenever its
        greeting runs, and its going (each write may be slow, and may go out on another of
        the store's connections)."""
        return self._writes.setdefault(sid, asyncio.Lock())

    async def seat(self, event_id: str, pid: str) -> None:
        """Decide the arrival through the owner (once, whichever process runs it first); a
        failure leaves them waiting, where a repair or the next round finds them."""
        try:
            await self.owner.apply(
                event_id, lambda s, c: rounds.arrive(s, pid, c.online, c.now), needs=(ONLINE,)
            )
        except SpeedmeetError as exc:
            log.warning("arrival of %s in %s not decided: %s", pid, event_id, exc.message)

    async def welcome(self, sid: str, ref: TokenRef, state: EventState) -> None:
        """Send clock, assignment, the next-round card, and the summary once ended."""
        pid = ref.participant_id
        assert pid is not None
        clock = payloads.clock_payload(state, self.owner.now())
        await self.tell(sid, "clock", clock)
        if sid in self.held:  # says so, and nothing of the call
            await self.tell(sid, "page", page_payload(False, ELSEWHERE))
            return
        assignment = self.signaling.complete(payloads.assignment_payload(state, pid, clock), pid)
        await self.tell(sid, "assignment", assignment)
        await self.tell(sid, "page", page_payload(True, HERE))
        if assignment.get("room") and assignment["peers"]:
            peers = [p["id"] for p in assignment["peers"]]
            for told in await self.devices.catch_up(state.id, assignment["room"], peers):
                await self.tell(sid, "peer_media", told)
        preview = await self.owner.store.preview(state.id, pid)
        if preview is not None and _upcoming(state, preview, assignment["room"]):
            await self.tell(sid, "next", self.signaling.ahead(preview, pid))
        if state.clock.phase is Phase.ENDED:
            rated = logs.ratings(await self.owner.store.entries(state.id, "feedback"))
            counters = await self.owner.store.connected(state.id)
            await self.tell(sid, "summary", summary.summary_payload(state, rated, pid, counters))

    async def announce(self, state: EventState, pid: str, online: bool) -> None:
        """Tell the others of ``pid``'s room that they came or went (on any process)."""
        room = state.room_of(pid)
        for other in room.members if room else ():
            if other != pid:
                await self.signaling.cross(state.id, other, "peer", {"id": pid, "online": online})

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        """Go offline when the last socket of this participant closes."""
        ref = self.who.get(sid)
        self.calls.forget(sid)
        tab = self.tabs.pop(sid, "")
        self.held.discard(sid)
        self.opened.gone(sid, (ref.event_id, ref.participant_id or "") if ref else None)
        await super().on_disconnect(sid, reason)  # from now on its greeting writes nothing
        self.devices.forget(sid)
        if ref is None or ref.participant_id is None:
            return
        recorded = False
        async with self._presence(sid):  # after its coming, if that is being written
            if sid not in self._arrived:
                gone = False  # its greeting never recorded it
            else:
                recorded = True
                self._arrived.discard(sid)
                self.delivery.left(ref.event_id, ref.participant_id)
                gone = await self.owner.store.disconnect(ref.event_id, ref.participant_id, sid, tab)
        self._writes.pop(sid, None)
        if recorded:  # its page may have been the one in charge: another one takes it
            await self.charge.went(ref.event_id, ref.participant_id)
        if gone:
            state = await self.owner.store.load(ref.event_id)
            if state is not None:
                await self.announce(state, ref.participant_id, online=False)

    async def present_again(self) -> None:
        """This process had been given up for dead: record every socket it holds again."""
        for sid, ref in list(self.who.items()):
            if ref.participant_id is None:
                continue
            async with self._presence(sid):
                if sid in self._arrived and sid in self.who:  # not one that just left
                    tab = self.tabs.get(sid, "")
                    await self.owner.store.connect(ref.event_id, ref.participant_id, sid, tab)

    async def moved(self, event_id: str, pid: str, holder: str) -> None:
        """Another page of ``pid`` is in charge now (``holder``): of this process's sockets of
        theirs, that page's go into the call, and every other page's leave it and are told."""
        for sid, ref in list(self.who.items()):
            if ref.event_id != event_id or ref.participant_id != pid or sid not in self._arrived:
                continue
            if self.tabs.get(sid, "") == holder and sid in self.held:
                self.held.discard(sid)
                await self.enter_room(sid, person_room(event_id, pid))
                state = await self.owner.store.load(event_id)
                if state is not None and sid in self.who:
                    await self.welcome(sid, ref, state)
            elif self.tabs.get(sid, "") != holder and sid not in self.held:
                self.held.add(sid)
                await self.leave_room(sid, person_room(event_id, pid))
                self.calls.forget(sid)  # its calls end: nothing more to count of them
                self.devices.forget(sid)
                await self.tell(sid, "page", page_payload(False, TAKEN))

    @acked(Empty)
    async def on_take(self, sid: str, body: Empty) -> dict[str, Any]:
        """ "Continue here": this page is in charge from now on; the one that was is told (on
        whichever process), and the partner's call moves here once."""
        ref = self.ref(sid)
        pid, tab = self.pid(sid), self.tabs.get(sid, "")
        if sid not in self._arrived:
            raise UserError("not_ready", "This page is still connecting; try again in a moment.")
        pages = await self.charge.take(ref.event_id, pid, tab)
        return {"here": pages.holder == tab}

    @acked(Signal)
    async def on_signal(self, sid: str, body: Signal) -> dict[str, Any]:
        """Relay an SDP description or ICE candidate to a peer of the same room, nobody else
        (or, marked ``next``, to a person of the next round's card during the break)."""
        self.in_charge(sid)
        event_id, pid = self.ref(sid).event_id, self.pid(sid)
        await self.signaling.relay(event_id, pid, body.to, body.data, body.next)
        return {}

    @acked(ChatText)
    async def on_chat(self, sid: str, body: ChatText) -> dict[str, Any]:
        """Write to the others of your room's call this round (relayed, kept nowhere)."""
        self.in_charge(sid)
        text = self.limits.chat_text(body.text)
        return await self.chat.send(self.ref(sid).event_id, self.pid(sid), body.room, text)

    @acked(Stats)
    async def on_stats(self, sid: str, body: Stats) -> dict[str, Any]:
        """Keep the browser's report for the board; tell the room if its devices changed; count
        the time each of its calls was connected (``CallMeter``). Only about the person's own
        room this round and its members (``Signaling.reporting``): else nothing is written."""
        self.in_charge(sid)
        event_id, pid, stats = (
            self.ref(sid).event_id,
            self.pid(sid),
            link_stats(body, self.owner.now()),
        )
        peers = [(p.id, p.ice) for p in body.peers]
        await self.signaling.reporting(event_id, pid, body.room, [p for p, _ in peers])
        await self.calls.reported(event_id, pid, sid, body.room, body.ice, peers)
        await self.owner.store.put_stats(event_id, pid, stats)
        await self.devices.reported(event_id, pid, sid, stats)
        return {}

    @acked(Help)
    async def on_help(self, sid: str, body: Help) -> dict[str, Any]:
        """Ask the moderators for help."""
        pid = self.pid(sid)
        await self.owner.apply(
            self.ref(sid).event_id,
            lambda s, c: help.ask_help(s, pid, body.text, c.now, body.reason),
        )
        return {}

    @acked(Feedback)
    async def on_feedback(self, sid: str, body: Feedback) -> dict[str, Any]:
        """Rate a meeting and say whether to follow up, and why. After the end, the people of
        that meeting get their summary again (a follow-up may have just become mutual)."""
        pid = self.pid(sid)
        outcome = await self.owner.apply(
            self.ref(sid).event_id,
            lambda s, c: feedback.give_feedback(
                s,
                pid,
                body.room,
                body.rating,
                body.follow_up,
                body.note,
                c.now,
                body.peer,
                body.reasons,
            ),
        )
        room = outcome.state.find_room(body.room)
        if outcome.state.clock.phase is Phase.ENDED and room is not None:
            await self.owner.send_summaries(outcome.state, room.members)
        return {}

    @acked(Empty)
    async def on_to_rate(self, sid: str, body: Empty) -> dict[str, Any]:
        """The meetings I have not rated yet, most recent first (offered again in breaks)."""
        state = await self.owner.get(self.ref(sid).event_id)
        rated = logs.ratings(await self.owner.store.entries(state.id, "feedback"))
        counters = await self.owner.store.connected(state.id)
        return {"meetings": summary.to_rate(state, rated, self.pid(sid), counters)}

    @acked(Empty)
    async def on_wishes(self, sid: str, body: Empty) -> dict[str, Any]:
        """Whom I may wish to meet, and my wishes so far."""
        pid = self.pid(sid)
        state = await self.owner.get(self.ref(sid).event_id)
        return {
            "candidates": wish_candidates(state, pid),
            "wishes": wishes.own_wishes(state, pid),
        }

    @acked(SetWish)
    async def on_wish(self, sid: str, body: SetWish) -> dict[str, Any]:
        """Set or clear my wish about one person."""
        pid = self.pid(sid)
        outcome = await self.owner.apply(
            self.ref(sid).event_id, lambda s, _c: set_wish(s, pid, body.to, body.level)
        )
        return outcome.result

    @acked(Empty)
    async def on_directory(self, sid: str, body: Empty) -> dict[str, Any]:
        """The people I may browse (and what of them), my wishes, the tags in use."""
        state = await self.owner.get(self.ref(sid).event_id)
        # off the loop: the suggestions may compute the event's relevance matrix
        return await self.owner.pools.work(directory.payload, state, self.pid(sid))

    @acked(ProfileEdit)
    async def on_profile(self, sid: str, body: ProfileEdit) -> dict[str, Any]:
        """Change my pitch, tags or website (until the event starts)."""
        pid, values = self.pid(sid), body.given()
        outcome = await self.owner.apply(
            self.ref(sid).event_id, lambda s, c: profiles.edit_own(s, pid, values, c.now)
        )
        return outcome.result

    @acked(Empty)
    async def on_stop(self, sid: str, body: Empty) -> dict[str, Any]:
        """Ask not to be paired again (the current meeting goes on)."""
        pid = self.pid(sid)
        await self.owner.apply(self.ref(sid).event_id, lambda s, c: rounds.stop(s, pid, c.now))
        return {}

    @acked(Empty)
    async def on_rejoin(self, sid: str, body: Empty) -> dict[str, Any]:
        """Undo "I have to leave": paired again (at once if someone is free)."""
        pid = self.pid(sid)
        outcome = await self.owner.apply(
            self.ref(sid).event_id,
            lambda s, c: rounds.rejoin(s, pid, c.online, c.now, pid),
            needs=(ONLINE,),
        )
        return outcome.result


def _upcoming(state: EventState, preview: dict[str, Any], room: str | None) -> bool:
    """Whether a stored ``next`` card is still to come: in the lobby and breaks, or during a
    round for someone in no room (a card for the round after this one)."""
    if state.clock.phase in (Phase.LOBBY, Phase.BREAK):
        return True
    return (
        state.clock.phase is Phase.ROUND
        and room is None
        and preview.get("round") == state.clock.round + 1
    )
