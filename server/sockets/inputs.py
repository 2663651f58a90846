"""Client→server payloads of the Socket.IO contract (see docs/protocol.md), validated on arrival;
their texts cleaned of control characters (``core.texts``: tabs and newlines only where a text
may hold several lines)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

import msgspec

from ..core.model import FollowUpReason
from ..core.texts import Cleaned
from ..errors import ProtocolError
from ..limits import MAX_DEPTH, too_deep
from ..settings import CHAT_MAX_CHARS
from .codec import Malformed

Text = Annotated[str, msgspec.Meta(max_length=500)]
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class Empty(msgspec.Struct, frozen=True):
    """No arguments (``{}``)."""


class Signal(msgspec.Struct, frozen=True):
    """``signal {to, data}``: an SDP description or ICE candidate for a peer of the same room
    (``next``: of a call prepared for that round, to a person of one's next-round card)."""

    to: Id
    data: dict[str, Any]
    next: Annotated[int, msgspec.Meta(ge=1, le=200)] | None = None


Device = Literal["on", "off", "blocked", "none"]
Millis = Annotated[float, msgspec.Meta(ge=0, le=86_400_000)]


class Arriving(msgspec.Struct, frozen=True):
    """One entry of ``stats.inbound``: how long since sound and video last came from a peer."""

    source: Id = msgspec.field(name="from")
    audio_ms: Millis | None = None
    video_ms: Millis | None = None


class PeerLink(Cleaned, frozen=True):
    """One connection of a ``stats`` report: the peer and its connection's state."""

    id: Id
    ice: Annotated[str, msgspec.Meta(max_length=20)] = "new"


class Stats(Cleaned, frozen=True):
    """``stats {room, ice, rtt_ms, loss, kbps, camera?, mic?, inbound?}``: the browser's view
    of its call, its own devices and what arrives from each peer."""

    room: Id | None = None
    ice: Annotated[str, msgspec.Meta(max_length=20)] = "new"
    rtt_ms: Annotated[float, msgspec.Meta(ge=0)] | None = None
    loss: Annotated[float, msgspec.Meta(ge=0, le=1)] | None = None
    kbps: Annotated[float, msgspec.Meta(ge=0)] | None = None
    camera: Device | None = None
    mic: Device | None = None
    inbound: Annotated[tuple[Arriving, ...], msgspec.Meta(max_length=8)] = ()
    # each connection of the room (two in a room of three): what the results count as a
    # call's connected time, per pair
    peers: Annotated[list[PeerLink], msgspec.Meta(max_length=3)] = msgspec.field(
        default_factory=list
    )


class Help(Cleaned, frozen=True):
    """``help {text, reason}``: ``reason`` one of the help form's codes (optional)."""

    MULTILINE = frozenset({"text"})

    text: Text = ""
    reason: Literal["no_sound", "no_video", "partner_absent", "other"] | None = None


class Feedback(Cleaned, frozen=True):
    """``feedback {room, peer, rating, follow_up, reasons, note}``; ``peer`` is implied in a
    room of two; ``reasons`` (why follow up) go with ``follow_up``."""

    MULTILINE = frozenset({"note"})

    room: Id
    rating: Annotated[int, msgspec.Meta(ge=1, le=5)]
    follow_up: bool = False
    note: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    peer: Id | None = None
    reasons: Annotated[list[FollowUpReason], msgspec.Meta(max_length=5)] = msgspec.field(
        default_factory=list
    )


class Rejoin(msgspec.Struct, frozen=True):
    """``rejoin {participant}`` (host): undo someone's "I have to leave"."""

    participant: Id


class SetWish(msgspec.Struct, frozen=True):
    """``wish {to, level}``: ``must``, ``like``, ``no``, or ``null`` to clear."""

    to: Id
    level: Literal["must", "like", "no"] | None


class ProfileEdit(Cleaned, frozen=True, forbid_unknown_fields=True):
    """``profile {pitch?, tags?, website?}``: the fields of my profile to change (the rules of
    each are ``server/profiles.py``'s, which name a field that breaks one)."""

    MULTILINE = frozenset({"pitch", "tags"})  # tags may come one a line
    LINKS = frozenset({"website"})  # refused with bidi controls (``people.profiles``)

    pitch: Annotated[str, msgspec.Meta(max_length=4000)] | msgspec.UnsetType = msgspec.UNSET
    tags: (
        Annotated[str, msgspec.Meta(max_length=4000)]
        | Annotated[list[Annotated[str, msgspec.Meta(max_length=200)]], msgspec.Meta(max_length=50)]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    website: Annotated[str, msgspec.Meta(max_length=4000)] | msgspec.UnsetType = msgspec.UNSET

    def given(self) -> dict[str, str | list[str]]:
        """The fields sent."""
        return {
            name: getattr(self, name)
            for name in self.__struct_fields__
            if getattr(self, name) is not msgspec.UNSET
        }


class Extend(msgspec.Struct, frozen=True):
    """``extend {seconds}``."""

    seconds: Annotated[int, msgspec.Meta(gt=0, le=3600)]


class Notice(Cleaned, frozen=True):
    """``notice {text}``."""

    text: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class Move(msgspec.Struct, frozen=True):
    """``move {participant, room, trio?}``; ``room`` ``null`` puts the participant in the
    waiting list; ``trio``: the host agrees to a room of three with someone of the same side."""

    participant: Id
    room: Id | None
    trio: bool = False


class JoinRoom(msgspec.Struct, frozen=True):
    """``join_room {room}``."""

    room: Id


class Reissue(msgspec.Struct, frozen=True):
    """``reissue {who}``: a participant id, ``host``, ``moderator`` or ``registration``."""

    who: Id


class ResolveHelp(msgspec.Struct, frozen=True):
    """``resolve_help {participant}``."""

    participant: Id


class ClaimHelp(msgspec.Struct, frozen=True):
    """``claim_help {participant, take_over}``: take a help request (``take_over``: even one
    someone else took)."""

    participant: Id
    take_over: bool = False


class Write(Cleaned, frozen=True):
    """``message {room | participant, text}``: staff writing to one room or one person."""

    MULTILINE = frozenset({"text"})

    text: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
    room: Id | None = None
    participant: Id | None = None


class ChatText(Cleaned, frozen=True):
    """``chat {room, text}``: a message to the others of your room's call this round (``room``
    guards against a message typed in one round reaching the next one's room)."""

    MULTILINE = frozenset({"text"})

    room: Id
    text: Annotated[str, msgspec.Meta(max_length=CHAT_MAX_CHARS)]


class Label(Cleaned, frozen=True):
    """``label {name}``: the name a staff page shows to others ("" for the default label)."""

    name: Annotated[str, msgspec.Meta(max_length=60)] = ""


T = TypeVar("T")


def parse(data: Any, kind: type[T]) -> T:
    """Validate one payload; a ``ProtocolError`` says which field is wrong."""
    if isinstance(data, Malformed):
        raise ProtocolError("bad_json", data.reason)
    if not isinstance(data, dict):
        raise ProtocolError(
            "bad_payload", "Send exactly one JSON object as the payload ({} when there is nothing)."
        )
    if too_deep(data):
        raise ProtocolError("too_deep", f"The payload nests deeper than {MAX_DEPTH} levels.")
    try:
        return msgspec.convert(data, kind)
    except msgspec.ValidationError as exc:
        raise ProtocolError("bad_payload", f"Invalid payload: {exc}.") from exc
