"""Invitations through the JSON API: e-mails when SMTP is configured (sent in the background,
each one's status kept, each with the link the person has), and without it a CSV of new links
for a mail merge."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any

import msgspec
from aiohttp import web

from ..core import logs
from ..core.model import EventState, MailBatch, MailStatus
from ..errors import ProtocolError, UserError
from ..live.owner import Context
from ..mail import invites, merge, recaps
from ..mail.outbox import Job
from ..results import dialects
from .api import body_json, json_response, link_url, require_admin
from .inputs import convert_one
from .keys import NEW_TOKEN, OUTBOX, OWNER, SETTINGS, SUMMARIES
from .results import download, file_of

routes = web.RouteTableDef()
Ids = list[Annotated[str, msgspec.Meta(min_length=1, max_length=100)]]


class InviteIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``POST /api/events/{id}/invitations``: to whom (default: everyone not sent one yet)."""

    to: Ids | None = None
    again: bool = False


class LinksIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``POST /api/events/{id}/links.csv``: whose links (default: everyone)."""

    to: Ids | None = None


@routes.post("/api/events/{id}/invitations")
async def send_invitations(request: web.Request) -> web.Response:
    """Queue invitation e-mails, each with the person's own link (a link that cannot be
    recovered, made before links were kept, is replaced)."""
    require_admin(request)
    outbox = request.app[OUTBOX]
    if not outbox.enabled:
        raise UserError(
            "no_mail",
            "This server sends no e-mail (smtp_host is not set in config.yaml): download the "
            "links for a mail merge instead.",
        )
    body: InviteIn = convert_one(await body_json(request), InviteIn, "invitations")
    event_id = request.match_info["id"]
    new_token = request.app[NEW_TOKEN]
    batch = uuid.uuid4().hex[:12]
    fresh: dict[str, str] = {}  # for links that cannot be recovered only
    skipped: list[str] = []

    def command(s: EventState, ctx: Context) -> Any:
        to, left = invites.recipients(s, ctx.logs.get("mail", []), body.to, body.again)
        for pid in to:
            if not s.participants[pid].token and pid not in fresh:
                fresh[pid] = new_token()
        skipped[:] = left
        return invites.send(s, to, fresh, "invitation", batch, ctx.now, "admin")

    outcome = await request.app[OWNER].apply(event_id, command, ("mail",))
    tokens: dict[str, str] = outcome.result["tokens"]
    outbox.submit(
        [
            Job(event_id, pid, "invitation", batch, link_url(request, event_id, pid, token))
            for pid, token in tokens.items()
        ]
    )
    return json_response(
        {
            "batch": batch,
            "queued": list(tokens),
            "skipped": [{"id": p, "reason": "no_email"} for p in skipped],
        },
        status=202,
    )


@routes.get("/api/events/{id}/invitations")
async def invitations(request: web.Request) -> web.Response:
    """Where every e-mail stands: counts, each person's latest, the batches, the reminder."""
    require_admin(request)
    owner = request.app[OWNER]
    state = await owner.get(request.match_info["id"])
    entries = await owner.store.entries(state.id, "mail")
    latest = logs.mail_status(entries)
    counts, people = _standing(state, latest, with_kind=True)
    batches = [
        {"kind": b.kind, "batch": b.batch, "at": b.at, "count": b.count, "for_start": b.for_start}
        for b in entries
        if isinstance(b, MailBatch)
    ]
    starts_at = state.settings.starts_at
    return json_response(
        {
            "mail": request.app[OUTBOX].enabled,
            "counts": counts,
            "people": people,
            "batches": batches,
            "reminder": {
                "due_at": invites.reminder_due(state),
                "sent": starts_at is not None and logs.reminded(entries, starts_at),
            },
        }
    )


class SummariesIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``POST /api/events/{id}/summaries``: to whom (default: everyone with an e-mail)."""

    to: Ids | None = None


@routes.post("/api/events/{id}/summaries")
async def send_summaries(request: web.Request) -> web.Response:
    """Queue summary e-mails of an ended event, each with a new link to the summary alone."""
    require_admin(request)
    if not request.app[OUTBOX].enabled:
        raise UserError(
            "no_mail",
            "This server sends no e-mail (smtp_host is not set in config.yaml): each participant "
            "finds their summary on their own page, at their personal link.",
        )
    body: SummariesIn = convert_one(await body_json(request), SummariesIn, "summaries")
    sent = await request.app[SUMMARIES].send(request.match_info["id"], body.to)
    return json_response(sent, status=202)


@routes.get("/api/events/{id}/summaries")
async def summaries(request: web.Request) -> web.Response:
    """Where the summary e-mails stand: whether they go by themselves and when, counts, each
    person's latest."""
    require_admin(request)
    owner = request.app[OWNER]
    state = await owner.get(request.match_info["id"])
    entries = await owner.store.entries(state.id, "mail")
    latest = logs.mail_status(entries, ("summary",))
    counts, people = _standing(state, latest, with_kind=False)
    job = request.app[SUMMARIES]
    return json_response(
        {
            "mail": request.app[OUTBOX].enabled,
            "automatic": job.automatic,
            "after_minutes": job.after_minutes,
            "due_at": recaps.due_at(state, job.after_minutes) if job.automatic else None,
            "sent": logs.summaries_sent(entries),
            "counts": counts,
            "people": people,
        }
    )


@routes.post("/api/events/{id}/links.csv")
async def links_csv(request: web.Request) -> web.Response:
    """A CSV of new personal links (everyone's, or ``to``'s) for a mail merge, in the event's
    language (``?lang=``, ``?sep=``): the old links stop working, and each person is recorded
    as handed their link."""
    require_admin(request)
    body: LinksIn = convert_one(await body_json(request), LinksIn, "links")
    event_id = request.match_info["id"]
    owner = request.app[OWNER]
    state = await owner.get(event_id)
    d = file_of(request, state)
    chosen = body.to if body.to is not None else list(state.participants)
    unknown = [pid for pid in chosen if pid not in state.participants]
    if unknown:
        raise ProtocolError(
            "bad_request", f"No participant {unknown[0]!r} in this event.", field="to"
        )
    tokens = {pid: request.app[NEW_TOKEN]() for pid in dict.fromkeys(chosen)}
    batch = uuid.uuid4().hex[:12]
    outcome = await owner.apply(event_id, lambda s, c: merge.hand_out(s, tokens, c.now, batch))
    urls = {pid: link_url(request, event_id, pid, token) for pid, token in tokens.items()}
    table = merge.rows(outcome.state, urls, d)
    name = dialects.event_file_name(d, outcome.state, request.app[SETTINGS].tz(), "links", "csv")
    return download(dialects.to_csv(d, merge.header(d), table), "text/csv", name)


def _standing(
    state: EventState, latest: Mapping[str, MailStatus], with_kind: bool
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Counts by status, and each person with their latest e-mail (``latest``: by person)."""
    counts = {"queued": 0, "sent": 0, "failed": 0, "none": 0, "no_email": 0}
    if with_kind:  # the invitations: a link may have been handed out in a file instead
        counts["downloaded"] = 0
    people = []
    for p in state.participants.values():
        m = latest.get(p.id)
        counts[m.status if m else ("none" if p.email else "no_email")] += 1
        entry: dict[str, Any] = {"id": p.id, "name": p.name, "email": p.email, "mail": None}
        if m is not None:
            entry["mail"] = {"status": m.status, "at": m.at} | (
                {"kind": m.kind} if with_kind else {}
            )
            if m.status == "failed":
                entry["mail"] |= {"code": m.code, "reason": m.reason}
        people.append(entry)
    return counts, people
