"""The host replaces links from the console: the old one stops at once, the new one works."""

from __future__ import annotations

from typing import Any

from tests.conftest import PEOPLE, Running
from tests.e2e.axe import violations


async def _accept(dialog: Any) -> None:
    await dialog.accept()


async def test_the_host_replaces_a_participants_link_and_its_own(
    server: Running, browser: Any
) -> None:
    ev = await server.event(PEOPLE)
    pid, token = ev.person(0)
    context = await browser.new_context(viewport={"width": 1000, "height": 700})
    person = await context.new_page()
    await person.goto(f"{server.url}/e/{ev.id}/p/{token}")
    await person.wait_for_selector('[data-testid="screen"][data-screen="lobby"]', timeout=20_000)
    host_ctx = await browser.new_context(viewport={"width": 1400, "height": 900})
    host = await host_ctx.new_page()
    host.on("dialog", _accept)
    await host.goto(f"{server.url}/e/{ev.id}/host/{ev.host_token}?lang=fr")  # in French

    row = host.locator(f'tr[data-participant="{pid}"]')
    await row.wait_for(timeout=10_000)
    headers = host.locator('[data-testid="participants"] thead th')
    assert await headers.count() == await row.locator("td").count()  # every column named
    await row.locator('[data-testid="reissue-button"]').click()
    url_box = host.locator('[data-testid="new-link-url"]')
    await url_box.wait_for(state="visible", timeout=10_000)
    new_url = await url_box.input_value()
    assert await violations(host) == []  # with the new link shown
    assert new_url.endswith(f"/e/{ev.id}/p/" + new_url.rsplit("/", 1)[1])
    assert token not in new_url

    # The open page is told at once, and stays off (no reconnect loop with a dead link).
    await person.wait_for_selector('#conn[data-state="refused"]', timeout=10_000)
    alert = await person.inner_text("#alert")
    assert "replaced" in alert, alert
    assert await violations(person) == []
    async with server.http.get(f"{server.url}/e/{ev.id}/p/{token}") as r:
        assert r.status == 404

    await person.goto(server.url + "/" + new_url.split("/", 3)[3])
    await person.wait_for_selector('[data-testid="screen"][data-screen="lobby"]', timeout=20_000)
    await person.wait_for_selector('#conn[data-state="online"]', timeout=10_000)

    # The host's own link: the console moves to the new one and goes on working.
    await host.click('[data-testid="reissue-host"]')
    await host.wait_for_url(lambda url: ev.host_token not in url, timeout=10_000)
    await host.wait_for_selector('#conn[data-state="online"]', timeout=10_000)
    await host.wait_for_selector(f'tr[data-participant="{pid}"]', timeout=10_000)
    async with server.http.get(f"{server.url}/e/{ev.id}/host/{ev.host_token}") as r:
        assert r.status == 404
