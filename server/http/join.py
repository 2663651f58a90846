"""The event's registration link: people sign themselves up and land on their personal page."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .. import i18n, links, roster, views
from ..errors import ProtocolError, UserError
from ..limits import RateLimited
from ..model import EventState, Participant, Phase
from .keys import NEW_TOKEN, OWNER, SETTINGS, SIGNUPS
from .pages import bad_link, language, render

routes = web.RouteTableDef()
FIELDS = ("name", "organization", "side", "email")


async def _open(request: web.Request) -> tuple[EventState, str]:
    """The event of a valid registration link and the person's language; else a 404 page."""
    state = await request.app[OWNER].store.load(request.match_info["event"])
    lang = language(request, state.settings.language if state else None)
    token = request.match_info["token"]
    if state is None or not links.same(token, state.registration_token_hash):
        page = bad_link(request, lang)
        raise web.HTTPNotFound(text=page.text, content_type="text/html")
    return state, lang


def _form(
    request: web.Request,
    state: EventState,
    lang: str,
    values: dict[str, str],
    error: str = "",
    status: int = 200,
) -> web.Response:
    t = i18n.strings(lang)
    return render(
        request,
        "join.html",
        status=status,
        t=t,
        lang=lang,
        title=state.settings.title,
        event=views.event_payload(state),
        values=values,
        error=error,
        closed=state.clock.phase is Phase.ENDED,
    )


@routes.get("/e/{event}/join/{token}")
async def join_form(request: web.Request) -> web.Response:
    """The sign-up form."""
    state, lang = await _open(request)
    return _form(request, state, lang, {})


@routes.post("/e/{event}/join/{token}")
async def join(request: web.Request) -> web.Response:
    """Register the person (the same checks as the API) and send them to their page."""
    state, lang = await _open(request)
    form = await request.post()
    values = {k: str(form.get(k, "")).strip()[:200] for k in FIELDS}
    if state.clock.phase is Phase.ENDED:
        return _form(request, state, lang, values, status=409)
    try:
        request.app[SIGNUPS].check(request, state.id)
    except RateLimited as exc:
        t: dict[str, Any] = i18n.strings(lang)
        message = t.get("join_error_rate_limited", exc.message)
        return _form(request, state, lang, values, error=message, status=429)
    row = roster.Row(values["name"], values["organization"], values["side"], values["email"], [])
    token = request.app[NEW_TOKEN]()
    created: list[Participant] = []

    cap = request.app[SETTINGS].max_participants

    def change(s: EventState) -> EventState:
        new, people = roster.register(s, [row], [token], cap)
        created.extend(people)
        return new

    try:
        await request.app[OWNER].update(state.id, change)
    except (ProtocolError, UserError) as exc:
        field = exc.detail.get("field")
        strings: dict[str, Any] = i18n.strings(lang)
        message = strings.get(f"join_error_{field or exc.code}", exc.message)
        return _form(request, state, lang, values, error=message, status=exc.status)
    raise web.HTTPSeeOther(f"/e/{state.id}/p/{token}?lang={lang}")
