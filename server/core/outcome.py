"""What a command produces: the new state, the messages to send (and to whom), the ack's extra
fields and the log entries; and the one way a change makes a new version."""

from __future__ import annotations

from typing import Any

import msgspec

from .model import AuditEntry, Entry, EventState, Participant

# Targets of a message: every participant, the staff (host and moderators), or one participant;
# LINKS: no client, the processes themselves (a revoked link's sockets are closed).
PARTICIPANTS = "participants"

STAFF = "staff"

LINKS = "links"


def to_participant(pid: str) -> str:
    """The target naming one participant."""
    return f"p:{pid}"


class Message(msgspec.Struct, frozen=True):
    """One server→client event the transport must deliver."""

    to: str
    event: str
    data: dict[str, Any]


class Outcome(msgspec.Struct, frozen=True):
    """What a command produced: the new state (the same object when nothing decided changed),
    the messages to send, the ack's extra fields and the entries to append to the event's logs.
    """

    state: EventState
    messages: list[Message]
    result: dict[str, Any] = msgspec.field(default_factory=dict)
    entries: list[Entry] = msgspec.field(default_factory=list)


def bump(state: EventState, **changes: Any) -> EventState:
    """``state`` with ``changes`` as its next version: every decided change goes through here."""
    return msgspec.structs.replace(state, version=state.version + 1, **changes)


OWN_ENTRIES = 50  # audit entries one person's own actions may write in an event
CAPPED = "capped"  # the last of them: what came then, and later, is counted on their record


def audit(now: int, actor: str, action: str, detail: str = "") -> AuditEntry:
    """An audit log entry: who did what, and when."""
    return AuditEntry(at=now, actor=actor, action=action, detail=detail)


def own_audit(
    person: Participant, now: int, action: str, detail: str = ""
) -> tuple[Participant, list[Entry]]:
    """What a participant did themself, for the audit log, and their record counting it
    (``acted``). At most ``OWN_ENTRIES`` entries a person: the first ones as they come, then
    one ``capped`` entry naming the action that reached the bound; every later action is
    only counted on the record, so a flood of edits never grows the log."""
    acted = person.acted + 1
    counted = msgspec.structs.replace(person, acted=acted)
    if acted < OWN_ENTRIES:
        return counted, [audit(now, person.id, action, detail)]
    if acted == OWN_ENTRIES:
        return counted, [audit(now, person.id, CAPPED, action)]
    return counted, []


def squash(state: EventState, base_version: int) -> EventState:
    """Count several changes made in one go as a single new version."""
    return msgspec.structs.replace(state, version=base_version + 1)
