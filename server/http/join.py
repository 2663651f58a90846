"""The event's registration link: people sign themselves up and land on their personal page."""

from __future__ import annotations

import hmac
from typing import Any

from aiohttp import web

from .. import i18n, roster, views
from ..errors import ProtocolError
from ..model import EventState, Participant, Phase
from .keys import EVENTS, NEW_TOKEN
from .pages import bad_link, language, render

routes = web.RouteTableDef()
FIELDS = ("name", "organization", "side", "email")


async def _event(request: web.Request) -> EventState | None:
    state = await request.app[EVENTS].store.load(request.match_info["event"])
    token = request.match_info["token"]
    if state is None or not state.registration_token:
        return None
    if not hmac.compare_digest(state.registration_token, token):
        return None
    return state


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
    state = await _event(request)
    lang = language(request, state.settings.language if state else None)
    if state is None:
        return bad_link(request, lang)
    return _form(request, state, lang, {})


@routes.post("/e/{event}/join/{token}")
async def join(request: web.Request) -> web.Response:
    """Register the person (the same checks as the API) and send them to their page."""
    state = await _event(request)
    lang = language(request, state.settings.language if state else None)
    if state is None:
        return bad_link(request, lang)
    form = await request.post()
    values = {k: str(form.get(k, "")).strip()[:200] for k in FIELDS}
    if state.clock.phase is Phase.ENDED:
        return _form(request, state, lang, values, status=409)
    row = roster.Row(values["name"], values["organization"], values["side"], values["email"], [])
    token = request.app[NEW_TOKEN]()
    created: list[Participant] = []

    def change(s: EventState) -> EventState:
        new, people = roster.register(s, [row], [token])
        created.extend(people)
        return new

    try:
        await request.app[EVENTS].update(state.id, change)
    except ProtocolError as exc:
        field = exc.detail.get("field")
        t: dict[str, Any] = i18n.strings(lang)
        message = t.get(f"join_error_{field}", exc.message)
        return _form(request, state, lang, values, error=message, status=400)
    raise web.HTTPSeeOther(f"/e/{state.id}/p/{created[0].token}?lang={lang}")
