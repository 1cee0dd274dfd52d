"""Prometheus metrics, one registry per app (never the process-global default registry)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from server.speculation import SpeculationOutcome


@dataclass
class TurnMarks:
    """Monotonic timestamps of one turn (seconds), for the latency metrics."""

    end_of_speech: float = field(default_factory=time.monotonic)
    stt_done: float | None = None
    first_token: float | None = None
    first_audio: float | None = None


_LATENCY_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
_WRITE_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 5.0)


class ServerMetrics:
    """Counters, gauges and the per-turn latency histograms."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.turn_latency = Histogram(
            "reflect_turn_latency_seconds",
            "Time from the end-of-speech decision to each later mark of a turn",
            ["mark"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.turns = Counter("reflect_turns", "Client turns answered", ["input"], registry=r)
        self.barge_ins = Counter("reflect_barge_ins", "Replies cancelled by barge-in", registry=r)
        self.backchannels = Counter(
            "reflect_backchannels", "Short acknowledgements heard during a reply", registry=r
        )
        self.crises = Counter("reflect_crises", "Crisis protocols triggered", registry=r)
        self.blocked = Counter(
            "reflect_blocked_sentences", "Reply sentences replaced by the filter, by reason",
            ["reason"], registry=r,
        )
        self.errors = Counter(
            "reflect_ws_errors", "Error events sent on websockets", ["code"], registry=r
        )
        self.connections = Gauge(
            "reflect_ws_connections", "Open websocket connections", ["kind"], registry=r
        )
        self.pool_pending = Gauge(
            "reflect_model_jobs_pending", "Model jobs queued or running", registry=r
        )
        self.speculations = Counter(
            "reflect_speculations",
            "Speculative transcriptions at the client's pauses: started, skipped (pool saturated),"
            " hit (the end of turn used it), miss (thrown away) or stale (never run in time)",
            ["outcome"],
            registry=r,
        )
        for outcome in SpeculationOutcome:
            self.speculations.labels(outcome=outcome.value)  # shown as 0 before the first turn
        self.alternative_raises = Counter(
            "reflect_screening_alternative_raises",
            "Turns whose risk level was raised by another reading of unsure speech",
            registry=r,
        )
        self.alert_delay = Histogram(
            "reflect_alert_delay_seconds",
            "Time from the end of a crisis utterance to the therapist event being published",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )

        self.write_seconds = Histogram(
            "reflect_write_seconds",
            "Time one queued turn-path write took to be stored, by kind",
            ["kind"],
            buckets=_WRITE_BUCKETS,
            registry=r,
        )

    def observe_write(self, kind: str, seconds: float) -> None:
        """Record how long one queued write took (its kind only, never its content)."""
        self.write_seconds.labels(kind=kind).observe(seconds)

    def observe_turn(self, marks: TurnMarks) -> None:
        """Record the latency marks a turn reached."""
        for name, value in (
            ("stt_done", marks.stt_done),
            ("first_token", marks.first_token),
            ("first_audio", marks.first_audio),
        ):
            if value is not None:
                self.turn_latency.labels(mark=name).observe(max(0.0, value - marks.end_of_speech))

    def count_blocked(self, reasons: tuple[str, ...]) -> None:
        """Count one replaced sentence under its first reason (reasons only, never text)."""
        self.blocked.labels(reason=reasons[0] if reasons else "general").inc()

    def speculation(self, outcome: SpeculationOutcome) -> None:
        """Count what became of one speculative transcription."""
        self.speculations.labels(outcome=outcome.value).inc()

    def render(self) -> bytes:
        """The Prometheus text exposition."""
        return generate_latest(self.registry)
