"""A network namespace of a test's own: one veth pair to this machine on a /30 subnet no other
interface uses, a default route through the host side, and (optionally) rules that leave it only
some ports of this machine. Made with ``ip`` (iproute2) as root; removed at the end, also when
the test fails.

No netfilter is needed (this kernel has neither ``iptables`` nor ``nft`` installed): the rules
are policy-routing rules (``ip rule ... ipproto udp prohibit``), which the kernel applies to
every packet the namespace sends. A packet that matches no "allow" rule finds no route, so the
namespace can neither send nor answer it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import itertools
import os
import random
import re
import shutil
import subprocess
from dataclasses import dataclass

# the tests' links are /30s of the first half, the services' addresses /32s of the second: a
# service address is never a link's network or broadcast address
POOL = ipaddress.IPv4Network("10.213.0.0/16")
LINKS, SERVICES = POOL.subnets(prefixlen_diff=1)
_names = itertools.count()


def ip(*args: str, ns: str | None = None) -> str:
    """Run ``ip`` (in ``ns`` when given) and return its output; raise with its message."""
    argv = ["ip", *(["-n", ns] if ns else []), *args]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {done.stderr.strip() or done.returncode}")
    return done.stdout


def unavailable() -> str | None:
    """Why namespaces cannot be made here, or None when they can."""
    if shutil.which("ip") is None:
        return "the ip command is missing (Debian: apt-get install iproute2)"
    if os.geteuid() != 0:
        return "making network namespaces needs root"
    probe = f"smprobe{os.getpid()}"
    try:
        ip("netns", "add", probe)
        ip("netns", "del", probe)
    except (RuntimeError, OSError) as exc:
        return f"ip netns add failed: {exc}"
    return None


def _free_subnet(prefix: int = 30) -> ipaddress.IPv4Network:
    """A subnet of POOL that no interface of this machine has an address in."""
    used = ip("-o", "-4", "addr", "show")
    taken = {w.split("/")[0] for line in used.splitlines() for w in line.split() if "/" in w}
    subnets = list((SERVICES if prefix == 32 else LINKS).subnets(new_prefix=prefix))
    for net in random.sample(subnets, 256):
        if not any(str(h) in taken for h in (*net.hosts(), net.network_address)):
            return net
    raise RuntimeError(f"no free /{prefix} in {POOL}")


@dataclass
class Link:
    """One veth pair: ``host`` is this machine's side, ``address`` the namespace's."""

    outside: str
    inside: str
    host: str
    address: str


class Namespace:
    """A network namespace with one link to this machine (see the module's docstring)."""

    def __init__(self, tag: str = "") -> None:
        self.name = f"sm{os.getpid()}n{next(_names)}{tag}"[:15]
        self.link: Link | None = None
        self._links = itertools.count()
        ip("netns", "add", self.name)
        try:
            ip("link", "set", "lo", "up", ns=self.name)
            self.connect()
        except BaseException:
            self.close()
            raise

    @property
    def host(self) -> str:
        """This machine's address as the namespace reaches it (the host side of the link)."""
        assert self.link is not None
        return self.link.host

    @property
    def address(self) -> str:
        """The namespace's own address."""
        assert self.link is not None
        return self.link.address

    def connect(self, inside: str | None = None) -> Link:
        """Give the namespace a (new) link on a fresh subnet, and its default route through it."""
        n = next(self._links)
        outside = f"{self.name}"[:12] + f"h{n}"
        inside = inside or f"net{n}"
        net = _free_subnet()
        host, mine = (str(h) for h in net.hosts())
        ip("link", "add", outside, "type", "veth", "peer", "name", inside, "netns", self.name)
        # IPv4 only: an IPv6 link-local address finishes its duplicate detection a second or
        # two after the link comes up, and Chromium, taking that for a network change,
        # cancelled the page's module loads (ERR_NETWORK_CHANGED: the page never started)
        ip("link", "set", outside, "addrgenmode", "none")
        ip("link", "set", inside, "addrgenmode", "none", ns=self.name)
        ip("addr", "add", f"{host}/30", "dev", outside)
        ip("addr", "add", f"{mine}/30", "dev", inside, ns=self.name)
        ip("link", "set", inside, "up", ns=self.name)
        ip("route", "replace", "default", "via", host, "dev", inside, "onlink", ns=self.name)
        # the carrier comes last, with the address and route in place (as a network that is
        # ready when the browser sees it): Chromium says `online` on it
        ip("link", "set", outside, "up")
        self.link = Link(outside, inside, host, mine)
        return self.link

    def cut(self) -> None:
        """Take the namespace's link away (as a Wi-Fi that goes): no address, no route."""
        if self.link is not None:
            ip("link", "del", self.link.inside, ns=self.name)  # takes its veth peer along
            self.link = None

    def swap(self, inside: str = "wwan0") -> Link:
        """Leave the current network for a new one (Wi-Fi to 4G): the old link goes, a new one
        on another subnet, with another address and route, comes up."""
        self.cut()
        return self.connect(inside)

    def only(self, *allowed: tuple[str, int]) -> None:
        """Let the namespace send only to these (protocol, port) pairs, e.g. ``("tcp", 3478)``:
        every other packet, all UDP unless allowed, finds no route."""
        for pref, (proto, port) in enumerate(allowed, start=100):
            ip("rule", "add", "pref", str(pref), "ipproto", proto, "dport", str(port),
               "lookup", "main", ns=self.name)  # fmt: skip
        ip("rule", "add", "pref", "1000", "prohibit", ns=self.name)

    def argv(self, *command: str) -> list[str]:
        """``command`` run inside the namespace."""
        return ["ip", "netns", "exec", self.name, *command]

    def close(self) -> None:
        """Remove the namespace and its links (idempotent)."""
        try:
            ip("netns", "del", self.name)
        except RuntimeError:
            pass
        self.link = None


class Service:
    """An address of this machine that outlives the namespaces' links (as a server on the
    Internet outlives a phone's Wi-Fi): a /32 on the loopback interface (this kernel has no
    dummy interfaces), which every namespace reaches through its default route. Bind the test's
    server and turnserver here."""

    def __init__(self) -> None:
        self.address = str(_free_subnet(32).network_address)
        # labelled with our pid, so that a later run can sweep it if this process is killed
        ip("addr", "add", f"{self.address}/32", "dev", "lo", "label", f"lo:sm{os.getpid()}")

    def close(self) -> None:
        """Remove the address (idempotent)."""
        try:
            ip("addr", "del", f"{self.address}/32", "dev", "lo")
        except RuntimeError:
            pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep() -> None:
    """Remove what runs that were killed left behind (their namespaces and addresses, named
    after their pid)."""
    for line in ip("netns", "list").splitlines():
        found = re.fullmatch(r"sm(\d+)n\d+\S*", line.split()[0]) if line.split() else None
        if found and not _alive(int(found[1])):
            with contextlib.suppress(RuntimeError):
                ip("netns", "del", line.split()[0])
    for line in ip("-o", "-4", "addr", "show", "dev", "lo").splitlines():
        found = re.search(r"inet (\S+) .*lo:sm(\d+)", line)
        if found and not _alive(int(found[2])):
            with contextlib.suppress(RuntimeError):
                ip("addr", "del", found[1], "dev", "lo")
