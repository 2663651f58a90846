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
        self.candidates_dropped = Counter(
            "speedmeet_candidates_withheld_total",
            "ICE candidates (and addresses) a relay-only event's signals had taken out",
            registry=self.registry,
        )
        self.chats = Counter(
            "speedmeet_chat_relayed_total",
            "Chat messages relayed to a room (none is kept)",
            registry=self.registry,
        )
        self.refused = Counter(
            "speedmeet_connections_refused_total",
            "Socket.IO connections refused, by reason",
            ["reason"],
            registry=self.registry,
        )
        self.conflicts = Counter(
            "speedmeet_conflicts_total",
            "Changes retried because another process changed the event first",
            registry=self.registry,
        )
        self.deadline_failures = Counter(
            "speedmeet_deadline_failures_total",
            "Deadlines (round end, break end, no-show check) that failed and were retried",
            registry=self.registry,
        )
        self.leases = Counter(
            "speedmeet_leases_taken_total",
            "Event leases this process took (it runs their conductor and board)",
            registry=self.registry,
        )
        self.held = Gauge(
            "speedmeet_leases_held",
            "Events whose conductor and board run on this process",
            registry=self.registry,
        )
        self.behind = Counter(
            "speedmeet_reconnects_behind_total",
            "Clients that reconnected having missed changes (they got the current state)",
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "speedmeet_rate_limited_total",
            "Client requests refused because their socket or person asked too much",
            registry=self.registry,
        )
        self.slow_consumers = Counter(
            "speedmeet_slow_consumers_total",
            "Sockets disconnected because they stopped reading what was sent to them",
            registry=self.registry,
        )
        self.forgotten = Counter(
            "speedmeet_events_forgotten_total",
            "Events whose personal data was forgotten (retention or an organiser), figures kept",
            registry=self.registry,
        )
        self.notes = Counter(
            "speedmeet_notes_total", "Change notices heard on the feed", registry=self.registry
        )
        self.degraded = Gauge(
            "speedmeet_degraded",
            "1 while this process has lost the feed (Redis) and its clients are told so",
            registry=self.registry,
        )
        self.handler_seconds = Histogram(
            "speedmeet_handler_seconds",
            "Time spent in a client event handler",
            ["namespace"],
            registry=self.registry,
        )
