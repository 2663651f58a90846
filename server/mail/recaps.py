"""The summary e-mailed to each participant after the event, the part that decides: who gets
one, the new link to their summary it carries (a link to the summary alone: their own link
keeps working), the log entries that record it, when the automatic one is due, and which of
their contacts it may hold (only those of mutual follow-ups)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec

from ..core import logs
from ..core.model import AuditEntry, Entry, EventState, MailBatch, MailStatus, Phase
from ..core.outcome import Outcome, bump
from ..errors import UserError
from ..results import retention
from . import invites

MINUTE_MS = 60_000
CATCH_UP_MS = 86_400_000  # an event that ended longer ago than this gets no automatic summary


def recipients(state: EventState, chosen: Sequence[str] | None) -> tuple[list[str], list[str]]:
    """``(to, skipped)``: whom a summary goes to — ``chosen`` ids, or everyone — and those of
    them who have no e-mail address."""
    if chosen is not None:
        pool = invites.chosen_people(state, chosen)
    else:
        pool = list(state.participants.values())
    return [p.id for p in pool if p.email], [p.id for p in pool if not p.email]


def due_at(state: EventState, after_minutes: int) -> int | None:
    """When the automatic summaries go: ``after_minutes`` after the end (time for the last
    round's ratings); ``None`` while the event has not ended."""
    ended = retention.ended_at(state)
    return None if ended is None else ended + after_minutes * MINUTE_MS


def send(
    state: EventState,
    hashes: Mapping[str, str],
    batch: str,
    now: int,
    actor: str,
    proc: str = "",
) -> Outcome:
    """New summary links for ``hashes``' people (``{participant id: new hash}``; a summary link
    sent earlier stops working, their own link does not), and their e-mails queued, to be sent
    by the process ``proc``."""
    if state.clock.phase is not Phase.ENDED:
        raise UserError(
            "not_ended", "The event has not ended yet: summaries are sent once it has ended."
        )
    people = dict(state.participants)
    for pid, new_hash in hashes.items():
        people[pid] = msgspec.structs.replace(people[pid], summary_token_hash=new_hash)
    new = bump(state, participants=people)
    entries: list[Entry] = [
        AuditEntry(at=now, actor=actor, action="send_summary", detail=str(len(hashes))),
        MailBatch(kind="summary", batch=batch, at=now, count=len(hashes), proc=proc),
    ]
    entries += [
        MailStatus(participant=pid, kind="summary", status="queued", at=now, batch=batch)
        for pid in hashes
    ]
    return Outcome(new, [], {"queued": list(hashes)}, entries)


def automatic(
    state: EventState,
    mail_log: Iterable[Entry],
    hashes: Mapping[str, str],
    batch: str,
    now: int,
    after_minutes: int,
    proc: str = "",
) -> Outcome:
    """The summaries of the event's end, if they are due now and no process sent them yet
    (``hashes`` holds a new link for everyone with an e-mail, some maybe unused)."""
    due = due_at(state, after_minutes)
    if due is None or now < due:
        raise UserError("not_due", "The event has not ended, or its summaries are not due yet.")
    if now - due > CATCH_UP_MS:
        raise UserError("not_due", "The event ended too long ago for an automatic summary.")
    if logs.summaries_sent(mail_log):
        raise UserError("not_due", "The summaries of this event were sent already.")
    to, _ = recipients(state, None)
    return send(state, {pid: hashes[pid] for pid in to}, batch, now, "clock", proc)


def abandoned(mail_log: Iterable[Entry], alive: frozenset[str]) -> list[str]:
    """Whose summary e-mail is still queued by a process that is gone (it stopped, or died,
    before its mail server took it): to be sent again, by a process alive."""
    entries = list(mail_log)
    senders = {e.batch: e.proc for e in entries if isinstance(e, MailBatch) and e.kind == "summary"}
    return [
        pid
        for pid, status in logs.mail_status(entries, ("summary",)).items()
        if status.status == "queued" and senders.get(status.batch, "") not in alive
    ]


def resume(
    state: EventState,
    mail_log: Iterable[Entry],
    alive: frozenset[str],
    hashes: Mapping[str, str],
    batch: str,
    now: int,
    proc: str,
) -> Outcome:
    """The summaries a process that is gone left queued, queued again for ``proc`` (new summary
    links: the old ones were never sent). Once: committed on the version read, a process racing
    this one finds them queued by a process alive and takes up nothing."""
    pids = abandoned(mail_log, alive)
    if not pids:
        raise UserError("not_due", "No summary e-mail waits for a process that is gone.")
    return send(
        state, {pid: hashes[pid] for pid in pids if pid in hashes}, batch, now, "clock", proc
    )


def mutual_peers(summary: Mapping[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """``(round, peer)`` of every mutual follow-up in a summary (``results.summary``):
    the only people whose contacts the e-mail and its vCard may hold."""
    return [
        (m["round"], p) for m in summary["meetings"] for p in m["peers"] if p["mutual_follow_up"]
    ]
