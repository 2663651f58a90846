"""The built wheel, installed into a fresh virtual environment with no repository and no
node_modules, serves pages whose socket.io-client loads."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import ADMIN
from tests.procs import eventually, free_port

REPO = Path(__file__).resolve().parents[2]


def run(*argv: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, cwd=cwd, timeout=300
    )
    assert done.returncode == 0, f"{argv} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment holding only the wheel; the test environment's packages are
    visible as dependencies (a plain path: its editable install of the repository is not)."""
    tmp = tmp_path_factory.mktemp("wheel")
    out = run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
        "--disable-pip-version-check", "-w", tmp / "dist", REPO,
    )  # fmt: skip
    assert "warning" not in out.lower().replace("is ignored", ""), out
    (wheel,) = (tmp / "dist").glob("speedmeet-*.whl")
    venv = tmp / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    site = Path(
        run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    )
    (site / "test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(
        sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
        "--disable-pip-version-check", "--no-index", wheel,
    )  # fmt: skip
    return venv


async def test_the_installed_wheel_serves_a_participant_page(
    installed: Path, tmp_path: Path
) -> None:
    where = run(
        installed / "bin" / "python",
        "-I",
        "-c",
        "import server; print(server.__file__)",
        cwd=tmp_path,
    )
    assert where.strip().startswith(str(installed)), where  # the wheel's, not the repository's
    assert not (Path(where.strip()).parent.parent / "node_modules").exists()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPEEDMEET_", "PYTHON"))} | {
        "SPEEDMEET_ADMIN_TOKEN": ADMIN,
        "SPEEDMEET_DATA_DIR": str(tmp_path / "data"),
    }
    log = (tmp_path / "server.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        installed / "bin" / "speedmeet", "--port", str(port),
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:

            async def up() -> bool:
                try:
                    async with http.get(url + "/healthz") as r:
                        return r.status == 200
                except aiohttp.ClientError:
                    assert proc.returncode is None, (tmp_path / "server.log").read_text()
                    return False

            await eventually(up, timeout=30)
            auth = {"Authorization": f"Bearer {ADMIN}"}
            spec = {"title": "Installed", "round_seconds": 60, "rounds": 1}
            async with http.post(url + "/api/events", json=spec, headers=auth) as r:
                assert r.status == 201
                event = await r.json()
            people = [{"name": "Ana"}]
            async with http.post(
                f"{url}/api/events/{event['id']}/participants", json=people, headers=auth
            ) as r:
                assert r.status == 201
                (ana,) = await r.json()
            path = "/" + ana["join_url"].split("/", 3)[3]
            async with http.get(url + path) as r:
                assert r.status == 200
                page = await r.text()
            assert 'src="/static/js/participant.js"' in page
            async with http.get(url + "/static/js/socket.js") as r:
                assert r.status == 200
                assert "/static/vendor/socket.io.esm.min.js" in await r.text()
            async with http.get(url + "/static/vendor/socket.io.esm.min.js") as r:
                assert r.status == 200
                assert "javascript" in r.headers["Content-Type"]
                body = await r.text()
            assert "export{" in body.replace(" ", "") and " as io" in body
            async with http.get(url + "/admin") as r:
                assert r.status == 200  # the organiser's page and its template ship too
            async with http.get(url + "/static/js/admin.js") as r:
                assert r.status == 200
    finally:
        proc.terminate()
        async with asyncio.timeout(20):
            await proc.wait()
        log.close()


def test_setup_does_nothing_when_nothing_changed() -> None:
    """``scripts/serve`` sets up first: once set up, a start installs nothing and says nothing."""
    stamp = REPO / ".venv" / ".speedmeet-setup"
    if not stamp.exists():
        pytest.skip("not set up by scripts/setup (run the tests through scripts/test)")
    log = REPO / ".venv" / "setup.log"
    before = log.stat().st_mtime_ns if log.exists() else None
    for args in (["--test"], []):  # a test setup serves a plain one too
        done = subprocess.run(
            [str(REPO / "scripts" / "setup"), *args], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0 and done.stdout == "" and done.stderr == "", done
    assert (log.stat().st_mtime_ns if log.exists() else None) == before
