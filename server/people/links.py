"""The event's secret links: their tokens kept as hashes (what opens a page), a participant's
token also kept sealed so that every e-mail carries the link they have; any link can be replaced
when someone asks (the old one then opens nothing, and its sockets are closed), never by a
mailing."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence

import msgspec

from ..core.model import EventState
from ..core.outcome import LINKS, Message, Outcome, audit, bump
from ..errors import NotFound

HOST = "host"
MODERATOR = "moderator"
REGISTRATION = "registration"
STAFF_LINKS = (HOST, MODERATOR, REGISTRATION)


PAGES = {HOST: "host", MODERATOR: "mod", REGISTRATION: "join"}  # else a participant's: "p"
REPORT_DAYS = 30  # how long a report link opens the report


def _report_mac(key: str, event_id: str, expires_at: int) -> str:
    message = f"report\n{event_id}\n{expires_at}".encode("utf-8", "surrogatepass")
    digest = hmac.new(key.encode("utf-8", "surrogatepass"), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def report_token(key: str, event_id: str, now: int) -> tuple[str, int]:
    """A link's token that opens the event's report and results (read only) until it expires,
    signed with ``key`` (the admin token), and when it expires: made, never stored, so that
    asking for one replaces no link; a new admin token revokes them all."""
    expires_at = now + REPORT_DAYS * 86_400_000
    return f"{expires_at:x}-{_report_mac(key, event_id, expires_at)}", expires_at


def report_token_valid(key: str, event_id: str, token: str, now: int) -> bool:
    """Whether ``token`` is a report link of ``event_id`` signed with ``key``, not expired."""
    stamp, _, mac = token.partition("-")
    try:
        expires_at = int(stamp, 16)
    except ValueError:
        return False
    if expires_at < now or len(stamp) > 16:
        return False
    return hmac.compare_digest(mac.encode(), _report_mac(key, event_id, expires_at).encode())


def path(event_id: str, who: str, token: str) -> str:
    """The path of ``who``'s link (a participant id, ``host``, ``moderator``, ``registration``)."""
    return f"/e/{event_id}/{PAGES.get(who, 'p')}/{token}"


def token_hash(token: str) -> str:
    """What is stored of a link's token: its SHA-256 (any alphabet, any length)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def same(token: str, stored_hash: str) -> bool:
    """Whether ``token`` is the one ``stored_hash`` was made from (in constant time)."""
    return bool(stored_hash) and hmac.compare_digest(token_hash(token), stored_hash)


def reissue(
    state: EventState, tokens: Mapping[str, str], now: int, actor: str, action: str
) -> Outcome:
    """New links in one change, ``{who: new token}`` where ``who`` is a participant id,
    ``host``, ``moderator`` or ``registration``: the old ones open nothing from now on and the
    pages open with them are closed (``revoked``). ``action`` names it in the audit log."""
    if not tokens:
        return Outcome(state, [])
    people = dict(state.participants)
    staff: dict[str, str] = {}
    old: list[str] = []
    for who, token in tokens.items():
        if who in STAFF_LINKS:
            field = f"{who}_token_hash"
            old.append(getattr(state, field))
            staff[field] = token_hash(token)
            continue
        person = people.get(who)
        if person is None:
            raise NotFound("unknown_participant", f"No participant {who!r} in this event.")
        old.append(person.token_hash)
        people[who] = msgspec.structs.replace(person, token_hash=token_hash(token), token=token)
    new = bump(state, participants=people, **staff)
    messages = [Message(LINKS, "revoked", {"token_hash": h}) for h in old if h]
    detail = next(iter(tokens)) if len(tokens) == 1 else str(len(tokens))
    return Outcome(new, messages, {"who": list(tokens)}, [audit(now, actor, action, detail)])


def to_send(
    state: EventState, to: Sequence[str], fresh: Mapping[str, str], now: int, actor: str
) -> Outcome:
    """The link each of ``to`` has, to send (``result["tokens"]``: ``{id: token}``): their own,
    kept sealed, so that sending it again leaves it working. Only a person whose token cannot
    be recovered (made before tokens were kept) gets a new one, from ``fresh`` (``{id: new
    token}`` for each of them), and the old one stops working, as every mailing did before."""
    lost = {pid: fresh[pid] for pid in to if not state.participants[pid].token}
    outcome = reissue(state, lost, now, actor, "new_link_to_send")
    people = outcome.state.participants
    tokens = {pid: people[pid].token for pid in to}
    return Outcome(outcome.state, outcome.messages, {"tokens": tokens}, outcome.entries)
