"""``--workers N``: N server processes on one port (``SO_REUSEPORT``), kept running.

The kernel spreads new connections over the processes; with websocket transport a client stays
on the process it reached, and the processes share events through Redis. A process that dies is
started again (a second later, and more slowly if it keeps dying); one that cannot even start
stops them all, with its message.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from types import FrameType

log = logging.getLogger(__name__)

EARLY_S = 5.0  # a worker that exits by itself sooner than this could not start
POLL_S = 0.2


class Supervisor:
    """Starts the workers, restarts the ones that die, stops them all on SIGTERM or Ctrl+C."""

    def __init__(self, count: int, argv: list[str], env: dict[str, str]) -> None:
        self._count = count
        self._argv = argv
        self._env = env
        self._procs: dict[int, subprocess.Popen[bytes]] = {}
        self._started: dict[int, float] = {}
        self._restarts: dict[int, int] = {}
        self._stopping = False

    def _spawn(self, index: int) -> None:
        extra = ["--worker"] + (["--demo"] if index == 0 and "--demo" in self._argv else [])
        argv = [a for a in self._argv if a != "--demo"]
        self._procs[index] = subprocess.Popen(
            [sys.executable, "-m", "server", *argv, *extra], env=self._env
        )
        self._started[index] = time.monotonic()
        log.info("worker %d started (pid %d)", index, self._procs[index].pid)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self._stopping = True

    def run(self) -> int:
        """Supervise until stopped; the exit code."""
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        for i in range(self._count):
            self._spawn(i)
        code = 0
        while not self._stopping:
            time.sleep(POLL_S)
            for i, proc in list(self._procs.items()):
                status = proc.poll()
                if status is None or self._stopping:
                    continue
                # exiting by itself with an error, early: a bad setting, a busy port...
                if time.monotonic() - self._started[i] < EARLY_S and status > 0:
                    log.error("worker %d could not start (exit %d): stopping", i, status)
                    self._stopping, code = True, status
                    break
                self._restarts[i] = self._restarts.get(i, 0) + 1
                wait = min(2 ** (self._restarts[i] - 1), 30)
                log.warning(
                    "worker %d (pid %d) ended (exit %d): again in %d s", i, proc.pid, status, wait
                )
                time.sleep(wait)
                self._spawn(i)
        for proc in self._procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self._procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        return code


def supervise(count: int, argv: list[str], admin_token: str) -> int:
    """Run ``count`` workers with these command-line flags and one admin token."""
    env = {**os.environ, "SPEEDMEET_ADMIN_TOKEN": admin_token}
    return Supervisor(count, argv, env).run()
