"""The event's secret links: kept only as hashes; any of them can be re-issued (the old one then
opens nothing, and its sockets are closed)."""

from __future__ import annotations

import hashlib
import hmac

HOST = "host"
MODERATOR = "moderator"
REGISTRATION = "registration"
STAFF_LINKS = (HOST, MODERATOR, REGISTRATION)


PAGES = {HOST: "host", MODERATOR: "mod", REGISTRATION: "join"}  # else a participant's: "p"


def path(event_id: str, who: str, token: str) -> str:
    """The path of ``who``'s link (a participant id, ``host``, ``moderator``, ``registration``)."""
    return f"/e/{event_id}/{PAGES.get(who, 'p')}/{token}"


def token_hash(token: str) -> str:
    """What is stored of a link's token: its SHA-256 (any alphabet, any length)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def same(token: str, stored_hash: str) -> bool:
    """Whether ``token`` is the one ``stored_hash`` was made from (in constant time)."""
    return bool(stored_hash) and hmac.compare_digest(token_hash(token), stored_hash)
