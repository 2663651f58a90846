"""The event's append-only logs: which log an entry belongs to, and what a log adds up to."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal, get_args

import msgspec

from .model import (
    AuditEntry,
    Entry,
    Feedback,
    FollowUpEntry,
    HelpClaimed,
    HelpRequest,
    HelpResolved,
    LinkKind,
    MailBatch,
    MailStatus,
    Notice,
)

Log = Literal["feedback", "help", "notices", "audit", "mail", "followups"]
LOGS: tuple[Log, ...] = get_args(Log)


def log_of(entry: Entry) -> Log:
    """The log an entry is appended to."""
    if isinstance(entry, Feedback):
        return "feedback"
    if isinstance(entry, HelpRequest | HelpClaimed | HelpResolved):
        return "help"
    if isinstance(entry, Notice):
        return "notices"
    if isinstance(entry, MailStatus | MailBatch):
        return "mail"
    if isinstance(entry, FollowUpEntry):
        return "followups"
    assert isinstance(entry, AuditEntry)
    return "audit"


def open_help(entries: Iterable[Entry]) -> list[HelpRequest]:
    """Help requests not dealt with yet: each person's latest, unless resolved after it, with
    who claimed it (``claimed_by``: the latest claim since it was asked)."""
    latest: dict[str, HelpRequest] = {}
    for e in entries:
        if isinstance(e, HelpRequest):
            latest.pop(e.participant, None)  # a new request goes to the end of the queue
            latest[e.participant] = e
        elif isinstance(e, HelpClaimed):
            request = latest.get(e.participant)
            if request is not None:
                latest[e.participant] = msgspec.structs.replace(request, claimed_by=e.by)
        elif isinstance(e, HelpResolved):
            latest.pop(e.participant, None)
    return list(latest.values())


Rated = Mapping[tuple[str, str, str], Feedback]


def ratings(entries: Iterable[Entry]) -> dict[tuple[str, str, str], Feedback]:
    """Each person's latest rating of each person they met, by ``(participant, room, peer)``.

    Entries of earlier versions have no peer (``""``): they rate the whole meeting (see
    ``rating_of``).
    """
    return {(e.participant, e.room, e.peer): e for e in entries if isinstance(e, Feedback)}


def rating_of(rated: Rated, who: str, room: str, peer: str) -> Feedback | None:
    """``who``'s rating of ``peer`` in ``room``: their own, else one of the whole meeting."""
    return rated.get((who, room, peer)) or rated.get((who, room, ""))


INVITES: tuple[LinkKind, ...] = ("invitation", "reminder", "links")


def mail_status(
    entries: Iterable[Entry], kinds: tuple[LinkKind, ...] = INVITES
) -> dict[str, MailStatus]:
    """Each person's latest e-mail status, among e-mails of ``kinds`` (by default the ones
    that carry their link: invitations, reminders, and links handed out in a file)."""
    return {e.participant: e for e in entries if isinstance(e, MailStatus) and e.kind in kinds}


def summaries_sent(entries: Iterable[Entry]) -> bool:
    """Whether the summaries of the event's end were queued already (by any process)."""
    return any(isinstance(e, MailBatch) and e.kind == "summary" for e in entries)


def reminded(entries: Iterable[Entry], starts_at: int) -> bool:
    """Whether a reminder of this start time was sent already."""
    return any(
        isinstance(e, MailBatch) and e.kind == "reminder" and e.for_start == starts_at
        for e in entries
    )


def mutual(mine: Feedback | None, theirs: Feedback | None) -> bool:
    """Whether two people each said they want to follow up with the other."""
    return bool(mine and mine.follow_up and theirs and theirs.follow_up)
