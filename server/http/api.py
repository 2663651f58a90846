"""The JSON API: events, participants (JSON or CSV), wishes, schedule (results: ``results``)."""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from ..core import payloads, schedule
from ..core.event import check_two_sides, edit, event_payload, new_event
from ..core.model import EventState, Matching, OddPolicy, Settings, Signup
from ..errors import ProtocolError, SpeedmeetError, Unauthorized, UserError
from ..limits import MAX_DEPTH, too_deep
from ..people import links, profiles, wishes
from ..results import retention
from ..settings import Settings as ServerSettings
from .inputs import (
    EventIn,
    EventPatch,
    WishIn,
    convert_one,
    convert_rows,
    given_fields,
    synonym_lines,
)
from .keys import ADMIN_TOKEN, LEASES, NEW_TOKEN, OWNER, SETTINGS

routes = web.RouteTableDef()
MAX_BODY = 5 * 1024 * 1024


def json_response(data: Any, status: int = 200) -> web.Response:
    """A JSON body encoded with msgspec (handles our structs)."""
    return web.Response(
        body=msgspec.json.encode(data), status=status, content_type="application/json"
    )


@web.middleware
async def errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """Translate our errors to ``{error: {code, message, ...}}`` with the right status."""
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except SpeedmeetError as exc:
        return json_response({"error": exc.to_wire()}, status=exc.status)


def require_admin(request: web.Request) -> None:
    """Check ``Authorization: Bearer <admin token>`` (compared as hashes: any alphabet)."""
    header = request.headers.get("Authorization", "")
    given = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    if not given or not links.same(given, links.token_hash(request.app[ADMIN_TOKEN])):
        raise Unauthorized(
            "unauthorized", "Send the admin token as 'Authorization: Bearer <token>'."
        )


async def body_json(request: web.Request) -> Any:
    """The request's JSON body, or a clear 400."""
    try:
        data = msgspec.json.decode(await request.read())
    except RecursionError as exc:
        raise ProtocolError("bad_json", "The body's JSON is nested too deeply.") from exc
    except msgspec.DecodeError as exc:
        raise ProtocolError("bad_json", f"The body is not valid JSON: {exc}.") from exc
    if too_deep(data):
        raise ProtocolError("too_deep", f"The body's JSON nests deeper than {MAX_DEPTH} levels.")
    return data


def link_url(request: web.Request, event_id: str, who: str, token: str) -> str:
    """The address of a secret link: ``who`` is ``host``, ``moderator``, ``registration`` or a
    participant id. Only known when the link is made: the server keeps the token's hash."""
    return request.app[SETTINGS].base_url() + links.path(event_id, who, token)


def event_body(request: web.Request, state: EventState, online: frozenset[str]) -> dict[str, Any]:
    """``GET /api/events/{id}``: settings, clock and counts (the links are given when made)."""
    now = request.app[OWNER].now()
    return {
        **event_payload(state),
        "clock": payloads.clock_payload(state, now),
        "participants": len(state.participants),
        "online": len(online),
        "created_at": state.created_at,
        "forget_at": retention.forget_at(state, request.app[SETTINGS].retention_days),
    }


def odd_default(mode: str, configured: OddPolicy) -> OddPolicy:
    """An odd count's default: in a two-sided event the larger side's extras wait (a room of
    three would put two of one side together), unless the organiser asks for trios; in an open
    event, the server's ``odd``."""
    return "wait" if mode == "bipartite" else configured


@routes.post("/api/events")
async def create_event(request: web.Request) -> web.Response:
    """Create an event; answer with its id and the host and moderator links."""
    require_admin(request)
    body = convert_one(await body_json(request), EventIn, "event")
    m = body.matching
    check_two_sides(m.mode, m.sides)
    settings = request.app[SETTINGS]
    policy = body.ice_transport_policy or settings.ice_transport_policy
    relay_possible(settings, policy)
    new_token = request.app[NEW_TOKEN]
    owner = request.app[OWNER]
    tokens = {who: new_token() for who in links.STAFF_LINKS}
    state = new_event(
        new_token()[:8].replace("-", "x").replace("_", "y"),
        Settings(
            title=body.title,
            round_seconds=body.round_seconds,
            break_seconds=body.break_seconds,
            rounds=body.rounds,
            matching=Matching(
                mode=m.mode, sides=tuple(m.sides), odd=m.odd or odd_default(m.mode, settings.odd)
            ),
            no_show_seconds=body.no_show_seconds or settings.no_show_seconds,
            language=body.language or settings.language,
            starts_at=body.starts_at,
            reminder_minutes=settings.reminder_minutes
            if body.reminder_minutes is None
            else body.reminder_minutes,
            signup=Signup(**given_fields(body.signup)),
            directory=body.directory,
            tags=profiles.normal_tags(body.tags),
            ice_transport_policy=policy,
            relevance=body.relevance,
            synonyms=synonym_lines(body.synonyms),
        ),
        links.token_hash(tokens["host"]),
        links.token_hash(tokens["moderator"]),
        links.token_hash(tokens["registration"]),
        owner.now(),
    )
    await owner.create(state)
    request.app[LEASES].poke()
    made = {f"{who}_url": link_url(request, state.id, who, t) for who, t in tokens.items()}
    return json_response({**event_body(request, state, frozenset()), **made}, status=201)


def relay_possible(settings: ServerSettings, policy: str | None) -> None:
    """Refuse relay-only calls (``policy`` ``relay``) on a server with no TURN relay: every
    call of the event would fail."""
    if policy == "relay" and not settings.has_turn():
        raise UserError(
            "needs_turn",
            "Relay-only calls need a TURN relay, and this server has none: set turn_urls and "
            "turn_secret in its configuration (see docs/deploy.md), restart it, then choose "
            "relay-only again.",
            field="ice_transport_policy",
        )


@routes.get("/api/events")
async def list_events(request: web.Request) -> web.Response:
    """Every event, oldest first."""
    require_admin(request)
    owner = request.app[OWNER]
    out = []
    for event_id in await owner.store.event_ids():
        state = await owner.get(event_id)
        out.append(event_body(request, state, await owner.store.online(event_id)))
    return json_response(out)


@routes.get("/api/events/{id}")
async def get_event(request: web.Request) -> web.Response:
    """The event and its clock."""
    require_admin(request)
    owner = request.app[OWNER]
    state = await owner.get(request.match_info["id"])
    return json_response(event_body(request, state, await owner.store.online(state.id)))


@routes.patch("/api/events/{id}")
async def edit_event(request: web.Request) -> web.Response:
    """Change the event's settings: any before the start, the title and the sign-up link's
    rules until the end."""
    require_admin(request)
    changes = given_fields(convert_one(await body_json(request), EventPatch, "event"))
    relay_possible(request.app[SETTINGS], changes.get("ice_transport_policy"))
    owner = request.app[OWNER]
    outcome = await owner.apply(request.match_info["id"], lambda s, c: edit(s, changes, c.now))
    request.app[LEASES].poke()  # a new start time: the reminder is due at another time
    online = await owner.store.online(outcome.state.id)
    return json_response(event_body(request, outcome.state, online))


@routes.delete("/api/events/{id}")
async def delete_event(request: web.Request) -> web.Response:
    """Delete an event and everything kept of it (not while a round or a break runs)."""
    require_admin(request)
    await request.app[OWNER].delete(request.match_info["id"])
    return web.Response(status=204)


@routes.post("/api/events/{id}/forget")
async def forget_event(request: web.Request) -> web.Response:
    """Forget the event's personal data now (as ``retention_days`` does after the event),
    keeping its report's figures anonymised; answers with what is kept."""
    require_admin(request)
    return json_response(await request.app[OWNER].forget(request.match_info["id"]))


@routes.get("/api/archive")
async def archive(request: web.Request) -> web.Response:
    """The forgotten events whose figures are kept: id, title, when it started and ended and
    when it was forgotten (``GET /api/events/{id}/report`` gives the figures)."""
    require_admin(request)
    store = request.app[OWNER].store
    out = []
    for event_id in await store.archived_ids():
        raw = await store.archived(event_id)
        if raw is None:
            continue
        kept = msgspec.json.decode(raw)
        event = kept["event"]
        out.append(
            {
                "id": event_id,
                "title": event["title"],
                "starts_at": event.get("starts_at"),
                "ended_at": event.get("ended_at"),
                "forgotten_at": kept["forgotten_at"],
            }
        )
    return json_response(out)


@routes.get("/api/info")
async def server_info(request: web.Request) -> web.Response:
    """What the organiser's page needs to know of this server."""
    require_admin(request)
    s = request.app[SETTINGS]
    return json_response(
        {
            "mail": bool(s.smtp_host),
            "mail_from": s.smtp_from,
            "max_participants": s.max_participants,
            "reminder_minutes": s.reminder_minutes,
            "data_policy": s.data_policy,
            "retention_days": s.retention_days,
            "language": s.language,
            "base_url": s.base_url(),
        }
    )


@routes.post("/api/events/{id}/wishes")
async def add_wishes(request: web.Request) -> web.Response:
    """Record whom people want (``must``, ``like``) or do not want (``no``) to meet."""
    require_admin(request)
    given = convert_rows(await body_json(request), WishIn)
    owner = request.app[OWNER]
    state = await owner.update(
        request.match_info["id"],
        lambda s: wishes.add_wishes(
            s, wishes.wishes_from_rows(s, [(w.source, w.target, w.level) for w in given])
        ),
    )
    return json_response({"wishes": len(state.wishes)}, status=201)


async def planned(request: web.Request, state: EventState) -> dict[str, Any]:
    """``schedule`` computed in a worker thread (a whole plan of a big event takes seconds)."""
    online = await request.app[OWNER].store.online(state.id)
    return await request.app[OWNER].pools.work(schedule.schedule, state, online)


@routes.get("/api/events/{id}/schedule")
async def get_schedule(request: web.Request) -> web.Response:
    """The plan for everyone registered (before the start) or present (after)."""
    require_admin(request)
    state = await request.app[OWNER].get(request.match_info["id"])
    return json_response(await planned(request, state))
