"""Follow-ups under a participant's own link (or the link to their summary alone, which works
after the event, with no live page open): propose times, pick one, cancel, as JSON; and the
follow-up room's page, a one-to-one call of the pair while the room is open."""

from __future__ import annotations

from typing import Annotated

import msgspec
from aiohttp import web

from .. import assets
from ..core import followups
from ..core.event import event_payload
from ..core.model import EventState
from ..core.payloads import peer_payload
from ..errors import NotFound
from .api import body_json, json_response
from .inputs import Epoch, convert_one
from .keys import FOLLOWUPS, OWNER
from .pages import bad_link, language, render
from .results import own_link

routes = web.RouteTableDef()
Zone = Annotated[str, msgspec.Meta(max_length=64)]
BASE = "/e/{event}/p/{token}/followups/{peer}"


class ProposeIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``POST …/followups/{peer}/propose``: start times (epoch ms) and the browser's zone."""

    times: Annotated[list[Epoch], msgspec.Meta(max_length=10)]
    tz: Zone = ""


class PickIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``POST …/followups/{peer}/pick``: one of the times the other proposed."""

    start: Epoch
    tz: Zone = ""


async def _whose(request: web.Request) -> tuple[EventState, str, str]:
    """The event, the person whose link the path carries, and the peer it names."""
    found = await own_link(request)
    if found is None:
        raise NotFound("bad_token", "This link is not valid. Ask the organiser for yours.")
    state, pid, _ = found
    return state, pid, request.match_info["peer"]


def _answer(fu: followups.FollowUp, pid: str, peer: str) -> web.Response:
    return json_response({"followup": followups.view(fu, pid, peer)})


@routes.post(BASE + "/propose")
async def propose(request: web.Request) -> web.Response:
    """Propose up to three times to the other of a mutual follow-up."""
    state, pid, peer = await _whose(request)
    body = convert_one(await body_json(request), ProposeIn, "propose")
    fu = await request.app[FOLLOWUPS].propose(state.id, pid, peer, body.times, body.tz)
    return _answer(fu, pid, peer)


@routes.post(BASE + "/pick")
async def pick(request: web.Request) -> web.Response:
    """Pick one of the times the other proposed: booked."""
    state, pid, peer = await _whose(request)
    body = convert_one(await body_json(request), PickIn, "pick")
    fu = await request.app[FOLLOWUPS].pick(state.id, pid, peer, body.start, body.tz)
    return _answer(fu, pid, peer)


@routes.post(BASE + "/cancel")
async def cancel(request: web.Request) -> web.Response:
    """Cancel the booking, or withdraw the proposal."""
    state, pid, peer = await _whose(request)
    fu = await request.app[FOLLOWUPS].cancel(state.id, pid, peer)
    return _answer(fu, pid, peer)


@routes.get("/e/{event}/p/{token}/followup/{peer}")
@routes.get("/e/{event}/room/{token}/{peer}")
async def room_page(request: web.Request) -> web.Response:
    """The follow-up room of a booked pair: the page says when it opens, or that it closed,
    and calls the other while it is open (``/followup`` namespace). Under the person's own
    link or their summary's, or the link to their follow-up rooms alone (what calendar
    invitations carry: it opens these rooms and nothing else)."""
    rooms_only = "/room/" in request.path
    found = await (own_link(request, ("room",)) if rooms_only else own_link(request))
    peer = request.match_info["peer"]
    if found is None:
        return bad_link(request, language(request))
    state, pid, _ = found
    fu = await request.app[FOLLOWUPS].current(state.id, pid, peer)
    lang = language(request, state.participants[pid].language or state.settings.language)
    if fu is None or fu.status != "booked" or peer not in state.participants:
        return bad_link(request, lang)
    t = assets.strings(lang)
    other = peer_payload(state.participants[peer])
    boot = {
        "role": "followup",
        "token": request.match_info["token"],
        "lang": lang,
        "strings": t,
        "event": event_payload(state),
        "me": peer_payload(state.participants[pid]),
        "peer": other,
        "followup": followups.view(fu, pid, peer),
        "now": request.app[OWNER].now(),
        "summary": None
        if rooms_only
        else f"/e/{state.id}/p/{request.match_info['token']}/summary?lang={lang}",
    }
    return render(
        request,
        "followup.html",
        t=t,
        lang=lang,
        boot=boot,
        title=state.settings.title,
        peer=other,
    )
