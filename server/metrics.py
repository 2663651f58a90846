"""Prometheus metrics of one server process (one registry per app, so tests can run several)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    """What ``GET /metrics`` exposes."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.sockets = Gauge(
            "speedmeet_sockets",
            "Connected Socket.IO clients",
            ["namespace"],
            registry=self.registry,
        )
        self.commands = Counter(
            "speedmeet_commands_total",
            "Client events handled, by event and outcome",
            ["namespace", "event", "outcome"],
            registry=self.registry,
        )
        self.signals = Counter(
            "speedmeet_signals_relayed_total", "Signaling messages relayed", registry=self.registry
        )
        self.refused = Counter(
            "speedmeet_connections_refused_total",
            "Socket.IO connections refused, by reason",
            ["reason"],
            registry=self.registry,
        )
        self.handler_seconds = Histogram(
            "speedmeet_handler_seconds",
            "Time spent in a client event handler",
            ["namespace"],
            registry=self.registry,
        )
