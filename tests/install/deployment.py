"""``compose.yaml`` rendered as Docker Compose would (``.env`` read, ``${...}`` interpolated,
anchors merged) with the files its services mount (the Caddyfile, coturn's configuration), and
what in it must agree: no Docker needed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgspec
import yaml

from server import settings as settings_mod
from server.errors import StartupRefused
from server.store.sealing import Sealer

REPO = Path(__file__).resolve().parents[2]
COMPOSE = "compose.yaml"
ENV = ".env"


class ComposeError(Exception):
    """What ``docker compose config`` would refuse (a required variable left empty...)."""


# --- Compose's .env file and its interpolation ---------------------------------------------

_REF = re.compile(r"\$(?:(\$)|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
_BODY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])(.*))?", re.DOTALL)


def interpolate(text: str, env: Mapping[str, str], unset: list[str] | None = None) -> str:
    """``text`` with ``$$``, ``$VAR``, ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``,
    ``${VAR:?message}``, ``${VAR?message}``, ``${VAR:+other}`` replaced as Compose does; the
    names of unset variables Compose would warn about go to ``unset``."""

    def one(match: re.Match[str]) -> str:
        if match.group(1):
            return "$"
        body = match.group(3) or match.group(2)
        parsed = _BODY.fullmatch(body)
        if not parsed or "${" in (parsed.group(3) or ""):
            raise ComposeError(
                f"invalid interpolation format (or nested, unsupported): ${{{body}}}"
            )
        name, op, arg = parsed.groups()
        value = env.get(name)
        if op is None:
            if value is None and unset is not None:
                unset.append(name)
            return value or ""
        missing = value is None or (op.startswith(":") and value == "")
        if op.endswith("-"):
            return interpolate(arg, env, unset) if missing else str(value)
        if op.endswith("+"):
            return "" if missing else interpolate(arg, env, unset)
        if missing:
            raise ComposeError(f"required variable {name} is missing a value: {arg}")
        return str(value)

    return _REF.sub(one, text)


def read_env(text: str) -> dict[str, str]:
    """A ``.env`` file as Compose reads it (``NAME=value`` lines, ``#`` comments, quotes)."""
    env: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        name, sep, value = stripped.removeprefix("export ").partition("=")
        name = name.strip()
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", name):
            raise ComposeError(f".env line {number}: expected NAME=value, got {line!r}")
        value = value.strip()
        if value[:1] == "'" and value.endswith("'") and len(value) > 1:
            value = value[1:-1]
        elif value[:1] == '"' and value.endswith('"') and len(value) > 1:
            value = interpolate(value[1:-1].replace('\\"', '"').replace("\\n", "\n"), env)
        else:
            value = interpolate(re.sub(r"\s+#.*$", "", value), env)
        env[name] = value
    return env


def _walk(node: Any, env: Mapping[str, str], unset: list[str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, env, unset)
    if isinstance(node, list):
        return [_walk(item, env, unset) for item in node]
    if isinstance(node, dict):
        return {key: _walk(value, env, unset) for key, value in node.items()}
    return node


def _text(value: Any) -> str:
    # Compose hands environment values to containers as text: true -> "true", 8080 -> "8080".
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


# --- The deployment: its source files and what Compose makes of them -----------------------


@dataclass(frozen=True)
class Sources:
    """The deployment's files by path in the repository (``.env`` included); a planted
    mistake is a changed text."""

    files: dict[str, str]

    @classmethod
    def of_repo(cls, env_text: str) -> Sources:
        return cls({COMPOSE: (REPO / COMPOSE).read_text(encoding="utf-8"), ENV: env_text})

    def read(self, path: str) -> str:
        if path not in self.files:
            self.files[path] = (REPO / path).read_text(encoding="utf-8")
        return self.files[path]

    def edit(self, path: str, old: str, new: str) -> Sources:
        """These sources with ``old`` (which must be there) replaced by ``new`` in ``path``."""
        text = self.read(path)
        assert old in text, f"{old!r} is not in {path}"
        return replace(self, files=self.files | {path: text.replace(old, new)})


@dataclass(frozen=True)
class Service:
    """One service of the rendered compose file."""

    name: str
    spec: dict[str, Any]

    @property
    def environment(self) -> dict[str, str]:
        env = self.spec.get("environment") or {}
        if isinstance(env, list):
            env = dict(item.partition("=")[::2] for item in env)
        return {str(k): _text(v) for k, v in env.items()}

    def mounted(self, sources: Sources, target: str) -> str:
        """The text of the repository file mounted at ``target`` in this service."""
        for volume in self.spec.get("volumes") or []:
            source, _, rest = str(volume).partition(":")
            if rest.split(":")[0] == target and source.startswith("./"):
                return sources.read(source[2:])
        raise AssertionError(f"{self.name} mounts nothing from the repository at {target}")


@dataclass(frozen=True)
class Deployment:
    """``compose.yaml`` after Compose's interpolation and merges, with its mounted files."""

    sources: Sources
    services: dict[str, Service]
    unset: list[str] = field(default_factory=list)

    def speedmeet(self) -> list[Service]:
        """The services that run the project's Dockerfile."""
        return [s for s in self.services.values() if s.spec.get("build") in (".", "./")]


def render(sources: Sources) -> Deployment:
    """What ``docker compose config`` would show for these sources (an error where it would
    refuse)."""
    env = read_env(sources.read(ENV))
    tree = yaml.safe_load(sources.read(COMPOSE))  # anchors and << merges resolved here
    unset: list[str] = []
    tree = _walk(tree, env, unset)
    services = {name: Service(name, spec) for name, spec in tree["services"].items()}
    return Deployment(sources, services, unset)


# --- The proxy's and coturn's configurations ------------------------------------------------


def caddy_sites(caddyfile: str, env: Mapping[str, str]) -> dict[str, list[str]]:
    """Each site address of a Caddyfile with its ``reverse_proxy`` upstreams (Caddy's
    ``{$VAR}`` and ``{$VAR:default}`` read from ``env``)."""

    def var(match: re.Match[str]) -> str:
        return env.get(match.group(1)) or match.group(2) or ""

    text = re.sub(r"\{\$([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}", var, caddyfile)
    sites: dict[str, list[str]] = {}
    depth, site = 0, ""
    for raw in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        words = line.split()
        if depth == 0 and words[-1] == "{" and len(words) > 1:
            site = words[0]
            sites[site] = []
        elif depth >= 1 and words[0] == "reverse_proxy":
            sites[site] += [w for w in words[1:] if w != "{" and not w.startswith("/")]
        depth += line.count("{") - line.count("}")
    return sites


def coturn_options(service: Service, sources: Sources) -> dict[str, list[str]]:
    """coturn's options: its configuration file (``-c``), then its command line, which wins."""
    command = [str(a) for a in service.spec.get("command") or []]
    options: dict[str, list[str]] = {}
    if "-c" in command:
        conf = service.mounted(sources, command[command.index("-c") + 1])
        for raw in conf.splitlines():
            line = raw.strip()
            if line and not line.startswith("#"):
                key, _, value = line.partition("=")
                options.setdefault(key.strip(), []).append(value.strip())
    for arg in command:
        if arg.startswith("--"):
            key, _, value = arg[2:].partition("=")
            options[key] = [value]  # the command line replaces the file's value
    return options


def _port(url: str) -> int | None:
    # turn:host:port?transport=udp -> port
    match = re.fullmatch(r"(?:turns?|stuns?):([^:?]+):(\d+)(\?.*)?", url)
    return int(match.group(2)) if match else None


def _host(url: str) -> str | None:
    match = re.fullmatch(r"(?:turns?|stuns?):([^:?]+)(:\d+)?(\?.*)?", url)
    return match.group(1) if match else None


# --- What must agree ------------------------------------------------------------------------

SHARED = ("store", "redis_url", "redis_prefix", "data_key", "admin_token", "public_url")
SHARED += ("turn_secret", "turn_urls", "ice_servers", "metrics_token")


def disagreements(dep: Deployment) -> list[str]:
    """Every way the rendered services disagree or would not start; empty when all is well."""
    problems = [f"{name} is not set (Compose: a blank string)" for name in sorted(set(dep.unset))]
    speedmeet = dep.speedmeet()
    if len(speedmeet) < 2:
        problems.append(f"two Speedmeet processes expected, found {[s.name for s in speedmeet]}")
    loaded: dict[str, settings_mod.Settings] = {}
    known = {f.name for f in msgspec.structs.fields(settings_mod.Settings)}
    for service in speedmeet:
        for key in service.environment:
            name = key.removeprefix(settings_mod.ENV_PREFIX).lower()
            if key.startswith(settings_mod.ENV_PREFIX) and name not in known:
                problems.append(f"{service.name}: {key} is not a setting of server/settings.py")
        try:
            loaded[service.name] = settings_mod.load(env=service.environment)
        except (settings_mod.SettingsError, ValueError) as exc:
            problems.append(f"{service.name}: the settings loader refuses it: {exc}")
    if not loaded:
        return problems
    first_name, first = next(iter(loaded.items()))
    for name, s in loaded.items():
        for key in SHARED:
            if getattr(s, key) != getattr(first, key):
                problems.append(f"{key} differs: {first_name} and {name}")
    for name, s in loaded.items():
        problems += _one_process(dep, name, s)
    problems += _redis(dep, first)
    problems += _proxy(dep, loaded)
    problems += _coturn(dep, first)
    return problems


def _one_process(dep: Deployment, name: str, s: settings_mod.Settings) -> list[str]:
    problems = []
    if s.store != "redis":
        problems.append(f"{name}: store is {s.store!r}; several processes share events on redis")
    try:
        Sealer(s.data_key)
    except StartupRefused as exc:
        problems.append(f"{name}: data_key: {exc}")
    if not s.admin_token:
        problems.append(f"{name}: admin_token is empty (it would make its own at each start)")
    if not s.trust_forwarded_for:
        problems.append(f"{name}: behind the proxy, trust_forwarded_for must be true")
    if s.host != "0.0.0.0":
        problems.append(f"{name}: host {s.host}: the proxy's container cannot reach it")
    if dep.services[name].spec.get("ports"):
        problems.append(f"{name}: publishes ports; people go through the proxy (TLS)")
    return problems


def _redis(dep: Deployment, s: settings_mod.Settings) -> list[str]:
    url = urlsplit(s.redis_url)
    redis = dep.services.get(url.hostname or "")
    if redis is None:
        return [f"redis_url {s.redis_url} names no service of compose.yaml"]
    command = [str(a) for a in redis.spec.get("command") or []]
    port = int(command[command.index("--port") + 1]) if "--port" in command else 6379
    problems = []
    if (url.port or 6379) != port:
        problems.append(f"redis_url port {url.port} but {redis.name} listens on {port}")
    if "--appendonly" not in command or command[command.index("--appendonly") + 1] != "yes":
        problems.append(
            f"{redis.name}: no append-only file (--appendonly yes): a restart loses every event"
        )
    if not any(str(v).split(":")[1:2] == ["/data"] for v in redis.spec.get("volumes") or []):
        problems.append(f"{redis.name}: /data is on no volume: its file goes with the container")
    return problems


def _proxy(dep: Deployment, loaded: Mapping[str, settings_mod.Settings]) -> list[str]:
    proxies = [s for s in dep.services.values() if str(s.spec.get("image", "")).startswith("caddy")]
    if len(proxies) != 1:
        return [f"one Caddy service expected, found {[s.name for s in proxies]}"]
    (proxy,) = proxies
    sites = caddy_sites(proxy.mounted(dep.sources, "/etc/caddy/Caddyfile"), proxy.environment)
    problems = []
    public = {urlsplit(s.public_url).hostname for s in loaded.values()}
    if set(sites) != public:
        problems.append(f"the proxy serves {sorted(sites)} but public_url names {sorted(public)}")
    if any(urlsplit(s.public_url).scheme != "https" for s in loaded.values()):
        problems.append("public_url is not https://: pages need it for camera and microphone")
    expected = {f"{name}:{s.port}" for name, s in loaded.items()}
    for site, upstreams in sites.items():
        if set(upstreams) != expected:
            problems.append(
                f"the proxy's upstreams for {site} are {sorted(upstreams)}; "
                f"the Speedmeet processes listen on {sorted(expected)}"
            )
    published = {str(p).split(":")[-1] for p in proxy.spec.get("ports") or []}
    for port in ("80", "443"):
        if port not in published:
            problems.append(f"{proxy.name} does not publish port {port}")
    return problems


def _coturn(dep: Deployment, s: settings_mod.Settings) -> list[str]:
    turns = [x for x in dep.services.values() if str(x.spec.get("image", "")).startswith("coturn/")]
    if len(turns) != 1:
        return [f"one coturn service expected, found {[x.name for x in turns]}"]
    (coturn,) = turns
    options = coturn_options(coturn, dep.sources)
    problems = []
    if "use-auth-secret" not in options:
        problems.append("coturn: no use-auth-secret (Speedmeet hands out REST credentials)")
    if options.get("static-auth-secret") != [s.turn_secret]:
        problems.append("turn_secret differs from coturn's static-auth-secret")
    ports = {
        "turn": int(options.get("listening-port", ["3478"])[-1]),
        "turns": int(options.get("tls-listening-port", ["5349"])[-1]),
        "stun": int(options.get("listening-port", ["3478"])[-1]),
    }
    urls = list(s.turn_urls) + [u for server in s.ice_servers for u in server.urls]
    if not s.turn_urls:
        problems.append("turn_urls is empty: nobody is handed the relay")
    for url in urls:
        scheme = url.split(":")[0]
        if scheme in ports and _port(url) != ports[scheme]:
            problems.append(f"{url} but coturn listens for {scheme}: on {ports[scheme]}")
    hosts = {_host(u) for u in urls}
    if len(hosts) != 1:
        problems.append(f"the STUN/TURN URLs name several hosts: {sorted(map(str, hosts))}")
    if coturn.spec.get("network_mode") != "host":
        problems.append("coturn is not on the host's network: its relay ports are not reachable")
    if not options.get("external-ip", [""])[-1]:
        problems.append("coturn: no external-ip: browsers would be sent a private address")
    return problems
