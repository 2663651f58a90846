"""The decided record stored in parts, so that a change writes only the parts it touched.

Both stores keep an event as: ``meta`` (settings and links), ``clock``, one entry per
participant, per wish and per round. The core changes state with ``msgspec.structs.replace``,
so a part that did not change is the very same object in the new state: ``diff`` compares by
identity and never walks what a change left alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import msgspec

from ..core import model
from ..core.model import (
    Clock,
    Entry,
    EventState,
    LinkStats,
    Participant,
    Phase,
    RoundRecord,
    Settings,
    TokenRef,
    Wish,
    wish_key,
)
from .sealing import Sealer


class Meta(msgspec.Struct, frozen=True, kw_only=True):
    """What an event is: its settings and staff links (rarely changes)."""

    id: str
    settings: Settings
    host_token_hash: str
    moderator_token_hash: str
    created_at: int
    registration_token_hash: str = ""
    people_made: int = 0


class Delta(msgspec.Struct, kw_only=True):
    """What a change writes: the parts that differ between two versions of an event."""

    version: int
    meta: Meta | None = None
    clock: Clock | None = None
    people: dict[str, Participant] = msgspec.field(default_factory=dict)
    people_gone: list[str] = msgspec.field(default_factory=list)
    wishes: dict[str, Wish] = msgspec.field(default_factory=dict)
    wishes_gone: list[str] = msgspec.field(default_factory=list)
    rounds: dict[int, RoundRecord] = msgspec.field(default_factory=dict)
    tokens: dict[str, TokenRef] = msgspec.field(default_factory=dict)  # by token hash
    tokens_gone: list[str] = msgspec.field(default_factory=list)  # re-issued links' old hashes
    ended: bool = False  # the event just ended (it leaves the list of live events)


def meta_of(state: EventState) -> Meta:
    """The meta part of an event."""
    return Meta(
        id=state.id,
        settings=state.settings,
        host_token_hash=state.host_token_hash,
        moderator_token_hash=state.moderator_token_hash,
        created_at=state.created_at,
        registration_token_hash=state.registration_token_hash,
        people_made=state.people_made,
    )


def _staff_tokens(state: EventState) -> dict[str, TokenRef]:
    return {
        state.host_token_hash: TokenRef(event_id=state.id, role="host"),
        state.moderator_token_hash: TokenRef(event_id=state.id, role="moderator"),
    }


def _person_tokens(state: EventState, p: Participant) -> dict[str, TokenRef]:
    """A person's links: their own, and the one of their summary alone if one was sent, and the
    one of their follow-up rooms alone if they booked one."""
    tokens = {p.token_hash: TokenRef(event_id=state.id, role="participant", participant_id=p.id)}
    if p.summary_token_hash:
        ref = TokenRef(event_id=state.id, role="summary", participant_id=p.id)
        tokens[p.summary_token_hash] = ref
    if p.room_token_hash:
        tokens[p.room_token_hash] = TokenRef(event_id=state.id, role="room", participant_id=p.id)
    return tokens


def link_hashes(state: EventState) -> list[str]:
    """The hashes of every link of the event (staff's, people's, their summaries')."""
    hashes = [state.host_token_hash, state.moderator_token_hash]
    for p in state.participants.values():
        hashes += _person_tokens(state, p)
    return hashes


def _changed(old: Mapping[str, object], new: Mapping[str, object]) -> tuple[list[str], list[str]]:
    """Keys whose value is a different object in ``new``, and keys ``new`` dropped."""
    if old is new:
        return [], []
    upserts = [k for k, v in new.items() if old.get(k) is not v]
    added = sum(k not in old for k in upserts)
    # only when something was dropped is it worth walking the old keys
    gone = [k for k in old if k not in new] if len(old) + added != len(new) else []
    return upserts, gone


def diff(old: EventState | None, new: EventState) -> Delta:
    """The parts of ``new`` that are not the same objects in ``old`` (everything when new)."""
    delta = Delta(version=new.version)
    if old is None:
        delta.meta = meta_of(new)
        delta.clock = new.clock
        delta.people = dict(new.participants)
        delta.wishes = dict(new.wishes)
        delta.rounds = {r.round: r for r in new.history}
        delta.tokens = _staff_tokens(new)
        for p in new.participants.values():
            delta.tokens.update(_person_tokens(new, p))
        return delta
    if old.people_made != new.people_made or any(
        getattr(old, f) is not getattr(new, f)
        for f in ("settings", "host_token_hash", "moderator_token_hash", "registration_token_hash")
    ):
        delta.meta = meta_of(new)
        delta.tokens.update(_staff_tokens(new))
        for f in ("host_token_hash", "moderator_token_hash"):
            if getattr(old, f) != getattr(new, f):
                delta.tokens_gone.append(getattr(old, f))
    if old.clock is not new.clock:
        delta.clock = new.clock
        delta.ended = new.clock.phase is Phase.ENDED and old.clock.phase is not Phase.ENDED
    upserts, delta.people_gone = _changed(old.participants, new.participants)
    # a person removed takes their link with them
    for pid in delta.people_gone:
        delta.tokens_gone += _person_tokens(old, old.participants[pid])
    for pid in upserts:
        person = new.participants[pid]
        delta.people[pid] = person
        before = old.participants.get(pid)
        now_tokens = _person_tokens(new, person)
        then_tokens = _person_tokens(old, before) if before is not None else {}
        if now_tokens.keys() != then_tokens.keys():
            delta.tokens.update({h: r for h, r in now_tokens.items() if h not in then_tokens})
            delta.tokens_gone += [h for h in then_tokens if h not in now_tokens]
    upserts, delta.wishes_gone = _changed(old.wishes, new.wishes)
    delta.wishes = {k: new.wishes[k] for k in upserts}
    if old.history is not new.history:
        kept = {r.round: r for r in old.history}
        delta.rounds = {r.round: r for r in new.history if kept.get(r.round) is not r}
    return delta


def assemble(
    meta: Meta,
    clock: Clock,
    version: int,
    people: Iterable[Participant],
    wishes: Iterable[Wish],
    rounds: Iterable[RoundRecord],
) -> EventState:
    """An event from its stored parts (people in registration order, rounds in order)."""
    return EventState(
        id=meta.id,
        settings=meta.settings,
        host_token_hash=meta.host_token_hash,
        moderator_token_hash=meta.moderator_token_hash,
        registration_token_hash=meta.registration_token_hash,
        created_at=meta.created_at,
        people_made=meta.people_made,
        version=version,
        clock=clock,
        participants={p.id: p for p in sorted(people, key=lambda p: model.person_order(p.id))},
        wishes={wish_key(w.source, w.target): w for w in wishes},
        history=tuple(sorted(rounds, key=lambda r: r.round)),
    )


# --- encoding: JSON (msgspec), readable with sqlite3 or redis-cli; e-mails, tokens sealed -----

encode = msgspec.json.Encoder().encode
META = msgspec.json.Decoder(Meta)
CLOCK = msgspec.json.Decoder(Clock)
PERSON = msgspec.json.Decoder(Participant)
WISH = msgspec.json.Decoder(Wish)
ROUND = msgspec.json.Decoder(RoundRecord)
ENTRY = msgspec.json.Decoder(Entry)
STATS = msgspec.json.Decoder(LinkStats)
TOKEN = msgspec.json.Decoder(TokenRef)


# a participant's fields kept only sealed: their address, their link, their follow-up rooms' link
SEALED = ("email", "token", "room_token")


def person_bytes(p: Participant, sealer: Sealer) -> bytes:
    """A participant as stored: their e-mail address and their link's token sealed."""
    sealed = {f: sealer.seal(getattr(p, f)) for f in SEALED if getattr(p, f)}
    return encode(msgspec.structs.replace(p, **sealed) if sealed else p)


def person_of(raw: bytes, sealer: Sealer) -> Participant:
    """A participant from storage, e-mail address and token opened (a record of an earlier
    version has no token: ``""``, a link that cannot be recovered)."""
    p = PERSON.decode(raw)
    opened = {f: sealer.open(getattr(p, f)) for f in SEALED if getattr(p, f)}
    return msgspec.structs.replace(p, **opened) if opened else p
