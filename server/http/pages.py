"""Pages: the participant room, the host console, the moderator board, the self-test."""

from __future__ import annotations

from typing import Any

import jinja2
from aiohttp import web

from .. import assets
from ..assets import WEB
from ..core import words
from ..core.event import event_payload
from ..core.model import EventState
from ..core.payloads import peer_payload
from ..errors import SpeedmeetError, Unauthorized
from ..live.turn import SELFTEST, ice_policy
from ..people import directory, links
from .api import json_response, planned
from .keys import ICE, OWNER, SETTINGS
from .selftest import linked_event

routes = web.RouteTableDef()
JINJA = web.AppKey("jinja", jinja2.Environment)


def environment() -> jinja2.Environment:
    """The page templates, autoescaped."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(WEB / "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )
    env.globals["fill"] = words.fill  # a catalogue string filled, elided in French
    return env


def language(request: web.Request, event: str | None = None) -> str:
    """The page's language: ``?lang=``, then the event's for a page of an event (its pages speak
    the event's language whatever the browser prefers), else the browser's preference, then the
    server's."""
    query = request.query.get("lang")
    if event in assets.LANGUAGES:
        return assets.choose(query, None, event)
    browser = request.headers.get("Accept-Language")
    return assets.choose(query, browser, request.app[SETTINGS].language)


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    """A page in the person's language."""
    html = request.app[JINJA].get_template(template).render(**context)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def bad_link(request: web.Request, lang: str) -> web.Response:
    """A friendly 404 for a wrong or outdated link."""
    t = assets.strings(lang)
    return render(
        request,
        "error.html",
        status=404,
        t=t,
        lang=lang,
        title=t.get("error_title", "Link not valid"),
        message=t.get("error_bad_link", "This link is not valid. Ask the organiser for yours."),
        hint=t["error_help"],
    )


@web.middleware
async def page_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """A page the server cannot serve for now (its store is down, its event was set aside as
    unreadable) is a page that says so, not a JSON error: for browsers asking for HTML."""
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except SpeedmeetError as exc:
        if exc.status < 500 or "text/html" not in request.headers.get("Accept", ""):
            raise
        lang = language(request)
        t = assets.strings(lang)
        return render(
            request,
            "error.html",
            status=503,
            t=t,
            lang=lang,
            title=t["error_unavailable_title"],
            message=t["error_unavailable"],
            hint=t["error_unavailable_help"],
        )


async def _page(request: web.Request, role: str) -> web.Response:
    owner = request.app[OWNER]
    state = await owner.store.load(request.match_info["event"])
    lang = language(request, state.settings.language if state else None)
    token = request.match_info["token"]
    ref = await owner.store.resolve(token) if state is not None else None
    if state is None or ref is None or ref.event_id != state.id or ref.role != role:
        return bad_link(request, lang)
    person = state.participants.get(ref.participant_id or "")
    if person is not None and person.language and request.query.get("lang") not in assets.LANGUAGES:
        lang = person.language  # the organiser (or the person, signing up) chose it
    t = assets.strings(lang)
    boot: dict[str, Any] = {
        "role": role,
        "token": token,
        "lang": lang,
        "strings": t,
        "event": event_payload(state),
        "chat_max_chars": request.app[SETTINGS].chat_max_chars,
    }
    if ref.participant_id is not None:
        p = state.participants[ref.participant_id]
        boot["me"] = {**peer_payload(p), "signed_up": p.signed_up}
        boot["directory"] = directory.may_browse(state, p.id)
        rules = request.app[SETTINGS].media_rules()
        boot["media"] = {"no_video_ms": rules.no_video_ms, "no_audio_ms": rules.no_audio_ms}
        # ratings are taken until the event's data is forgotten: the page says for how long
        boot["ratings_days"] = request.app[SETTINGS].retention_days
    return render(request, f"{role}.html", t=t, lang=lang, boot=boot, title=state.settings.title)


@routes.get("/e/{event}/p/{token}")
async def participant_page(request: web.Request) -> web.Response:
    """A participant's personal page."""
    return await _page(request, "participant")


@routes.get("/e/{event}/host/{token}")
async def host_page(request: web.Request) -> web.Response:
    """The host console."""
    return await _page(request, "host")


@routes.get("/e/{event}/mod/{token}")
async def moderator_page(request: web.Request) -> web.Response:
    """The moderator board."""
    return await _page(request, "moderator")


async def host_event(request: web.Request) -> EventState | None:
    """The event of the path, if the path's token is its host link (a host link of another
    event opens nothing here): the one check of every host-link route."""
    state = await request.app[OWNER].store.load(request.match_info["event"])
    if state is None or not links.same(request.match_info["token"], state.host_token_hash):
        return None
    return state


@routes.get("/e/{event}/host/{token}/schedule")
async def host_schedule(request: web.Request) -> web.Response:
    """The schedule for the host console (authorised by the host link)."""
    state = await host_event(request)
    if state is None:
        return json_response({"error": {"code": "bad_token", "message": "Not a host link."}}, 404)
    return json_response(await planned(request, state))


def _check_page(
    request: web.Request, link: dict[str, str] | None, policy: str = "all"
) -> web.Response:
    """The self-test page; it measures only with ``link`` (``{event, token}``: the link of an
    event it was opened from), else it says where to open it from. ``policy``: the event's ICE
    transport policy (the server's applies as well)."""
    lang = language(request)
    t = assets.strings(lang)
    settings = request.app[SETTINGS]
    # the same STUN/TURN servers as the rooms (fresh TURN credentials): the test says what a
    # meeting would get
    ice = request.app[ICE].wire(SELFTEST)
    seconds = round(settings.selftest_measure_seconds)
    boot = {
        "role": "check",
        "token": "",
        "lang": lang,
        "strings": t,
        "event": None,
        "ice_servers": ice,
        "ice_transport_policy": ice_policy(settings.ice_transport_policy, policy),
        "link": link,
        "measure_seconds": settings.selftest_measure_seconds,
    }
    return render(
        request,
        "check.html",
        t=t,
        lang=lang,
        boot=boot,
        seconds=seconds,
        title=t.get("check_title", "Self-test"),
    )


@routes.get("/check")
async def check_page(request: web.Request) -> web.Response:
    """The camera and network self-test, to read: it measures only from a link of an event."""
    return _check_page(request, None)


@routes.get("/e/{event}/p/{token}/check")
@routes.get("/e/{event}/join/{token}/check")
async def linked_check_page(request: web.Request) -> web.Response:
    """The self-test opened from a participant's page or the registration page."""
    event, token = request.match_info["event"], request.match_info["token"]
    try:
        await linked_event(request.app[OWNER].store, event, token)
    except Unauthorized:
        return bad_link(request, language(request))
    state = await request.app[OWNER].store.load(event)
    policy = state.settings.ice_transport_policy if state is not None else "all"
    return _check_page(request, {"event": event, "token": token}, policy)


@routes.get("/")
async def home(request: web.Request) -> web.Response:
    """A short page saying what this is."""
    lang = language(request)
    t = assets.strings(lang)
    return render(
        request,
        "error.html",
        t=t,
        lang=lang,
        title="Speedmeet",
        message=t.get("home_message", "Open the link you were given to join an event."),
        hint=t["error_help"],
    )


@routes.get("/admin")
async def admin_page(request: web.Request) -> web.Response:
    """The organiser's page: signed in with the admin token, which the page keeps in the tab's
    sessionStorage and sends as a Bearer header (never in an address, never as a cookie)."""
    lang = language(request)
    t = assets.strings(lang)
    boot = {"role": "admin", "token": "", "lang": lang, "strings": t, "event": None}
    return render(request, "admin.html", t=t, lang=lang, boot=boot, title=t["admin_title"])
