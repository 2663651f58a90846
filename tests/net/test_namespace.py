"""The tests' network namespaces themselves: ``only`` leaves exactly the listed ports (no UDP
unless listed), ``swap`` moves the namespace to a new address and route that still reach the
services, and everything goes at the end (also what a killed run left)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys

from tests.net.lab import Lab
from tests.net.namespace import Namespace, ip, sweep

# Run inside the namespace: try each (protocol, port) on the services' address, print what
# happened to each.
PROBE = """
import socket, sys
host = sys.argv[1]
for item in sys.argv[2:]:
    proto, port = item.split(":")
    try:
        if proto == "tcp":
            socket.create_connection((host, int(port)), timeout=3).close()
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(3)
            s.sendto(b"?", (host, int(port)))
            s.recv(10)
        print(item, "ok")
    except OSError as exc:
        print(item, type(exc).__name__)
"""


async def _probe(ns: Namespace, host: str, *targets: str) -> dict[str, str]:
    argv = ns.argv(sys.executable, "-c", PROBE, host, *targets)
    done = await asyncio.to_thread(subprocess.run, argv, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return dict(line.split(" ", 1) for line in done.stdout.splitlines())


def _listen(host: str) -> tuple[socket.socket, socket.socket, int, int]:
    tcp = socket.create_server((host, 0))
    tcp2 = socket.create_server((host, 0))
    return tcp, tcp2, tcp.getsockname()[1], tcp2.getsockname()[1]


class _Echo(asyncio.DatagramProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.transport.sendto(data, addr)  # type: ignore[attr-defined]


async def test_only_leaves_the_listed_ports_and_no_udp(lab: Lab) -> None:
    tcp, tcp2, open_port, shut_port = _listen(lab.address)
    loop = asyncio.get_running_loop()
    udp, _ = await loop.create_datagram_endpoint(_Echo, local_addr=(lab.address, 0))
    udp_port = udp.get_extra_info("sockname")[1]
    try:
        ns = lab.namespace()
        targets = (f"tcp:{open_port}", f"tcp:{shut_port}", f"udp:{udp_port}")
        assert await _probe(ns, lab.address, *targets) == dict.fromkeys(targets, "ok")
        ns.only(("tcp", open_port))
        assert await _probe(ns, lab.address, *targets) == {
            f"tcp:{open_port}": "ok",
            f"tcp:{shut_port}": "PermissionError",  # no route: refused at once, no timeout
            f"udp:{udp_port}": "PermissionError",
        }
    finally:
        udp.close()
        tcp.close()
        tcp2.close()


async def test_swap_moves_to_a_new_address_that_still_reaches_the_services(lab: Lab) -> None:
    tcp, tcp2, port, _ = _listen(lab.address)
    try:
        ns = lab.namespace()
        first = ns.link
        assert first is not None
        ns.swap()
        assert ns.link is not None and ns.address != first.address
        assert first.inside not in ip("link", ns=ns.name)
        assert ns.address in ip("-4", "addr", ns=ns.name)
        assert await _probe(ns, lab.address, f"tcp:{port}") == {f"tcp:{port}": "ok"}
    finally:
        tcp.close()
        tcp2.close()


async def test_everything_goes_at_the_end_and_leftovers_are_swept(lab: Lab) -> None:
    ns = lab.namespace()
    address = lab.address
    await lab.close()
    assert ns.name not in ip("netns", "list")
    assert f"{address}/32" not in ip("-4", "addr", "show", "dev", "lo")
    # a run killed before its end: pid 2**22 + 1 is above any pid_max (no such process)
    dead = 2**22 + 1
    ip("netns", "add", f"sm{dead}n0")
    ip("addr", "add", "10.213.255.255/32", "dev", "lo", "label", f"lo:sm{dead}")
    sweep()
    assert f"sm{dead}n0" not in ip("netns", "list")
    assert "10.213.255.255" not in ip("-4", "addr", "show", "dev", "lo")
    assert os.getpid() < dead
