"""The people of an event through the JSON API: import (a CSV file or a JSON list, with a preview),
list, edit, remove, and new links."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..core import logs
from ..core.model import EventState, MailStatus, Participant
from ..core.payloads import peer_payload
from ..errors import ProtocolError, UserError
from ..people import edits, fields, links, register, spreadsheet
from .api import body_json, json_response, link_url, require_admin
from .inputs import LinkIn, convert_one
from .keys import NEW_TOKEN, OWNER, SETTINGS
from .photos import forget_photo

routes = web.RouteTableDef()
CSV_TYPES = ("text/csv", "application/csv", "text/plain", "application/vnd.ms-excel")
KNOWN = {*fields.EDITABLE, "wishes"}


def _json_given(rows: Any) -> tuple[list[register.Given], list[spreadsheet.Problem]]:
    """People of a JSON list; every entry's problems at once (keys as in a file's header)."""
    if not isinstance(rows, list):
        raise ProtocolError("bad_request", "Send a JSON list of objects (or a CSV file).")
    if not rows:
        raise ProtocolError("bad_request", "The list is empty: nobody to register.")
    given: list[register.Given] = []
    problems: list[spreadsheet.Problem] = []
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            problems.append(spreadsheet.Problem("bad_type", "expected an object.", row=i))
            continue
        values: dict[str, spreadsheet.Cell] = {}
        wishes: list[str] = []
        for key, value in row.items():
            name = spreadsheet.field_of(str(key)) or str(key)
            if name not in KNOWN:
                message = f"unknown field {key!r} (known: {', '.join(sorted(KNOWN))})."
                problems.append(spreadsheet.Problem("unknown_field", message, row=i, field=key))
            elif name == "wishes":
                if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
                    message = 'expected a list of references, e.g. ["must:p3"].'
                    problems.append(spreadsheet.Problem("bad_type", message, row=i, field=name))
                else:
                    wishes = [w.strip() for w in value if w.strip()]
            elif name == "tags" and isinstance(value, list):
                if not all(isinstance(t, str) for t in value):
                    message = 'expected text or a list of tags, e.g. ["mobilité", "énergie"].'
                    problems.append(spreadsheet.Problem("bad_type", message, row=i, field=name))
                else:
                    values[name] = spreadsheet.Cell(", ".join(value), 0, "")
            elif not isinstance(value, str):
                message = f"expected text, got {type(value).__name__}."
                problems.append(spreadsheet.Problem("bad_type", message, row=i, field=name))
            else:
                values[name] = spreadsheet.Cell(value, 0, "")
        given.append(register.Given(row=i, values=values, wishes=wishes))
    return given, problems


def _sheet_given(sheet: spreadsheet.Sheet) -> list[register.Given]:
    out = []
    for i, row in enumerate(sheet.rows, start=1):
        cells = dict(row)
        wish_cell = cells.pop("wishes", None)
        refs = [w.strip() for w in wish_cell.value.split(";") if w.strip()] if wish_cell else []
        line = min(c.line for c in row.values()) if row else 0
        out.append(
            register.Given(row=i, values=cells, wishes=refs, wishes_cell=wish_cell, line=line)
        )
    return out


async def _given(
    request: web.Request,
) -> tuple[list[register.Given], list[spreadsheet.Problem], spreadsheet.Sheet | None]:
    if request.content_type in CSV_TYPES:
        sheet = await request.app[OWNER].pools.work(spreadsheet.read, await request.read())
        return _sheet_given(sheet), sheet.problems, sheet
    given, problems = _json_given(await body_json(request))
    return given, problems, None


def _where(g: register.Given) -> dict[str, Any]:
    return {"row": g.row, **({"line": g.line} if g.line is not None else {})}


def _person(p: Participant) -> dict[str, Any]:
    """A person as the organiser sees them: who, their profile, how they came."""
    return {
        **peer_payload(p),
        "email": p.email,
        "language": p.language,
        "signed_up": p.signed_up,
    }


def preview(planned: register.Planned, problems: list[spreadsheet.Problem], sheet: Any) -> Any:
    """``?dry_run=1``: what importing would do (nothing is stored)."""
    every = register.ordered([*problems, *planned.problems])
    body: dict[str, Any] = {
        "counts": {
            "added": len(planned.added),
            "updated": len(planned.updated),
            "unchanged": len(planned.unchanged),
            "problems": len(every),
        },
        "added": [{**_where(g), **_person(p)} for g, p in planned.added],
        "updated": [
            {**_where(g), **_person(p), "changes": changes} for g, p, changes in planned.updated
        ],
        "unchanged": [{**_where(g), **_person(p)} for g, p in planned.unchanged],
        "problems": [p.to_wire() for p in every],
    }
    if sheet is not None:
        body |= {
            "columns": sheet.columns,
            "ignored": sheet.ignored,
            "encoding": sheet.encoding,
            "separator": sheet.separator,
        }
    return body


@routes.post("/api/events/{id}/participants")
async def add_participants(request: web.Request) -> web.Response:
    """Register or update people from a JSON list or a CSV file, all or nothing; with
    ``?dry_run=1``, only say what that would do."""
    require_admin(request)
    owner = request.app[OWNER]
    event_id = request.match_info["id"]
    state = await owner.get(event_id)
    given, problems, sheet = await _given(request)
    cap = request.app[SETTINGS].max_participants
    # a file whose header is unusable has no rows worth checking
    sheet_bad = any(p.code in register.SHEET_CODES for p in problems)
    planned = await owner.pools.work(register.plan, state, given if not sheet_bad else [], cap)
    if request.query.get("dry_run", "") not in ("", "0", "false", "no"):
        return json_response(preview(planned, problems, sheet))
    if problems:
        raise register.rejected([*problems, *planned.problems])
    done: list[tuple[register.Planned, list[Participant], list[str]]] = []
    new_token = request.app[NEW_TOKEN]

    def change(s: EventState) -> EventState:
        planned = register.plan(s, given, cap)
        if planned.problems:
            over = [p for p in planned.problems if p.code == "too_many_participants"]
            if over:
                raise UserError("too_many_participants", over[0].message, **over[0].params)
            raise register.rejected(planned.problems)
        tokens = [new_token() for _ in planned.added]
        new, added = register.apply(s, planned, tokens)
        done[:] = [(planned, added, tokens)]
        return new

    await owner.update(event_id, change)
    planned, added, tokens = done[0]
    urls = {p.id: link_url(request, event_id, p.id, t) for p, t in zip(added, tokens, strict=True)}
    rows: dict[int, dict[str, Any]] = {}
    for kind in ("updated", "unchanged"):
        for entry in getattr(planned, kind):
            rows[entry[0].row] = {**_person(entry[1]), "status": kind}
    for (g, _), p in zip(planned.added, added, strict=True):
        rows[g.row] = {**_person(p), "status": "added", "join_url": urls[p.id]}
    return json_response([rows[g.row] for g in given], status=201)


def mail_status(entries: list[Any]) -> dict[str, dict[str, Any]]:
    """Each person's latest e-mail status (of the mail log)."""
    return {pid: status_payload(m) for pid, m in logs.mail_status(entries).items()}


def status_payload(m: MailStatus) -> dict[str, Any]:
    """One e-mail's status as the API gives it."""
    out: dict[str, Any] = {"kind": m.kind, "status": m.status, "at": m.at}
    if m.status == "failed":
        out |= {"code": m.code, "reason": m.reason}
    return out


@routes.get("/api/events/{id}/participants")
async def list_participants(request: web.Request) -> web.Response:
    """Everyone registered, online or not, and their e-mail's status (links are given when
    made)."""
    require_admin(request)
    owner = request.app[OWNER]
    state = await owner.get(request.match_info["id"])
    online = await owner.store.online(state.id)
    mail = mail_status(await owner.store.entries(state.id, "mail"))
    return json_response(
        [
            {
                **_person(p),
                "online": p.id in online,
                "stopped": p.stopped,
                "mail": mail.get(p.id),
            }
            for p in state.participants.values()
        ]
    )


@routes.patch("/api/events/{id}/participants/{pid}")
async def edit_participant(request: web.Request) -> web.Response:
    """Change a person's name, organisation, side, e-mail, language or profile."""
    require_admin(request)
    body = await body_json(request)
    if not isinstance(body, dict) or not body:
        raise ProtocolError("bad_request", "Send an object of the fields to change.")
    values: dict[str, str] = {}
    for key, value in body.items():
        name = spreadsheet.field_of(str(key)) or str(key)
        if name == "tags" and isinstance(value, list) and all(isinstance(t, str) for t in value):
            value = ", ".join(value)
        if name not in fields.EDITABLE or not isinstance(value, str):
            raise ProtocolError(
                "bad_request",
                f"{key!r}: send text for one of {', '.join(fields.EDITABLE)}.",
                field=key,
            )
        values[name] = value
    pid = request.match_info["pid"]
    outcome = await request.app[OWNER].apply(
        request.match_info["id"], lambda s, c: edits.edit(s, pid, values, c.now)
    )
    return json_response(_person(outcome.result["person"]))


@routes.delete("/api/events/{id}/participants/{pid}")
async def remove_participant(request: web.Request) -> web.Response:
    """Take someone off the event (before it starts)."""
    require_admin(request)
    pid = request.match_info["pid"]
    outcome = await request.app[OWNER].apply(
        request.match_info["id"], lambda s, c: edits.remove(s, pid, c.now)
    )
    await forget_photo(request.app[OWNER].store, outcome.state.id, pid, outcome.result["photo"])
    return web.Response(status=204)


@routes.post("/api/events/{id}/links")
async def reissue_link(request: web.Request) -> web.Response:
    """A new link for someone (``who``: a participant id, ``host``, ``moderator`` or
    ``registration``); the old one stops working at once."""
    require_admin(request)
    body = convert_one(await body_json(request), LinkIn, "link")
    event_id, token = request.match_info["id"], request.app[NEW_TOKEN]()
    await request.app[OWNER].apply(
        event_id,
        lambda s, c: links.reissue(s, {body.who: token}, c.now, "admin", "reissue_link"),
    )
    url = link_url(request, event_id, body.who, token)
    return json_response({"who": body.who, "url": url}, status=201)
