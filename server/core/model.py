"""The event model: immutable records that the core transforms and the store persists."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

import msgspec

MatchingMode = Literal["bipartite", "open"]
OddPolicy = Literal["trio", "wait"]
WishLevel = Literal["must", "like", "no"]
RoomReason = Literal["mutual_wish", "wish", "fill", "moved", "repaired"]
HelpReason = Literal["no_sound", "no_video", "partner_absent", "other"]
StaffRole = Literal["host", "moderator"]
# why someone wants to follow up with a person they met (several may be chosen)
FollowUpReason = Literal["conversation", "documentation", "demonstration", "experiment", "purchase"]
# who may browse the directory of profiles: everyone; self-registered people names and
# organisations only; only people the organiser registered; nobody
DirectoryAccess = Literal["everyone", "names", "invited_only", "none"]
# which ICE candidates the browsers may use: any, or only the TURN relay's (no address of a person
# reaches another person)
IcePolicy = Literal["all", "relay"]


class Phase(StrEnum):
    """Where the event's clock stands."""

    LOBBY = "lobby"
    ROUND = "round"
    BREAK = "break"
    ENDED = "ended"


class Clock(msgspec.Struct, frozen=True, kw_only=True):
    """The server-authoritative clock: a deadline while running, a remainder when paused."""

    phase: Phase = Phase.LOBBY
    round: int = 0
    rounds: int = 1
    ends_at: int | None = None
    remaining_ms: int | None = None
    paused: bool = False
    opened: bool = False
    started_at: int | None = None
    ended_at: int | None = None  # when the event ended (None: not yet, or an earlier version)


class Matching(msgspec.Struct, frozen=True, kw_only=True):
    """How people are paired: two sides (cross-side pairs only) or anyone with anyone."""

    mode: MatchingMode = "open"
    sides: tuple[str, ...] = ()
    odd: OddPolicy = "trio"


class Signup(msgspec.Struct, frozen=True, kw_only=True):
    """The registration link's rules: open or not, how many places the event has (everyone
    counted), until when, and the data policy people consent to (``""``: the server's)."""

    open: bool = True
    cap: int | None = None
    closes_at: int | None = None
    policy: str = ""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """The event's timing and matching, as the organiser set them."""

    title: str
    round_seconds: int
    break_seconds: int
    rounds: int
    matching: Matching = Matching()
    no_show_seconds: int = 45
    language: str = "en"
    starts_at: int | None = None  # when the event is announced to start (invitations, .ics)
    reminder_minutes: int = 0  # a reminder e-mail this long before starts_at (0: none)
    signup: Signup = Signup()
    directory: DirectoryAccess = "everyone"  # what self-registered people see of the roster
    tags: tuple[str, ...] = ()  # the event's known tags, suggested to people (profiles.py)
    ice_transport_policy: IcePolicy = "all"  # "relay": calls only through the TURN relay
    # relevance from profiles in the matching, the suggestions and the reasons (relevance/)
    relevance: bool = True
    synonyms: tuple[str, ...] = ()  # the event's own, one group a line: "mobilité ~ transports"


class Participant(msgspec.Struct, frozen=True, kw_only=True):
    """One registered person."""

    id: str
    name: str
    token_hash: str  # of their link's token (links.token_hash): what opens their pages
    # the token itself, so that every e-mail carries the link they have (a mailing never
    # replaces it): sealed at rest like ``email`` (store/parts.py), never on the wire; ""
    # when it cannot be recovered (made before tokens were kept: their next e-mail makes one)
    token: str = ""
    # of the link to their summary alone (sent by e-mail after the event): it opens the summary
    # and the contacts, not the event's page, so sending it leaves their own link working
    summary_token_hash: str = ""
    # the link to their follow-up rooms alone (made at their first booking; sealed at rest like
    # ``token``): what a calendar invitation carries, so that forwarding it opens nothing else
    room_token: str = ""
    room_token_hash: str = ""
    organization: str = ""
    side: str = ""
    email: str = ""
    stopped: bool = False
    language: str = ""  # "en" or "fr" for their pages and e-mails; "": the event's
    signed_up: bool = False  # came through the registration link (not the organiser's list)
    # the profile others see (profiles.py); ``photo`` is the stored photo's digest, "" for none:
    # the image itself lives beside the record, in the event's blob area of the store
    pitch: str = ""
    tags: tuple[str, ...] = ()
    label: str = ""
    website: str = ""
    photo: str = ""
    # their own audited actions so far (profile edits, photos, leaving and coming back): the
    # audit log keeps at most ``outcome.OWN_ENTRIES`` of them, this counts them all
    acted: int = 0


def person_order(pid: str) -> tuple[int, str]:
    """Sort key of registration order: ids are ``p1``, ``p2``, … ``p10`` as people register."""
    return len(pid), pid


class Wish(msgspec.Struct, frozen=True, kw_only=True):
    """``source`` wants (or does not want) to meet ``target``."""

    source: str
    target: str
    level: WishLevel


def wish_key(source: str, target: str) -> str:
    """The key of the one wish ``source`` may hold about ``target``."""
    return f"{source}>{target}"


class Room(msgspec.Struct, frozen=True, kw_only=True):
    """Who meets whom in one round, and why they were put together."""

    id: str
    round: int
    members: tuple[str, ...]
    reason: RoomReason = "fill"
    started_at: int | None = None  # made during the round (a re-pairing); None: at its start


class Staff(msgspec.Struct, frozen=True, kw_only=True):
    """One host or moderator page (a socket), as participants and the other staff see it.

    ``number`` is the page's place among the moderator pages of one process ("Moderator 2");
    ``name`` what the moderator typed on their board, if anything. Pages render the label.
    """

    id: str
    role: StaffRole
    number: int = 0
    name: str = ""


class Visit(msgspec.Struct, frozen=True, kw_only=True):
    """A moderator in a room's call this round (a third video: they see, hear and speak)."""

    room: str
    staff: Staff


class RoundRecord(msgspec.Struct, frozen=True, kw_only=True):
    """The rooms of one round as it was actually played."""

    round: int
    started_at: int
    rooms: tuple[Room, ...] = ()
    waiting: tuple[str, ...] = ()
    no_shows_checked: bool = False
    rooms_made: int = 0  # room ids handed out this round (dropped rooms' ids are not reused)
    late: tuple[str, ...] = ()  # of ``waiting``: who came after the round was paired
    alone: tuple[str, ...] = ()  # whom the no-show check left alone in their room
    ended_at: int | None = None  # when the round stopped (None: still on, or an earlier version)
    planned: tuple[tuple[str, ...], ...] = ()  # the rooms' members as the round was paired
    absent: tuple[str, ...] = ()  # of ``planned``: who was not there at the no-show check
    visits: tuple[Visit, ...] = ()  # moderators in a room's call (one room each at most)

    def visitors(self, room_id: str) -> list[Staff]:
        """The moderators in this room's call."""
        return [v.staff for v in self.visits if v.room == room_id]


class Feedback(msgspec.Struct, frozen=True, kw_only=True, tag="feedback"):
    """A participant's rating of one person they met (a later one for the same room and peer
    replaces it). ``peer`` is ``""`` in entries of earlier versions: the whole meeting."""

    participant: str
    room: str
    rating: int
    peer: str = ""
    follow_up: bool = False
    note: str = ""
    at: int = 0
    reasons: tuple[FollowUpReason, ...] = ()  # why follow up (only with ``follow_up``)


class HelpRequest(msgspec.Struct, frozen=True, kw_only=True, tag="help"):
    """A participant asked the moderators for help (a later one replaces it).

    ``claimed_by`` is never logged: ``logs.open_help`` fills it from the claims that follow.
    """

    participant: str
    room: str | None
    text: str
    at: int
    reason: HelpReason | None = None
    claimed_by: Staff | None = None


class HelpClaimed(msgspec.Struct, frozen=True, kw_only=True, tag="help_claimed"):
    """Someone of the staff took a participant's help request (the others see who)."""

    participant: str
    at: int
    by: Staff


class HelpResolved(msgspec.Struct, frozen=True, kw_only=True, tag="help_resolved"):
    """A moderator or the host dealt with a participant's help request."""

    participant: str
    at: int
    actor: str
    by: Staff | None = None  # None: closed by the end of the event


class Notice(msgspec.Struct, frozen=True, kw_only=True, tag="notice"):
    """Something the host said to everyone (or the staff wrote to ``to``: some participants)."""

    text: str
    at: int
    actor: str
    to: tuple[str, ...] = ()


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True, tag="audit"):
    """Who did what, and when."""

    at: int
    actor: str
    action: str
    detail: str = ""


MailKind = Literal["invitation", "reminder", "summary", "followup"]
LinkKind = MailKind | Literal["links"]  # "links": a link handed out in a file (links.csv)


class MailStatus(msgspec.Struct, frozen=True, kw_only=True, tag="mail"):
    """Where one e-mail to a participant stands: ``queued``, then ``sent`` or ``failed`` (with
    a ``code``: ``refused``, ``unreachable``, ``auth``, ``timeout``, ``error``, and the mail
    server's ``reason``); or, of kind ``links``, a new link of theirs ``downloaded`` in the
    organiser's file for a mail merge. The latest entry of a person is their status."""

    participant: str
    kind: LinkKind
    status: Literal["queued", "sent", "failed", "downloaded"]
    at: int
    batch: str = ""
    code: str = ""
    reason: str = ""


class MailBatch(msgspec.Struct, frozen=True, kw_only=True, tag="mail_batch"):
    """A sending of e-mails began (a reminder is sent once for each start time)."""

    kind: MailKind
    batch: str
    at: int
    count: int
    for_start: int | None = None
    proc: str = ""  # the process that sends them ("": an earlier version's)


class FollowUpProposed(msgspec.Struct, frozen=True, kw_only=True, tag="followup_proposed"):
    """``by`` proposes times (epoch ms, 1 to 3, each the start of a 30-minute follow-up) to
    the person of ``pair`` they both want to follow up with; it replaces any earlier proposal
    or booking of the pair. ``tz``: the proposer's IANA time zone, as their browser said."""

    pair: str  # followups.pair_key(a, b)
    by: str
    times: tuple[int, ...]
    at: int
    tz: str = ""


class FollowUpPicked(msgspec.Struct, frozen=True, kw_only=True, tag="followup_picked"):
    """``by`` (the other of the pair) picks ``start``, one of the times proposed: booked."""

    pair: str
    by: str
    start: int
    at: int
    tz: str = ""


class FollowUpCancelled(msgspec.Struct, frozen=True, kw_only=True, tag="followup_cancelled"):
    """``by`` cancels the pair's booking or open proposal."""

    pair: str
    by: str
    at: int


class FollowUpCall(msgspec.Struct, frozen=True, kw_only=True, tag="followup_call"):
    """Connected time of the pair's follow-up call for the booking of ``start``, as reported
    (several entries add up). ``by``: whose page reported it (both pages report the same call:
    the longer of the two sides counts; ``""``: a report that did not say)."""

    pair: str
    start: int
    connected_ms: int
    at: int
    by: str = ""


class FollowUpReminded(msgspec.Struct, frozen=True, kw_only=True, tag="followup_reminded"):
    """The reminder of the booking of ``start`` was sent (once per booking)."""

    pair: str
    start: int
    at: int


FollowUpEntry = (
    FollowUpProposed | FollowUpPicked | FollowUpCancelled | FollowUpCall | FollowUpReminded
)


# What only accumulates: kept in append-only logs of the event, beside the decided record.
Entry = (
    Feedback
    | HelpRequest
    | HelpClaimed
    | HelpResolved
    | Notice
    | AuditEntry
    | MailStatus
    | MailBatch
    | FollowUpProposed
    | FollowUpPicked
    | FollowUpCancelled
    | FollowUpCall
    | FollowUpReminded
)


class EventState(msgspec.Struct, frozen=True, kw_only=True):
    """What the core decides on: clock, roster, rounds and rooms, wishes (one versioned record).

    Every change produces a new one with ``version + 1``; what only accumulates (ratings, help
    requests, notices, the audit log) is kept apart, as ``Entry`` records of the event's logs.
    """

    id: str
    settings: Settings
    host_token_hash: str  # the links' tokens are not kept, only their hashes (links.token_hash)
    moderator_token_hash: str
    created_at: int
    registration_token_hash: str = ""  # the event's self sign-up link ("" when closed)
    version: int = 0
    clock: Clock = Clock()
    participants: dict[str, Participant] = msgspec.field(default_factory=dict)
    wishes: dict[str, Wish] = msgspec.field(default_factory=dict)  # by wish_key(source, target)
    history: tuple[RoundRecord, ...] = ()
    people_made: int = 0  # the highest participant number given so far (never given twice)

    def participant(self, pid: str) -> Participant | None:
        """The participant with this id, if registered."""
        return self.participants.get(pid)

    def current(self) -> RoundRecord | None:
        """The round being played (or the last one played, during a break)."""
        if self.history and self.history[-1].round == self.clock.round:
            return self.history[-1]
        return None

    def room_of(self, pid: str) -> Room | None:
        """The room of ``pid`` in the current round, while a round is on."""
        record = self.current()
        if record is None or self.clock.phase is not Phase.ROUND:
            return None
        for room in record.rooms:
            if pid in room.members:
                return room
        return None

    def current_rooms(self) -> tuple[Room, ...]:
        """The rooms of the current round, while a round is on."""
        record = self.current()
        if record is None or self.clock.phase is not Phase.ROUND:
            return ()
        return record.rooms

    def rooms_by_person(self) -> dict[str, Room]:
        """Everyone's room in the current round, while a round is on (one pass over the rooms)."""
        record = self.current()
        if record is None or self.clock.phase is not Phase.ROUND:
            return {}
        return {pid: room for room in record.rooms for pid in room.members}

    def find_room(self, room_id: str) -> Room | None:
        """Any room ever played in this event, by id."""
        for record in self.history:
            for room in record.rooms:
                if room.id == room_id:
                    return room
        return None


def next_person_number(state: EventState) -> int:
    """The number of the next participant id (``p<n>``): above every number given so far in the
    event (``people_made``, kept through removals), every id it holds and its count, so that an
    id is never given twice in one event."""
    numbers = [int(pid[1:]) for pid in state.participants if pid[1:].isdigit()]
    return max([state.people_made, len(state.participants), *numbers]) + 1


class TokenRef(msgspec.Struct, frozen=True, kw_only=True):
    """What a secret link's token opens."""

    event_id: str
    role: Literal["participant", "host", "moderator", "summary", "room"]
    participant_id: str | None = None


DeviceState = Literal["on", "off", "blocked", "none"]


class Inbound(msgspec.Struct, frozen=True, kw_only=True):
    """What arrives from one peer, as the receiving browser measured it: milliseconds since
    audible audio (``audio_ms``) and decoded video frames (``video_ms``) last came from them
    (since the call began when nothing came yet); ``None``: not measured."""

    source: str = msgspec.field(name="from")
    audio_ms: int | None = None
    video_ms: int | None = None


class LinkStats(msgspec.Struct, frozen=True, kw_only=True):
    """What a participant's browser last reported about its call.

    ``camera`` and ``mic``: its own devices (``on``, ``off`` by the person, ``blocked``: refused
    or failing, ``none``: no such device); ``None`` when the page did not say.
    """

    room: str | None = None
    ice: str = "new"
    rtt_ms: float | None = None
    loss: float | None = None
    kbps: float | None = None
    at: int = 0
    camera: DeviceState | None = None
    mic: DeviceState | None = None
    inbound: tuple[Inbound, ...] = ()


class MediaRules(msgspec.Struct, frozen=True, kw_only=True):
    """When a room is flagged for media that does not arrive (config ``media_grace_seconds``,
    ``no_video_seconds``, ``no_audio_seconds``)."""

    grace_ms: int = 15_000  # after the round starts, calls still being set up are not flagged
    no_video_ms: int = 10_000  # no video frame from a member this long: ``no_video``
    no_audio_ms: int = 20_000  # no audible sound from a member this long: ``no_audio``


DEFAULT_RULES = MediaRules()
