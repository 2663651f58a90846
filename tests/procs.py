"""Real processes for the scale-out tests: redis-server and speedmeet servers on free ports.

Each can be killed (SIGKILL, as a crash) or stopped (SIGTERM) and started again on the same port
and folder, so that a test can take a piece of the deployment away mid-event.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from tests.conftest import ADMIN

ROOT = Path(__file__).resolve().parent.parent.parent
READY_S = 30.0


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def eventually(check: Any, timeout: float = 10.0, every: float = 0.05) -> Any:
    """Poll ``check()`` (async) until it returns something truthy, at most ``timeout`` seconds.

    For what no event tells: another process, or a key that expires in Redis.
    """
    async with asyncio.timeout(timeout):
        while True:
            found = await check()
            if found:
                return found
            await asyncio.sleep(every)


async def _until(check: Any, what: str, timeout: float = READY_S) -> None:
    try:
        await eventually(check, timeout)
    except TimeoutError:
        raise TimeoutError(f"waited {timeout} s for {what}") from None


class Process:
    """A child process whose output goes to a log file in the test's folder."""

    def __init__(self, name: str, folder: Path) -> None:
        self.name = name
        self.folder = folder
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = folder / f"{name}.log"

    def _spawn(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.folder
        )
        log.close()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    async def wait_exit(self, timeout: float = READY_S) -> int:
        """Wait for the process to end by itself; its exit code."""
        assert self.proc is not None
        proc = self.proc
        await _until(lambda: _done(proc), f"{self.name} to exit", timeout)
        return int(proc.returncode)

    async def kill(self) -> None:
        """SIGKILL: a crash, nothing flushed."""
        await self._signal(signal.SIGKILL)

    async def stop(self) -> None:
        """SIGTERM, then wait for the process to end."""
        await self._signal(signal.SIGTERM)

    def pause(self) -> None:
        """SIGSTOP: the process hangs (a machine stalled, a network gone quiet), holding its
        connections open and answering nothing."""
        assert self.proc is not None and self.running()
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT: it goes on where it stopped."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def halt(self) -> None:
        """SIGTERM from sync code (the end of a test or session), SIGKILL after 10 s."""
        if self.running():
            assert self.proc is not None
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    async def _signal(self, sig: int) -> None:
        if self.running():
            assert self.proc is not None
            self.proc.send_signal(sig)
            try:
                await self.wait_exit(15)
            except TimeoutError:
                self.proc.kill()
                await self.wait_exit(5)


async def _done(proc: subprocess.Popen[bytes]) -> bool:
    return proc.poll() is not None


class Redis(Process):
    """A redis-server of the test's own, append-only with fsync on every write."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        super().__init__("redis", folder)
        self.port = port or free_port()
        self.dir = folder / "redis-data"
        self.dir.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def launch(self) -> Redis:
        """Start redis-server and wait (at most 30 s) until it answers PING."""
        binary = shutil.which("redis-server")
        assert binary is not None, "redis-server is not installed"
        self._spawn(
            [
                binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.dir),
                "--protected-mode", "no",
            ]
        )  # fmt: skip
        deadline = time.monotonic() + READY_S
        while not self._answers():
            if time.monotonic() > deadline:
                raise TimeoutError(f"redis-server did not answer:\n{self.log()}")
            time.sleep(0.02)
        return self

    async def start(self) -> Redis:
        """``launch`` from async code."""
        return await asyncio.to_thread(self.launch)

    def _answers(self) -> bool:
        if not self.running():
            raise RuntimeError(f"redis-server exited:\n{self.log()}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(64).startswith(b"+PONG")
        except OSError:
            return False


class Server(Process):
    """``python -m server`` on a free port, configured through ``SPEEDMEET_*`` variables."""

    def __init__(self, name: str, folder: Path, **settings: Any) -> None:
        super().__init__(name, folder)
        self.port = int(settings.pop("port", 0)) or free_port()
        self.settings = {"admin_token": ADMIN, "log_level": "INFO", **settings}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SPEEDMEET_")}
        env["PYTHONPATH"] = str(ROOT)
        env["PYTHONUNBUFFERED"] = "1"
        env["SPEEDMEET_PORT"] = str(self.port)
        env["SPEEDMEET_HOST"] = "127.0.0.1"
        for key, value in self.settings.items():
            env[f"SPEEDMEET_{key.upper()}"] = str(value)
        return env

    def spawn(self, *args: str) -> Server:
        """Start the process without waiting for it to answer."""
        self._spawn([sys.executable, "-m", "server", *args], self.env())
        return self

    async def start(self, *args: str) -> Server:
        """Start the process and wait until ``/healthz`` answers."""
        self.spawn(*args)
        await _until(self._healthy, f"{self.name} to answer")
        return self

    async def _healthy(self) -> bool:
        if not self.running():
            raise RuntimeError(f"{self.name} exited:\n{self.log()}")
        try:
            async with aiohttp.ClientSession() as http:
                async with http.get(self.url + "/healthz") as r:
                    return r.status == 200
        except aiohttp.ClientError:
            return False


class Turn(Process):
    """A coturn ``turnserver`` of the test's own: TURN over UDP and TCP on one free port, with
    the REST-API credentials the server hands out (``use-auth-secret``, ``static-auth-secret``).

    ``listen`` are the addresses it listens and relays on (127.0.0.1 for calls on this machine;
    a veth address for a browser in a network namespace). Loopback peers are allowed, since both
    browsers of a test live on this machine.
    """

    def __init__(
        self,
        folder: Path,
        secret: str,
        listen: tuple[str, ...] = ("127.0.0.1",),
        port: int | None = None,
        realm: str = "speedmeet.test",
    ) -> None:
        super().__init__("turnserver", folder)
        self.secret = secret
        self.listen = listen
        self.port = port or free_port()
        self.realm = realm
        self.dir = folder / "turn"
        self.dir.mkdir(parents=True, exist_ok=True)

    def urls(self, host: str | None = None) -> list[str]:
        """The ``turn_urls`` for the server's settings: UDP and TCP on ``host`` (the first
        listening address by default)."""
        where = f"{host or self.listen[0]}:{self.port}"
        return [f"turn:{where}?transport=udp", f"turn:{where}?transport=tcp"]

    def argv(self) -> list[str]:
        binary = shutil.which("turnserver")
        assert binary is not None, "turnserver is not installed (Debian: apt-get install coturn)"
        config = self.dir / "turnserver.conf"
        config.write_text("# everything is on the command line\n")
        argv = [
            binary, "-c", str(config), "--listening-port", str(self.port),
            "--use-auth-secret", "--static-auth-secret", self.secret, "--realm", self.realm,
            "--fingerprint", "--no-tls", "--no-dtls", "--no-cli", "--no-multicast-peers",
            "--allow-loopback-peers", "--log-file", "stdout", "--simple-log",
            "--pidfile", str(self.dir / "turnserver.pid"), "--userdb", str(self.dir / "turndb"),
            "--no-software-attribute",
        ]  # fmt: skip
        for address in self.listen:
            argv += ["--listening-ip", address, "--relay-ip", address]
        return argv

    def launch(self) -> Turn:
        """Start turnserver and wait (at most 30 s) until its TCP listener accepts."""
        self._spawn(self.argv())
        deadline = time.monotonic() + READY_S
        while not self._listens():
            if time.monotonic() > deadline:
                raise TimeoutError(f"turnserver did not listen:\n{self.log()}")
            time.sleep(0.02)
        return self

    async def start(self) -> Turn:
        """``launch`` from async code."""
        return await asyncio.to_thread(self.launch)

    def _listens(self) -> bool:
        if not self.running():
            raise RuntimeError(f"turnserver exited:\n{self.log()}")
        try:
            with socket.create_connection((self.listen[0], self.port), timeout=1):
                return True
        except OSError:
            return False
