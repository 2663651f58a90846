"""The event's registration link: people sign themselves up and land on their personal page."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .. import assets
from ..core import event, outcome, texts, words
from ..core.model import AuditEntry, EventState, Participant
from ..errors import ProtocolError, UserError
from ..limits import RateLimited
from ..people import links, register, signup
from ..people.spreadsheet import Cell
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


def policy(request: web.Request, state: EventState, lang: str) -> str:
    """The data policy people consent to: the event's, the server's, or the default text."""
    own = state.settings.signup.policy or request.app[SETTINGS].data_policy
    return own or assets.strings(lang)["join_policy_default"]


def policy_digest(text: str) -> str:
    """A short fingerprint of the policy text consented to (kept in the audit log)."""
    return links.token_hash(text)[:16]


def _form(
    request: web.Request,
    state: EventState,
    lang: str,
    values: dict[str, str],
    error: str = "",
    status: int = 200,
    error_field: str = "",
) -> web.Response:
    t = assets.strings(lang)
    closed = signup.closed(state, request.app[OWNER].now(), request.app[SETTINGS].max_participants)
    return render(
        request,
        "join.html",
        status=status,
        t=t,
        lang=lang,
        title=state.settings.title,
        event=event.event_payload(state),
        values=values,
        error=error,
        # a field's error is said beside it (the template knows which fields it shows)
        error_field=error_field,
        closed=closed,
        closed_text=t.get(f"join_closed_{closed}", t["join_closed"]) if closed else "",
        policy=policy(request, state, lang),
        consented=values.get("consent") == "yes",
        # the self-test measures only from a link of the event: this one
        check_url=f"/e/{state.id}/join/{request.match_info['token']}/check?lang={lang}",
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
    # cleaned as the import cleans them (control characters), so the form shows back what is kept
    values = {k: texts.line(str(form.get(k, ""))).strip()[:200] for k in FIELDS}
    values["consent"] = "yes" if form.get("consent") == "yes" else ""
    t: dict[str, Any] = assets.strings(lang)
    if signup.closed(state, request.app[OWNER].now(), request.app[SETTINGS].max_participants):
        return _form(request, state, lang, values, status=409)
    try:
        request.app[SIGNUPS].check(request, state.id)
    except RateLimited as exc:
        scope = "_address" if exc.detail.get("scope") == "address" else ""
        message = t.get(f"join_error_rate_limited{scope}", exc.message)
        return _form(request, state, lang, values, error=message, status=429)
    if not values["consent"]:
        return _form(
            request, state, lang, values, t["join_error_consent"], 400, error_field="consent"
        )
    given = register.Given(
        row=1,
        values={
            **{k: Cell(values[k], 0, "") for k in FIELDS},
            "language": Cell(lang, 0, ""),
        },
    )
    token = request.app[NEW_TOKEN]()
    created: list[Participant] = []
    cap = request.app[SETTINGS].max_participants
    digest = policy_digest(policy(request, state, lang))

    def change(s: EventState, now: int) -> outcome.Outcome:
        closed = signup.closed(s, now, cap)
        if closed:  # checked again on the latest state: the last place may just have gone
            raise UserError("signup_closed", f"Sign-up is closed ({closed}).", why=closed)
        planned = register.plan(s, [given], cap, update=False)
        if planned.problems:
            raise register.rejected(planned.problems)
        new, people = register.apply(s, planned, [token], signed_up=True)
        created[:] = people
        entry = AuditEntry(at=now, actor=people[0].id, action="consent", detail=digest)
        return outcome.Outcome(new, [], {}, [entry])

    try:
        await request.app[OWNER].apply(state.id, lambda s, c: change(s, c.now))
    except (ProtocolError, UserError) as exc:
        if exc.code == "signup_closed":
            return _form(request, state, lang, values, status=409)
        first = (exc.detail.get("problems") or [exc.to_wire()])[0]
        code, field = first.get("code", exc.code), first.get("field")
        if code == "email_taken":
            key, status = "join_error_email_taken", 409
        elif code == "too_many_participants":
            key, status = "join_error_too_many_participants", 409
        elif code == "bad_email":  # the API's words: the same rule, said the same way
            key, status = "import_problem_bad_email", exc.status
        else:
            key, status = f"join_error_{field or code}", exc.status
        said = first.get("message", exc.message)
        message = words.fill(t[key], lang, **(first.get("params") or {})) if key in t else said
        return _form(request, state, lang, values, message, status, error_field=field or "")
    raise web.HTTPSeeOther(f"/e/{state.id}/p/{token}?lang={lang}")
