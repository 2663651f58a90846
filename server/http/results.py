"""What the event produced: the organiser's report and the results files (host link or admin
token), each participant's summary and contacts (their own link only).

Every answer here is built from the event's state, its feedback and follow-ups logs and its
connected-call counters (``figures``, ``exports``, ``contacts``); a wish to follow up that one
person alone made shows nowhere.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from aiohttp import web

from .. import assets
from ..core import event, followups, logs, payloads
from ..core.model import Entry, EventState, Phase
from ..errors import NotFound
from ..mail import compose
from ..people import links
from ..results import contacts, dialects, exports, figures, formats
from ..results.summary import summary_payload
from .api import json_response, require_admin
from .keys import ADMIN_TOKEN, FOLLOWUPS, OWNER, SETTINGS
from .pages import bad_link, host_event, language, render

routes = web.RouteTableDef()
FOLLOWUP_WORDS = (
    "followup_",
    "messages_",
    "error_unknown",
    "error_timeout",
)  # what summary.js says
T = TypeVar("T")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _inputs(request: web.Request, state: EventState) -> tuple[list[Entry], figures.Counters]:
    store = request.app[OWNER].store
    return await store.entries(state.id, "feedback"), await store.connected(state.id)


async def _followups(request: web.Request, state: EventState) -> list[Entry]:
    return await request.app[OWNER].store.entries(state.id, "followups")


async def _off_loop(request: web.Request, fn: Callable[..., T], *args: Any) -> T:
    """Run a computation over a whole event in the work pool (a big event takes a while; the
    event's own commands do not wait behind it)."""
    return await request.app[OWNER].pools.work(fn, *args)


async def report_of(request: web.Request, state: EventState) -> dict[str, Any]:
    """The organiser's figures (``figures.report``)."""
    feedback, counters = await _inputs(request, state)
    log = await _followups(request, state)
    return await _off_loop(request, figures.report, state, feedback, counters, log)


async def _table(request: web.Request, state: EventState) -> list[list[exports.Value]]:
    feedback, counters = await _inputs(request, state)
    log = await _followups(request, state)
    tz = request.app[SETTINGS].tz()
    return await _off_loop(request, exports.rows, state, feedback, counters, tz, log)


async def _contacts(
    request: web.Request, state: EventState, d: dialects.Dialect
) -> list[list[exports.Value]]:
    feedback, counters = await _inputs(request, state)
    log = await _followups(request, state)
    tz = request.app[SETTINGS].tz()
    return await _off_loop(request, contacts.rows, state, feedback, counters, log, tz, d)


def download(body: bytes, content_type: str, name: str) -> web.Response:
    """A file to save as ``name`` (``dialects.file_name``)."""
    return web.Response(
        body=body,
        content_type=content_type,
        charset="utf-8" if content_type.startswith("text/") else None,
        headers={"Content-Disposition": dialects.disposition(name)},
    )


def file_of(request: web.Request, state: EventState) -> dialects.Dialect:
    """How a download of the event is written: ``?lang=`` (``?sep=``), else the event's
    language; a 400 for a value it does not know, before any work."""
    return dialects.chosen(request.query, state.settings.language)


def _name(request: web.Request, state: EventState, d: dialects.Dialect, what: str, ext: str) -> str:
    return dialects.event_file_name(d, state, request.app[SETTINGS].tz(), what, ext)


async def csv_response(request: web.Request, state: EventState) -> web.Response:
    """``meetings.csv`` in the file's language (``file_of``)."""
    d = file_of(request, state)
    tz = request.app[SETTINGS].tz()
    body = await _off_loop(request, exports.to_csv, await _table(request, state), d, tz)
    return download(body, "text/csv", _name(request, state, d, "meetings", "csv"))


async def xlsx_response(request: web.Request, state: EventState) -> web.Response:
    """``meetings.xlsx`` in the file's language (``file_of``)."""
    d = file_of(request, state)
    table = await _table(request, state)
    tz = request.app[SETTINGS].tz()
    body = await _off_loop(request, exports.to_xlsx, table, state.settings.title, d, tz)
    return download(body, XLSX, _name(request, state, d, "meetings", "xlsx"))


async def contacts_csv_response(request: web.Request, state: EventState) -> web.Response:
    """``contacts.csv`` (``contacts``) in the file's language (``file_of``)."""
    d = file_of(request, state)
    table = await _contacts(request, state, d)
    body = contacts.to_csv(table, d, request.app[SETTINGS].tz())
    return download(body, "text/csv", _name(request, state, d, "contacts", "csv"))


async def contacts_xlsx_response(request: web.Request, state: EventState) -> web.Response:
    """``contacts.xlsx`` in the file's language (``file_of``)."""
    d = file_of(request, state)
    table = await _contacts(request, state, d)
    tz = request.app[SETTINGS].tz()
    body = await _off_loop(request, contacts.to_xlsx, table, state.settings.title, d, tz)
    return download(body, XLSX, _name(request, state, d, "contacts", "xlsx"))


# --- the admin API ---------------------------------------------------------------------------


async def _admin_event(request: web.Request) -> EventState:
    require_admin(request)
    return await request.app[OWNER].get(request.match_info["id"])


@routes.get("/api/events/{id}/meetings.csv")
async def get_meetings(request: web.Request) -> web.Response:
    """The results as CSV: one row per meeting, one per person who met nobody."""
    return await csv_response(request, await _admin_event(request))


@routes.get("/api/events/{id}/meetings.xlsx")
async def get_meetings_xlsx(request: web.Request) -> web.Response:
    """The results as an Excel workbook."""
    return await xlsx_response(request, await _admin_event(request))


@routes.get("/api/events/{id}/contacts.csv")
async def get_contacts(request: web.Request) -> web.Response:
    """The contacts of the mutual follow-ups, one row per person, for a CRM import."""
    return await contacts_csv_response(request, await _admin_event(request))


@routes.get("/api/events/{id}/contacts.xlsx")
async def get_contacts_xlsx(request: web.Request) -> web.Response:
    """The contacts of the mutual follow-ups as an Excel workbook."""
    return await contacts_xlsx_response(request, await _admin_event(request))


@routes.get("/api/events/{id}/report")
async def get_report(request: web.Request) -> web.Response:
    """The organiser's figures as JSON; of a forgotten event, what is kept of them."""
    require_admin(request)
    store = request.app[OWNER].store
    event_id = request.match_info["id"]
    state = await store.load(event_id)
    if state is None:
        kept = await store.archived(event_id)
        if kept is None:
            raise NotFound("unknown_event", f"No event {event_id!r}.")
        return web.Response(body=kept, content_type="application/json")
    return json_response(await report_of(request, state))


# --- the host link, and the report link ---------------------------------------------------------

# The results open with the event's host link, or with a report link (``report_token``): read
# only, made on the organiser's page without replacing any link.
DOOR = "/e/{event}/{door:host|report}/{token}"


async def readable(request: web.Request) -> EventState | None:
    """The event of the path if the path's token opens its results (``None`` otherwise)."""
    if request.match_info.get("door", "host") == "host":
        return await host_event(request)
    state = await request.app[OWNER].store.load(request.match_info["event"])
    token = request.match_info["token"]
    key, now = request.app[ADMIN_TOKEN], request.app[OWNER].now()
    if state is None or not links.report_token_valid(key, state.id, token, now):
        return None
    return state


@routes.get("/api/events/{id}/report-link")
async def get_report_link(request: web.Request) -> web.Response:
    """A link to the event's report and results, read only (no link is replaced)."""
    require_admin(request)
    state = await request.app[OWNER].get(request.match_info["id"])
    token, expires_at = links.report_token(
        request.app[ADMIN_TOKEN], state.id, request.app[OWNER].now()
    )
    url = f"{request.app[SETTINGS].base_url()}/e/{state.id}/report/{token}"
    return json_response({"url": url, "expires_at": expires_at})


def _not_host(request: web.Request) -> web.Response:
    return bad_link(request, language(request))


@routes.get(DOOR + "/meetings.csv")
async def host_meetings_csv(request: web.Request) -> web.Response:
    """The results as CSV, for the host console and the report link."""
    state = await readable(request)
    return _not_host(request) if state is None else await csv_response(request, state)


@routes.get(DOOR + "/meetings.xlsx")
async def host_meetings_xlsx(request: web.Request) -> web.Response:
    """The results as an Excel workbook, for the host console and the report link."""
    state = await readable(request)
    return _not_host(request) if state is None else await xlsx_response(request, state)


@routes.get(DOOR + "/contacts.csv")
async def host_contacts_csv(request: web.Request) -> web.Response:
    """The contacts of the mutual follow-ups as CSV, for the host console and the report link."""
    state = await readable(request)
    return _not_host(request) if state is None else await contacts_csv_response(request, state)


@routes.get(DOOR + "/contacts.xlsx")
async def host_contacts_xlsx(request: web.Request) -> web.Response:
    """The contacts as an Excel workbook, for the host console and the report link."""
    state = await readable(request)
    return _not_host(request) if state is None else await contacts_xlsx_response(request, state)


@routes.get(DOOR + "/report.json")
async def host_report_json(request: web.Request) -> web.Response:
    """The organiser's figures as JSON, for the host link and the report link."""
    state = await readable(request)
    if state is None:
        return json_response({"error": {"code": "bad_token", "message": "Not a host link."}}, 404)
    return json_response(await report_of(request, state))


def _number(lang: str) -> Callable[[Any, int], str]:
    def fmt(value: Any, digits: int = 0) -> str:
        return formats.number(value, lang, digits)

    return fmt


def _percent(lang: str) -> Callable[[Any, Any], str]:
    def fmt(part: Any, whole: Any) -> str:
        return formats.percent(part, whole, lang)

    return fmt


def _clock(request: web.Request) -> Callable[[int | None], str]:
    tz = request.app[SETTINGS].tz()

    def fmt(ms: int | None) -> str:
        return "–" if ms is None else datetime.fromtimestamp(ms / 1000, tz).strftime("%H:%M")

    return fmt


@routes.get("/e/{event}/host/{token}/report")
@routes.get("/e/{event}/{door:report}/{token}")
async def host_report(request: web.Request) -> web.Response:
    """The organiser's report: figures, charts and their tables, for the host link and the
    report link (which has no way back to a host console)."""
    state = await readable(request)
    if state is None:
        return _not_host(request)
    lang = language(request, state.settings.language)
    t = assets.strings(lang)
    report = await report_of(request, state)
    door = request.match_info.get("door", "host")
    base = f"/e/{state.id}/{door}/{request.match_info['token']}"
    # the charts' figures (the table of every participant is only the page's)
    charted = {k: v for k, v in report.items() if k != "by_participant"}
    boot = {"role": "report", "token": "", "lang": lang, "strings": t, "report": charted}
    return render(
        request,
        "report.html",
        t=t,
        lang=lang,
        boot=boot,
        title=state.settings.title,
        report=report,
        event=event.event_payload(state),
        base=base,
        back=door == "host",
        num=_number(lang),
        pct=_percent(lang),
        clock=_clock(request),
    )


# --- the participant's own link --------------------------------------------------------------


async def own_link(
    request: web.Request, roles: tuple[str, ...] = ("participant", "summary")
) -> tuple[EventState, str, bool] | None:
    """The event and the participant whose link the path carries, and whether it is their own
    link (else the link to their summary alone, sent by e-mail); ``roles``: the kinds of a
    person's link the route takes."""
    owner = request.app[OWNER]
    state = await owner.store.load(request.match_info["event"])
    ref = await owner.store.resolve(request.match_info["token"]) if state else None
    if state is None or ref is None or ref.event_id != state.id:
        return None
    if ref.role not in roles:
        return None
    assert ref.participant_id is not None
    return state, ref.participant_id, ref.role == "participant"


async def _summary(request: web.Request, state: EventState, pid: str) -> dict[str, Any]:
    feedback, counters = await _inputs(request, state)
    return summary_payload(state, logs.ratings(feedback), pid, counters)


@routes.get("/e/{event}/p/{token}/summary")
async def participant_summary(request: web.Request) -> web.Response:
    """A participant's summary to read, print or keep: everyone met, their own ratings and
    notes, the contacts of mutual follow-ups."""
    found = await own_link(request)
    if found is None:
        return bad_link(request, language(request))
    state, pid, own_page = found
    lang = language(request, state.settings.language)
    t = assets.strings(lang)
    summary = await _summary(request, state, pid)
    me = state.participants[pid]
    contacts = sum(p["mutual_follow_up"] for m in summary["meetings"] for p in m["peers"])
    mutual = [p["id"] for m in summary["meetings"] for p in m["peers"] if p["mutual_follow_up"]]
    mine = await request.app[FOLLOWUPS].all_of(state.id, pid)
    booked = [
        {**followups.view(mine.get(peer), pid, peer), "name": state.participants[peer].name}
        for peer in dict.fromkeys(mutual)
    ]
    base = f"/e/{state.id}/p/{request.match_info['token']}"
    boot = {
        "role": "summary",
        "token": "",
        "lang": lang,
        # the follow-ups' words only: the page's own text is rendered here, and a catalogue
        # of every reason would be text a person reads nowhere else on it
        "strings": {k: v for k, v in t.items() if k.startswith(FOLLOWUP_WORDS)},
        "followups": booked,
        "base": base,
        "now": request.app[OWNER].now(),
    }
    return render(
        request,
        "summary.html",
        t=t,
        lang=lang,
        boot=boot,
        title=state.settings.title,
        me=payloads.person_payload(me),
        meetings=summary["meetings"],
        contacts=contacts,
        ended=state.clock.phase is Phase.ENDED,
        own_page=own_page,
        count=formats.counted(t, "summary_meetings_count", len(summary["meetings"]), lang),
        base=base,
    )


@routes.get("/e/{event}/p/{token}/contacts.vcf")
async def participant_contacts(request: web.Request) -> web.Response:
    """The contacts of a participant's mutual follow-ups, as vCards for an address book."""
    found = await own_link(request)
    if found is None:
        return bad_link(request, language(request))
    state, pid, _ = found
    d = dialects.chosen(request.query, state.participants[pid].language or state.settings.language)
    cards = compose.contacts(state, await _summary(request, state, pid), assets.strings(d.lang))
    name = _name(request, state, d, "contacts", "vcf")
    return download(cards.encode("utf-8"), "text/vcard", name)
