"""People's photos over HTTP: uploaded by the person (their link) or the organiser (the admin
token), kept in the event's blob area (never in the record, which holds only the digest), and
served from this server to whoever may see that person."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..core.model import EventState
from ..errors import NotFound
from ..limits import Gate, Rate
from ..live.owner import Owner
from ..people import directory, photos, profiles
from ..store import Store
from .api import json_response, require_admin
from .keys import OWNER, SETTINGS

routes = web.RouteTableDef()
UPLOADS = web.AppKey("photo_uploads", Rate)  # photo uploads a person (or the organiser) may make
DECODES = web.AppKey("photo_decodes", Gate)  # photos being decoded in this process
BURST = 2  # photos one person may send at once (then 10 a minute)
AT_ONCE, WAITING = 1, 8  # photos decoded at once in a process, and waiting their turn
NO_PHOTO = "This person has no photo you may see."


async def _participant(request: web.Request) -> tuple[EventState, str]:
    """The event and participant of the link in the address, or ``404 bad_token``."""
    owner = request.app[OWNER]
    ref = await owner.store.resolve(request.match_info["token"])
    if ref is None or ref.role != "participant" or ref.event_id != request.match_info["event"]:
        raise NotFound("bad_token", "This link is not valid (it may have been replaced).")
    state = await owner.get(ref.event_id)
    assert ref.participant_id is not None
    return state, ref.participant_id


async def _body(request: web.Request, limit: int) -> bytes:
    """The request's body, read no further than one byte past ``limit`` (``prepare`` refuses
    it then, before decoding anything)."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = await request.content.read(min(65536, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


async def _upload(request: web.Request, event_id: str, pid: str, actor: str) -> web.Response:
    """Read, clean and keep a photo, then point the person's record at it."""
    settings = request.app[SETTINGS]
    request.app[UPLOADS].check((event_id, pid), "photo uploads")
    raw = await _body(request, settings.photo_max_bytes)
    async with request.app[DECODES].turn("photos"):  # a decoded photo is memory: one at a time
        data, digest = await request.app[OWNER].pools.work(
            photos.prepare, raw, settings.photo_pixels, settings.photo_max_bytes
        )
    result = await keep_photo(request.app[OWNER], event_id, pid, data, digest, actor)
    return json_response(result, status=201)


async def keep_photo(
    owner: Owner, event_id: str, pid: str, data: bytes, digest: str, actor: str
) -> dict[str, Any]:
    """The photo first, in the blob area under a key of its own; then the record (a refused
    change takes the new photo back); then the photo it replaced goes."""
    store = owner.store
    await store.put_blob(event_id, photos.key(pid, digest), data)
    try:
        outcome = await owner.apply(
            event_id, lambda s, c: profiles.set_photo(s, pid, digest, c.now, actor)
        )
    except BaseException:
        state = await store.load(event_id)
        person = state.participants.get(pid) if state else None
        if person is None or person.photo != digest:
            await store.drop_blob(event_id, photos.key(pid, digest))
        raise
    await forget_photo(store, event_id, pid, outcome.result["before"], keep=digest)
    return {"photo": digest, "profile": outcome.result["profile"]}


async def forget_photo(store: Store, event_id: str, pid: str, digest: str, keep: str = "") -> None:
    """Drop a photo no record points at any more."""
    if digest and digest != keep:
        await store.drop_blob(event_id, photos.key(pid, digest))


async def _remove(request: web.Request, event_id: str, pid: str, actor: str) -> web.Response:
    owner = request.app[OWNER]
    outcome = await owner.apply(event_id, lambda s, c: profiles.set_photo(s, pid, "", c.now, actor))
    await forget_photo(owner.store, event_id, pid, outcome.result["before"])
    return web.Response(status=204)


async def _serve(request: web.Request, state: EventState, pid: str) -> web.StreamResponse:
    """The photo, as an image of this server: its type, no sniffing, cached by digest."""
    person = state.participants.get(pid)
    if person is None or not person.photo:
        raise NotFound("no_photo", NO_PHOTO)
    etag = f'"{person.photo}"'
    fresh = request.query.get("v") == person.photo
    headers = {
        "Cache-Control": "private, max-age=31536000, immutable" if fresh else "private, no-cache",
        "ETag": etag,
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'inline; filename="{pid}.jpg"',
        "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; sandbox",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers=headers)
    data = await request.app[OWNER].store.blob(state.id, photos.key(pid, person.photo))
    if data is None:
        raise NotFound("no_photo", NO_PHOTO)
    return web.Response(body=data, content_type=photos.CONTENT_TYPE, headers=headers)


@routes.put("/e/{event}/p/{token}/photo")
async def upload_own(request: web.Request) -> web.Response:
    """A participant's own photo (until the event starts)."""
    state, pid = await _participant(request)
    profiles.check_open(state)  # before reading and decoding anything
    return await _upload(request, state.id, pid, pid)


@routes.delete("/e/{event}/p/{token}/photo")
async def remove_own(request: web.Request) -> web.Response:
    """A participant takes their photo off (until the event starts)."""
    state, pid = await _participant(request)
    return await _remove(request, state.id, pid, pid)


@routes.get("/e/{event}/p/{token}/photos/{pid}")
async def photo_for_participant(request: web.Request) -> web.StreamResponse:
    """Someone's photo, to a participant who may see them (``directory.may_see``); a photo
    they may not see is a 404, as one that does not exist."""
    state, viewer = await _participant(request)
    target = request.match_info["pid"]
    preview = await request.app[OWNER].store.preview(state.id, viewer)
    peers: Any = preview.get("peers", []) if preview else []
    upcoming = [p["id"] for p in peers if isinstance(p, dict) and "id" in p]
    if not directory.may_see(state, viewer, target, upcoming):
        raise NotFound("no_photo", NO_PHOTO)
    return await _serve(request, state, target)


@routes.put("/api/events/{id}/participants/{pid}/photo")
async def upload_for(request: web.Request) -> web.Response:
    """The organiser gives someone a photo (any time)."""
    require_admin(request)
    state = await request.app[OWNER].get(request.match_info["id"])
    pid = request.match_info["pid"]
    if pid not in state.participants:
        raise NotFound("unknown_participant", f"No participant {pid!r} in this event.")
    return await _upload(request, state.id, pid, "admin")


@routes.delete("/api/events/{id}/participants/{pid}/photo")
async def remove_for(request: web.Request) -> web.Response:
    """The organiser takes someone's photo off."""
    require_admin(request)
    return await _remove(request, request.match_info["id"], request.match_info["pid"], "admin")


@routes.get("/api/events/{id}/participants/{pid}/photo")
async def photo_for_admin(request: web.Request) -> web.StreamResponse:
    """Someone's photo, to the organiser."""
    require_admin(request)
    state = await request.app[OWNER].get(request.match_info["id"])
    return await _serve(request, state, request.match_info["pid"])
