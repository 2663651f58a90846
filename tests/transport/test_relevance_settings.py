"""The event's relevance settings through the API: the switch (on by default) and the
organiser's synonym lines, both changeable during the event, a bad line refused by number."""

from __future__ import annotations

from tests.conftest import PEOPLE, Running


async def test_the_switch_and_the_synonyms(server: Running) -> None:
    ev = await server.event(PEOPLE)
    assert ev.body["relevance"] is True and ev.body["synonyms"] == []
    host = await server.connect("/host", ev.host_token)
    assert (await host.call("start"))["ok"]  # both may change during the event
    lines = ["  tiers-lieux ~  coworking ", "", "mobilité ~ covoiturage ~ vélo"]
    status, body = await server.api(
        "PATCH", f"/api/events/{ev.id}", json={"relevance": False, "synonyms": lines}
    )
    assert status == 200, body
    assert body["relevance"] is False
    assert body["synonyms"] == ["tiers-lieux ~ coworking", "mobilité ~ covoiturage ~ vélo"]
    status, body = await server.api(
        "PATCH", f"/api/events/{ev.id}", json={"synonyms": ["mobilité ~ covoiturage", "vélo"]}
    )
    assert status == 400 and body["error"]["field"] == "synonyms"
    said = body["error"]["message"]
    assert said.startswith('Line 2 of the tags that mean the same ("vélo")'), said
