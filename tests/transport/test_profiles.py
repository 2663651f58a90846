"""Profiles and the directory over the wire: a person's own edits close at the start, photos are
cleaned and capped and shown only to who may see the person, the import's new columns, what a
self-registered stranger sees, and wishes set in the directory reaching the matcher."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from PIL import Image

from server.http.keys import OWNER
from tests.conftest import ADMIN, PEOPLE, Client, Event, Running

PROFILED = [
    {**PEOPLE[0], "pitch": "Mairie of 500,000 people; we need cleaner buses.", "tags": ["Mobilité"]},
    {**PEOPLE[1], "tags": "énergie"},
    {**PEOPLE[2], "pitch": "Shared electric shuttles.", "tags": "mobilité, #transport",
     "label": "Territoire innovant", "website": "www.mobilis.example"},
    {**PEOPLE[3], "pitch": "Street lights that dim.", "tags": ["énergie"], "website": "https://lumio.example/en"},
]  # fmt: skip


def jpeg(size: tuple[int, int] = (1600, 1200), gps: bool = True, orientation: int = 1) -> bytes:
    """A photo as a phone writes it: EXIF with the camera, the orientation and a GPS position."""
    image = Image.new("RGB", size, (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 7.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def png(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (10, 200, 10, 128)).save(out, "PNG")
    return out.getvalue()


def bomb() -> bytes:
    """48 megapixels in a few kilobytes."""
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, "PNG", optimize=True)
    return out.getvalue()


async def put_photo(
    server: Running, ev: Event, index: int, data: bytes, kind: str = "image/jpeg"
) -> tuple[int, Any]:
    _, token = ev.person(index)
    url = f"{server.url}/e/{ev.id}/p/{token}/photo"
    async with server.http.put(url, data=data, headers={"Content-Type": kind}) as r:
        return r.status, await r.json()


async def get_photo(server: Running, ev: Event, viewer: int, pid: str) -> tuple[int, bytes, Any]:
    _, token = ev.person(viewer)
    async with server.http.get(f"{server.url}/e/{ev.id}/p/{token}/photos/{pid}") as r:
        return r.status, await r.read(), r.headers


async def sign_up(server: Running, ev: Event, name: str, side: str) -> str:
    """A stranger signs up through the registration link: their token."""
    url = server.url + "/" + str(ev.body["registration_url"]).split("/", 3)[3]
    form = {"name": name, "organization": "Somewhere", "side": side, "consent": "yes"}
    async with server.http.post(url, data=form, allow_redirects=False) as r:
        assert r.status == 303, await r.text()
        return r.headers["Location"].split("?")[0].rsplit("/", 1)[1]


# --- a person's own profile -------------------------------------------------------------------


async def test_a_participant_edits_their_profile_until_the_start(server: Running) -> None:
    ev = await server.event(PEOPLE, tags=["mobilité", "Énergie"])
    assert ev.body["tags"] == ["mobilité", "énergie"]  # the event's known tags, normalised
    claire = await server.connect("/participant", ev.person(0)[1])
    ack = await claire.call(
        "profile",
        {"pitch": "  We need\n  cleaner   buses. ", "tags": "Mobilite, #ÉNERGIE ,, vélo, vélo",
         "website": "www.lyon.example/mobilite"},
    )  # fmt: skip
    assert ack["ok"], ack
    profile = ack["profile"]
    assert profile["pitch"] == "We need\ncleaner buses."
    assert profile["tags"] == ["mobilité", "énergie", "vélo"]  # in the event's spelling, once each
    assert profile["website"] == "https://www.lyon.example/mobilite"
    # the organiser sees it, and so does the page of her next partner (the record changed)
    _, people = await server.api("GET", f"/api/events/{ev.id}/participants")
    assert people[0]["tags"] == ["mobilité", "énergie", "vélo"] and people[0]["signed_up"] is False

    for bad, code in (
        ({"website": "javascript:alert(1)"}, "bad_website"),
        ({"website": "ftp://files.example"}, "bad_website"),
        ({"website": "https://user:pw@bank.example"}, "bad_website"),
        ({"pitch": "x" * 501}, "too_long"),
        ({"tags": [f"t{i}" for i in range(9)]}, "too_many_tags"),
        ({"label": "Best of show"}, "bad_payload"),  # a label is the organiser's to give
    ):
        ack = await claire.call("profile", bad)
        assert not ack["ok"] and ack["error"]["code"] == code, (bad, ack)

    host = await server.connect("/host", ev.host_token)
    assert (await host.call("start"))["ok"]
    ack = await claire.call("profile", {"pitch": "Too late"})
    assert not ack["ok"] and ack["error"]["code"] == "profile_closed", ack
    assert "started" in ack["error"]["message"]
    status, _ = await put_photo(server, ev, 0, png())
    assert status == 409  # her photo too
    # the organiser still may (a typo in a pitch during the event)
    status, body = await server.api(
        "PATCH", f"/api/events/{ev.id}/participants/{ev.person(0)[0]}", json={"pitch": "Fixed."}
    )
    assert status == 200 and body["pitch"] == "Fixed.", body
    status, body = await server.api(
        "PUT", f"/api/events/{ev.id}/participants/p1/photo", data=png(),
        headers={"Content-Type": "image/png"},
    )  # fmt: skip
    assert status == 201 and len(body["photo"]) == 16, body


DISGUISED = "https://lyon.example/\u202egpj.exe"  # shown as …exe.jpg: reads as a photo


async def test_a_website_with_direction_marks_is_refused_everywhere(server: Running) -> None:
    """Issue 17.12 (reproduced on main: the website field took U+202E, an override that
    disguises where a link leads): refused in the person's own edit, the organiser's and an
    import, with a message that says why; nothing is stored."""
    ev = await server.event(PEOPLE[:2])
    claire = await server.connect("/participant", ev.person(0)[1])
    for website in (DISGUISED, "https://lyon\u2067.example", "\u200fwww.lyon.example"):
        ack = await claire.call("profile", {"website": website})
        assert not ack["ok"], ack
        error = ack["error"]
        assert error["code"] == "website_direction_marks", error
        assert "U+" in error["marks"] and "disguise" in error["message"]
    status, body = await server.api(
        "PATCH", f"/api/events/{ev.id}/participants/{ev.person(0)[0]}", json={"website": DISGUISED}
    )
    assert status == 400 and "website_direction_marks" in str(body), body
    status, body = await server.api(
        "POST", f"/api/events/{ev.id}/participants",
        json=[{"name": "Ana", "side": "commune", "website": DISGUISED}],
    )  # fmt: skip
    assert status == 400 and "website_direction_marks" in str(body), body
    _, people = await server.api("GET", f"/api/events/{ev.id}/participants")
    assert [p.get("website", "") for p in people] == ["", ""]
    assert "\u202e" not in str(body)  # the marks are named, never echoed


# --- photos -----------------------------------------------------------------------------------


async def test_a_photo_is_resized_and_stripped_and_kept_beside_the_record(
    server: Running,
) -> None:
    ev = await server.event(PEOPLE)
    source = jpeg((1600, 1200), gps=True, orientation=6)  # a phone held upright
    assert Image.open(io.BytesIO(source)).getexif().get_ifd(0x8825), "the test photo has GPS"
    status, body = await put_photo(server, ev, 2, source)
    assert status == 201, body
    digest = body["photo"]
    assert body["profile"]["photo"] == digest
    # whoever may see Léa (the other side, in the directory) gets the cleaned photo
    status, data, headers = await get_photo(server, ev, 0, "p3")
    assert status == 200
    assert headers["Content-Type"] == "image/jpeg"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in headers["Cache-Control"]
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert image.size == (384, 512)  # turned upright, then at most 512 on its longer side
    assert len(image.getexif()) == 0 and "exif" not in image.info
    assert b"SecretCam" not in data and b"GPS" not in data
    # the record holds the digest only; the bytes live in the event's blob area
    state = await server.server.app[OWNER].store.load(ev.id)
    assert state is not None and state.participants["p3"].photo == digest
    assert len(msgspec.json.encode(state.participants["p3"])) < 1000
    # a new photo replaces the old one, which is forgotten
    status, body = await put_photo(server, ev, 2, png(), "image/png")
    assert status == 201 and body["photo"] != digest
    store = server.server.app[OWNER].store
    assert await store.blob(ev.id, f"photo:p3:{digest}") is None
    assert await store.blob(ev.id, f"photo:p3:{body['photo']}") is not None
    # the organiser's copy, with the admin token
    async with server.http.get(
        f"{server.url}/api/events/{ev.id}/participants/p3/photo",
        headers={"Authorization": f"Bearer {ADMIN}"},
    ) as r:
        assert r.status == 200 and r.content_type == "image/jpeg"
    async with server.http.get(f"{server.url}/api/events/{ev.id}/participants/p3/photo") as r:
        assert r.status == 401


async def test_photo_upload_limits(start: Callable[..., Any]) -> None:
    server = await start(photo_max_bytes=20_000)
    ev = await server.event(PEOPLE)
    big = jpeg((1800, 1800), gps=False)
    assert len(big) > 20_000
    status, body = await put_photo(server, ev, 0, big)
    assert status == 413 and body["error"]["code"] == "photo_too_big", body
    # each person may send two at once: the refusals below are spread over three people
    status, body = await put_photo(server, ev, 1, b"%PDF-1.4 not a photo at all", "image/jpeg")
    assert status == 400 and body["error"]["code"] == "not_an_image", body
    status, body = await put_photo(
        server, ev, 1, b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"
    )
    assert status == 400 and body["error"]["code"] == "not_an_image", body
    assert len(bomb()) < 20_000
    status, body = await put_photo(server, ev, 2, bomb(), "image/png")
    assert status == 413 and body["error"]["code"] == "photo_too_many_pixels", body
    _, people = await server.api("GET", f"/api/events/{ev.id}/participants")
    assert all(p["photo"] is None for p in people)  # nothing refused was kept
    async with server.http.put(
        f"{server.url}/e/{ev.id}/p/not-a-token/photo",
        data=png(),
        headers={"Content-Type": "image/png"},
    ) as r:
        assert r.status == 404


async def test_one_link_cannot_send_a_burst_of_huge_photos(server: Running) -> None:
    """Reproduced on main: ten 6300×6300 PNGs of 113 KB each (39.7 Mpx, under the old 40 Mpx
    limit) from one link were all accepted, and memory went from 185 MB to 2.2 GB."""
    out = io.BytesIO()
    Image.new("1", (6300, 6300)).save(out, "PNG")  # the same pixels to decode, made at once
    huge = out.getvalue()
    ev = await server.event(PEOPLE)
    status, body = await put_photo(server, ev, 0, huge, "image/png")
    assert status == 413 and body["error"]["code"] == "photo_too_many_pixels", body
    assert "16 megapixels" in body["error"]["message"]
    answers = [await put_photo(server, ev, 1, png(), "image/png") for _ in range(3)]
    assert [status for status, _ in answers] == [201, 201, 429], answers  # a burst of 2
    assert answers[2][1]["error"]["retry_after_ms"] > 0


async def test_a_photo_only_to_those_who_may_see_the_person(server: Running) -> None:
    ev = await server.event(PEOPLE, directory="invited_only")
    assert (await put_photo(server, ev, 2, png()))[0] == 201
    assert (await get_photo(server, ev, 0, "p3"))[0] == 200  # the other side, invited
    assert (await get_photo(server, ev, 1, "p3"))[0] == 200
    assert (await get_photo(server, ev, 2, "p3"))[0] == 200  # herself
    assert (await get_photo(server, ev, 3, "p3"))[0] == 404  # her own side: not in his directory
    stranger = await sign_up(server, ev, "Eve Curieuse", "commune")
    async with server.http.get(f"{server.url}/e/{ev.id}/p/{stranger}/photos/p3") as r:
        assert r.status == 404  # a self-registered stranger sees no directory here
    async with server.http.get(f"{server.url}/e/{ev.id}/p/{stranger}/photos/p99") as r:
        assert r.status == 404


# --- the import's new columns -----------------------------------------------------------------

FRENCH = (
    "Nom;Organisme;Collège;Courriel;Présentation;Mots-clés;Label;Site web\n"
    'Claire Martin;Mairie de Lyon;commune;claire@lyon.example;"Des bus plus propres; vite.";mobilité, énergie;;lyon.example\n'
    "Léa Garnier;Mobilis;solution;lea@mobilis.example;Navettes électriques partagées.;Mobilité;Territoire innovant;https://mobilis.example\n"
)
ENGLISH = (
    "name,organization,side,email,pitch,needs,label,website\n"
    "Claire Martin,Mairie de Lyon,commune,claire@lyon.example,Cleaner buses.,mobility,,\n"
)


async def test_the_import_reads_the_profile_columns(server: Running) -> None:
    ev = await server.event(tags=["mobilité"])
    path = f"/api/events/{ev.id}/participants"
    headers = {"Content-Type": "text/csv"}
    status, preview = await server.api(
        "POST", path + "?dry_run=1", data=FRENCH.encode(), headers=headers
    )
    assert status == 200, preview
    fields = {c["header"]: c["field"] for c in preview["columns"]}
    assert fields["Présentation"] == "pitch" and fields["Mots-clés"] == "tags"
    assert fields["Label"] == "label" and fields["Site web"] == "website"
    status, rows = await server.api("POST", path, data=FRENCH.encode(), headers=headers)
    assert status == 201, rows
    claire, lea = rows
    assert claire["pitch"] == "Des bus plus propres; vite."
    assert claire["tags"] == ["mobilité", "énergie"] and claire["website"] == "https://lyon.example"
    assert lea["tags"] == ["mobilité"] and lea["label"] == "Territoire innovant"
    # the same people in an English file: updated, with the changes shown
    status, preview = await server.api(
        "POST", path + "?dry_run=1", data=ENGLISH.encode(), headers=headers
    )
    assert status == 200 and preview["counts"]["updated"] == 1, preview
    changes = preview["updated"][0]["changes"]
    assert changes["tags"] == [["mobilité", "énergie"], ["mobility"]]
    assert changes["pitch"] == ["Des bus plus propres; vite.", "Cleaner buses."]
    assert changes["website"] == ["https://lyon.example", ""]


async def test_profile_problems_of_an_import_say_where(server: Running) -> None:
    ev = await server.event()
    bad = (
        "Nom;Collège;Site web;Mots-clés;Présentation\n"
        "Claire Martin;commune;javascript:alert(1);a,b,c,d,e,f,g,h,i;ok\n"
        f"Hugo Bernard;commune;https://nantes.example;;{'x' * 501}\n"
    )
    status, body = await server.api(
        "POST",
        f"/api/events/{ev.id}/participants",
        data=bad.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert status == 400, body
    got = [(p["line"], p["column"], p["code"]) for p in body["error"]["problems"]]
    assert got == [(2, "C", "bad_website"), (2, "D", "too_many_tags"), (3, "E", "too_long")], got
    _, people = await server.api("GET", f"/api/events/{ev.id}/participants")
    assert people == []


async def test_the_organiser_edits_a_profile_in_json(server: Running) -> None:
    ev = await server.event(PROFILED)
    assert ev.people[2]["tags"] == ["mobilité", "transport"]
    assert ev.people[2]["website"] == "https://www.mobilis.example"
    status, body = await server.api(
        "PATCH", f"/api/events/{ev.id}/participants/p3",
        json={"mots-clés": ["Transport", "santé"], "label": "Lauréat 2025", "site web": ""},
    )  # fmt: skip
    assert status == 200, body
    assert body["tags"] == ["transport", "santé"] and body["label"] == "Lauréat 2025"
    assert body["website"] == ""
    status, body = await server.api(
        "PATCH", f"/api/events/{ev.id}/participants/p3", json={"website": "data:text/html,hi"}
    )
    assert status == 400 and body["error"]["problems"][0]["code"] == "bad_website", body


# --- the directory ----------------------------------------------------------------------------


async def test_the_directory_shows_the_other_side_with_profiles(server: Running) -> None:
    ev = await server.event(PROFILED, tags=["santé"])
    claire = await server.connect("/participant", ev.person(0)[1])
    ack = await claire.call("directory")
    assert ack["ok"], ack
    assert ack["fields"] == "profile"
    assert [p["name"] for p in ack["people"]] == ["Léa Garnier", "Thomas Petit"]  # the other side
    lea = ack["people"][0]
    assert lea["pitch"] == "Shared electric shuttles." and lea["label"] == "Territoire innovant"
    assert {t["tag"]: t["count"] for t in ack["tags"]} == {
        "mobilité": 1,
        "transport": 1,
        "énergie": 1,
    }
    assert ack["known_tags"][0] == "santé" and "mobilité" in ack["known_tags"]
    assert "email" not in lea  # contact details cross only on mutual consent, at the end


@pytest.mark.parametrize("setting", ["everyone", "names", "invited_only", "none"])
async def test_what_a_self_registered_stranger_sees(server: Running, setting: str) -> None:
    ev = await server.event(PROFILED, directory=setting)
    token = await sign_up(server, ev, "Eve Curieuse", "solution")
    stranger = await server.connect("/participant", token)
    invited = await server.connect("/participant", ev.person(0)[1])
    seen = await stranger.call("directory")
    asked = await stranger.call("wish", {"to": "p1", "level": "must"})
    listed = await stranger.call("wishes")
    mine = await invited.call("directory")
    if setting == "everyone":
        assert seen["ok"] and seen["fields"] == "profile"
        assert seen["people"][0]["pitch"].startswith("Mairie")
        assert asked["ok"]
    elif setting == "names":
        assert seen["ok"] and seen["fields"] == "names"
        assert set(seen["people"][0]) == {"id", "name", "organization", "side"}
        assert seen["tags"] == [] and "mobilité" not in seen["known_tags"]
        assert asked["ok"]
    else:
        assert not seen["ok"] and seen["error"]["code"] == "directory_closed", seen
        assert seen["error"]["why"] == setting
        assert not asked["ok"] and asked["error"]["code"] == "directory_closed", asked
        assert listed["candidates"] == []
    # invited people browse it with profiles unless it is off for everyone (and see Eve)
    if setting == "none":
        assert not mine["ok"] and mine["error"]["code"] == "directory_closed"
    else:
        assert mine["ok"] and mine["fields"] == "profile"
        assert "Eve Curieuse" in [p["name"] for p in mine["people"]]
    _, people = await server.api("GET", f"/api/events/{ev.id}/participants")
    assert [p["signed_up"] for p in people] == [False] * 4 + [True]


async def test_the_directory_setting_changes_during_the_event(server: Running) -> None:
    ev = await server.event(PEOPLE)
    host = await server.connect("/host", ev.host_token)
    assert (await host.call("start"))["ok"]
    status, body = await server.api("PATCH", f"/api/events/{ev.id}", json={"directory": "none"})
    assert status == 200 and body["directory"] == "none", body
    status, body = await server.api("PATCH", f"/api/events/{ev.id}", json={"directory": "all"})
    assert status == 400, body


async def test_a_wish_set_in_the_directory_reaches_the_matcher(server: Running) -> None:
    ev = await server.event(PROFILED, rounds=2)
    claire_id, claire_token = ev.person(0)
    claire = await server.connect("/participant", claire_token)
    people = (await claire.call("directory"))["people"]
    thomas = next(p for p in people if p["name"] == "Thomas Petit")
    ack = await claire.call("wish", {"to": thomas["id"], "level": "must"})
    assert ack["ok"] and ack["wishes"] == [{"to": thomas["id"], "level": "must"}], ack
    assert (await claire.call("directory"))["wishes"] == [{"to": thomas["id"], "level": "must"}]
    # the plan of the whole event meets it in round 1
    status, plan = await server.api("GET", f"/api/events/{ev.id}/schedule")
    assert status == 200 and plan["wishes"] == 1, plan
    first = plan["rounds"][0]
    pair = next(r for r in first["rooms"] if claire_id in r["members"])
    assert set(pair["members"]) == {claire_id, thomas["id"]} and pair["reason"] == "wish"
    assert first["wishes_met"] == 1
    # the next-round card says so, with Thomas's profile
    others = [await server.connect("/participant", ev.person(i)[1]) for i in (1, 2, 3)]
    # (the card follows who is here: until Thomas is connected it may name someone else)
    card = await claire.wait_for(
        "next", lambda n: bool(n and n["peers"] and n["peers"][0]["id"] == thomas["id"])
    )
    assert card["reason"] == "wish"
    assert card["peers"][0]["pitch"] == "Street lights that dim."
    assert card["peers"][0]["website"] == "https://lumio.example/en"
    # and the round pairs them
    host = await server.connect("/host", ev.host_token)
    assert (await host.call("start"))["ok"]
    a = await claire.wait_for("assignment", lambda x: x["round"] == 1 and x["room"] is not None)
    assert [p["id"] for p in a["peers"]] == [thomas["id"]] and a["reason"] == "wish"
    assert a["peers"][0]["tags"] == ["énergie"]
    for c in others:
        await c.close()


async def test_the_summary_carries_the_profiles(server: Running) -> None:
    ev = await server.event(PROFILED[:1] + PROFILED[2:3], rounds=1)
    clients: list[Client] = [await server.connect("/participant", ev.person(i)[1]) for i in (0, 1)]
    host = await server.connect("/host", ev.host_token)
    assert (await host.call("start"))["ok"]
    await clients[0].wait_for("assignment", lambda a: a["round"] == 1 and a["room"] is not None)
    assert (await host.call("end"))["ok"]
    summary = await clients[0].wait_for("summary")
    peer = summary["meetings"][0]["peers"][0]
    assert peer["label"] == "Territoire innovant" and peer["tags"] == ["mobilité", "transport"]
    assert "email" not in peer  # no mutual follow-up: no address


async def test_the_report_counts_by_tag(server: Running) -> None:
    ev = await server.event(PROFILED, rounds=1)
    clients = [await server.connect("/participant", ev.person(i)[1]) for i in range(4)]
    host = await server.connect("/host", ev.host_token)
    assert (await host.call("start"))["ok"]
    for c in clients:
        await c.wait_for("assignment", lambda a: a["round"] == 1 and a["room"] is not None)
    assert (await host.call("end"))["ok"]
    base = f"{server.url}/e/{ev.id}/host/{ev.host_token}"
    async with server.http.get(f"{base}/report.json") as response:
        assert response.status == 200
        report = await response.json()
    tags = {g["group"]: g for g in report["by_tag"]}
    # tags are kept as people wrote them, lower-cased: "Mobilité" and "mobilité" are one
    assert set(tags) == {"mobilité", "énergie", "transport"}, tags
    assert (tags["mobilité"]["participants"], tags["énergie"]["participants"]) == (2, 2)
    assert sum(b["met"] for b in report["tags_met"]) >= 2, report["tags_met"]
    async with server.http.get(f"{base}/report?lang=fr") as response:
        assert response.status == 200
        page = await response.text()
    assert "Par mot-clé" in page and 'data-testid="table-tags"' in page
    assert "énergie" in page and 'data-testid="table-tags-met"' in page
    for c in clients:
        await c.close()
