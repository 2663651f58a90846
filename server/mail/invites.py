"""Invitations and reminders, the part that decides: who gets one, the link each carries (the
one the person has: a mailing never replaces a link, ``links.to_send``), the log entries that
follow each e-mail, and when a reminder is due."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ..core import logs
from ..core.model import (
    Entry,
    EventState,
    MailBatch,
    MailKind,
    MailStatus,
    Participant,
    Phase,
)
from ..core.outcome import Outcome, audit
from ..errors import NotFound, UserError
from ..people import links


def chosen_people(state: EventState, chosen: Sequence[str]) -> list[Participant]:
    """The participants ``chosen`` names, once each, in order; an unknown id is refused."""
    unknown = [pid for pid in chosen if pid not in state.participants]
    if unknown:
        raise NotFound("unknown_participant", f"No participant {unknown[0]!r} in this event.")
    return [state.participants[pid] for pid in dict.fromkeys(chosen)]


def recipients(
    state: EventState, mail_log: Iterable[Entry], chosen: Sequence[str] | None, again: bool
) -> tuple[list[str], list[str]]:
    """``(to, skipped)``: whom an invitation goes to — ``chosen`` ids, or everyone not yet sent
    one nor handed their link in a file (``again``: everyone) — and the chosen who have no
    e-mail address."""
    if chosen is not None:
        pool = chosen_people(state, chosen)
    else:
        status = logs.mail_status(mail_log)
        pool = [
            p
            for p in state.participants.values()
            if not p.stopped
            and (again or status.get(p.id) is None or status[p.id].status == "failed")
        ]
    return [p.id for p in pool if p.email], [p.id for p in pool if not p.email]


def send(
    state: EventState,
    to: Sequence[str],
    fresh: Mapping[str, str],
    kind: MailKind,
    batch: str,
    now: int,
    actor: str,
    for_start: int | None = None,
) -> Outcome:
    """``to``'s e-mails queued (``MailBatch`` and one ``queued`` status each), each with the
    link the person has (``result["tokens"]``; ``fresh``: new tokens for links that cannot be
    recovered, ``links.to_send``)."""
    outcome = links.to_send(state, to, fresh, now, actor)
    entries: list[Entry] = [audit(now, actor, f"send_{kind}", str(len(to)))] if to else []
    entries.append(MailBatch(kind=kind, batch=batch, at=now, count=len(to), for_start=for_start))
    entries += [
        MailStatus(participant=pid, kind=kind, status="queued", at=now, batch=batch) for pid in to
    ]
    result = {"queued": list(to), "tokens": outcome.result["tokens"]}
    return Outcome(outcome.state, outcome.messages, result, [*outcome.entries, *entries])


def reminder_due(state: EventState) -> int | None:
    """When the event's reminder goes (``None``: no start time, no reminder, or it started)."""
    s = state.settings
    if s.starts_at is None or not s.reminder_minutes or state.clock.phase is not Phase.LOBBY:
        return None
    return s.starts_at - s.reminder_minutes * 60_000


def reminder(
    state: EventState,
    mail_log: Iterable[Entry],
    fresh: Mapping[str, str],
    batch: str,
    now: int,
) -> Outcome:
    """The reminder, if it is due now and was not sent for this start time, to everyone with
    an e-mail, with the link they have (``fresh``: a new token for each of them whose link
    cannot be recovered)."""
    due = reminder_due(state)
    starts_at = state.settings.starts_at
    if due is None or starts_at is None or now < due:
        raise UserError("not_due", "No reminder is due now.", why="reminder")
    if now >= starts_at:
        raise UserError(
            "not_due", "The event's start time has passed: no reminder any more.", why="started"
        )
    entries = list(mail_log)
    if logs.reminded(entries, starts_at):
        raise UserError(
            "not_due", "The reminder of this start time was sent already.", why="reminded"
        )
    to = [p.id for p in state.participants.values() if p.email and not p.stopped]
    if not to:  # armed again by the next change (people registered)
        raise UserError("not_due", "Nobody with an e-mail address to remind yet.", why="nobody")
    return send(state, to, fresh, "reminder", batch, now, "clock", starts_at)


def failed(pid: str, kind: MailKind, batch: str, now: int, code: str, reason: str) -> MailStatus:
    """The status of an e-mail that could not be sent."""
    return MailStatus(
        participant=pid, kind=kind, status="failed", at=now, batch=batch, code=code, reason=reason
    )


def sent(pid: str, kind: MailKind, batch: str, now: int) -> MailStatus:
    """The status of an e-mail the mail server took."""
    return MailStatus(participant=pid, kind=kind, status="sent", at=now, batch=batch)
