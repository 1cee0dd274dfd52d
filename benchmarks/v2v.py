"""Voice to voice through the real `/ws/kiosk`: one kiosk, crisis alerts, concurrent kiosks."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from benchmarks.budget import within_budget
from benchmarks.corpus import SpokenUtterance
from benchmarks.kiosk_sim import Said, SimKiosk
from benchmarks.profiling import Sampler
from benchmarks.server_proc import BenchServer, PhaseUsage
from benchmarks.stats import ratio, summarize
from benchmarks.therapist_sim import SimDashboard

GAP_S = 0.4  # room tone between the end of a reply and the next utterance
Progress = Callable[[str], None]

# (result name, from mark, to mark): marks are "speech_end" (client) or TurnTimes fields.
SPANS: tuple[tuple[str, str, str], ...] = (
    ("response_ms", "speech_ended", "first_audio"),
    ("felt_ms", "speech_end", "first_audio"),
    ("end_of_turn_decision_ms", "speech_end", "speech_ended"),
    ("transcript_ms", "speech_ended", "transcript"),
    ("first_sentence_ms", "speech_ended", "first_sentence"),
    ("non_streaming_ms", "speech_ended", "last_audio"),
)


def loopback_hosts() -> Iterator[str]:
    """127.0.0.2, 127.0.0.3, ...: every simulated kiosk connects from its own address."""
    for third in range(0, 256):
        for fourth in range(2, 255):
            yield f"127.0.{third}.{fourth}"


def latency_table(said: Sequence[Said]) -> dict[str, Any]:
    """p50/p95 of every span over the utterances that got a reply."""
    table: dict[str, Any] = {name: summarize(s.ms(a, b) for s in said) for name, a, b in SPANS}
    table["non_streaming_ratio_p50"] = ratio(
        table["non_streaming_ms"]["p50"], table["response_ms"]["p50"])
    table["utterances"] = len(said)
    table["answered"] = sum(1 for s in said if s.times is not None and s.times.reply_done)
    table["splits"] = sum(s.splits for s in said)
    return table


def _server_first_audio(before: dict[str, float], after: dict[str, float]) -> float | None:
    """Mean server-side end-of-speech -> first audio (ms) from the /metrics histogram."""
    key = "reflect_turn_latency_seconds_{}{{mark=first_audio}}"
    count = after.get(key.format("count"), 0.0) - before.get(key.format("count"), 0.0)
    total = after.get(key.format("sum"), 0.0) - before.get(key.format("sum"), 0.0)
    return round(1000.0 * total / count, 1) if count else None


class VoiceBench:
    """Runs the kiosk phases against one server."""

    def __init__(
        self, server: BenchServer, progress: Progress, profile_dir: Path | None = None
    ) -> None:
        self.server = server
        self.progress = progress
        self.profile_dir = profile_dir
        self.hosts = loopback_hosts()
        self.end_silence_ms = 0
        self._seed = 1000

    async def _kiosk(self, token: str, on: BenchServer | None = None) -> SimKiosk:
        # `on`: the process the kiosk connects to (another one shares the database).
        server = on or self.server
        self._seed += 1
        kiosk = SimKiosk(server.ws_url, token, next(self.hosts), self._seed)
        code = await asyncio.to_thread(server.new_code)
        await kiosk.open(code)
        self.end_silence_ms = kiosk.end_silence_ms
        return kiosk

    def _sampler(self, phase: str) -> Sampler | None:
        if self.profile_dir is None:
            return None
        self.profile_dir.mkdir(parents=True, exist_ok=True)
        return Sampler(self.server.process.pid, self.profile_dir / f"server-{phase}.txt")

    async def _talk(self, kiosk: SimKiosk, utterances: Sequence[SpokenUtterance]) -> list[Said]:
        said = []
        for spoken in utterances:
            said.append(await kiosk.say(spoken.audio))
            await asyncio.sleep(GAP_S)
        return said

    async def single(self, corpus: Sequence[SpokenUtterance]) -> dict[str, Any]:
        """One kiosk speaks the whole corpus."""
        self.server.enroll(1)
        self.progress(f"voice-to-voice: 1 kiosk, {len(corpus)} utterances in real time")
        kiosk = await self._kiosk(self.server.tokens[0])
        before = await asyncio.to_thread(self.server.metrics)
        sampler = self._sampler("1-kiosk")
        usage = PhaseUsage(self.server.monitor)
        try:
            said = await self._talk(kiosk, corpus)
        finally:
            await kiosk.close()
        result = latency_table(said)
        if sampler is not None:
            result["profile"] = await asyncio.to_thread(sampler.stop)
        result.update(usage.end())
        result["errors"] = dict(kiosk.errors)
        result["end_silence_ms"] = self.end_silence_ms
        after = await asyncio.to_thread(self.server.metrics)
        result["server_side_first_audio_mean_ms"] = _server_first_audio(before, after)
        result["per_utterance_response_ms"] = [
            None if (ms := s.ms("speech_ended", "first_audio")) is None else round(ms, 1)
            for s in said]
        return result

    async def crisis(self, crisis_corpus: Sequence[SpokenUtterance],
                     dashboard_on: BenchServer | None = None) -> dict[str, Any]:
        """Each crisis utterance in a fresh session; time until the dashboard's urgent alert.

        `dashboard_on`: the dashboard watches from another process than the kiosk's.
        """
        self.progress(f"crisis: {len(crisis_corpus)} sessions")
        self.server.enroll(1)
        watcher = dashboard_on or self.server
        dashboard = SimDashboard(watcher.ws_url, watcher.url, watcher.session_cookie())
        await dashboard.open()
        delays: list[float | None] = []
        kiosk_delays: list[float | None] = []
        errors: Counter[str] = Counter()
        try:
            for spoken in crisis_corpus:
                kiosk = await self._kiosk(self.server.tokens[0])
                dashboard.alert_seen.clear()
                try:
                    said = await kiosk.say(spoken.audio)
                    await asyncio.wait_for(dashboard.alert_seen.wait(), 30)
                    delays.append((dashboard.alerts[-1] - said.speech_end) * 1000.0)
                    kiosk_delays.append(said.ms("speech_end", "crisis"))
                except TimeoutError:
                    errors["no_alert"] += 1
                finally:
                    errors.update(kiosk.errors)
                    await kiosk.close()
        finally:
            await dashboard.close()
        return {
            "alert_delay_ms": summarize(delays),
            "kiosk_crisis_screen_ms": summarize(kiosk_delays),
            "errors": dict(errors),
        }

    async def concurrent(
        self, corpus: Sequence[SpokenUtterance], count: int, per_kiosk: int,
        spread: Sequence[BenchServer] = (),
    ) -> dict[str, Any]:
        """`count` kiosks speak at once, each `per_kiosk` utterances (rotated over the corpus);
        with `spread`, the kiosks take turns over those processes (CPU figures: this one's)."""
        servers = list(spread) or [self.server]
        self.progress(f"concurrency: {count} kiosks x {per_kiosk} utterances "
                      f"over {len(servers)} process(es)")
        for server in servers:
            server.enroll(-(-count // len(servers)))
        kiosks = await asyncio.gather(*(
            self._kiosk(servers[i % len(servers)].tokens[i // len(servers)],
                        servers[i % len(servers)]) for i in range(count)))
        scripts = [[corpus[(k * 3 + i) % len(corpus)] for i in range(per_kiosk)]
                   for k in range(count)]
        sampler = self._sampler(f"{count}-kiosks")
        usage = PhaseUsage(self.server.monitor)
        started = time.monotonic()
        try:
            talks = await asyncio.gather(*(self._talk(k, s) for k, s in zip(kiosks, scripts,
                                                                             strict=True)))
        finally:
            await asyncio.gather(*(k.close() for k in kiosks))
        said = [item for talk in talks for item in talk]
        result = latency_table(said)
        if sampler is not None:
            result["profile"] = await asyncio.to_thread(sampler.stop)
        result.update(usage.end())
        result["wall_s"] = round(time.monotonic() - started, 1)
        errors: Counter[str] = Counter()
        for kiosk in kiosks:
            errors.update(kiosk.errors)
        result["errors"] = dict(errors)
        return result


def concurrency_summary(
    levels: dict[str, dict[str, Any]], single_p95: float | None
) -> dict[str, Any]:
    """Per level: response p50/p95, ratio to the single-kiosk p95, CPU, errors, verdicts."""
    table: dict[str, Any] = {}
    for count, result in levels.items():
        response = result["response_ms"]
        p95_ratio = ratio(response["p95"], single_p95)
        table[count] = {
            "p50": response["p50"], "p95": response["p95"],
            "felt_p50": result["felt_ms"]["p50"], "felt_p95": result["felt_ms"]["p95"],
            "p95_ratio_to_single": p95_ratio,
            "server_cpu_percent": result.get("server_cpu_percent"),
            "bench_client_cpu_percent": result.get("bench_client_cpu_percent"),
            "machine_cpu_percent": result.get("machine_cpu_percent"),
            "answered": result["answered"], "utterances": result["utterances"],
            "errors": result["errors"],
            # Where the time goes: transcript and first reply sentence after end of turn.
            "transcript_p50": result["transcript_ms"]["p50"],
            "transcript_p95": result["transcript_ms"]["p95"],
            "first_sentence_p50": result["first_sentence_ms"]["p50"],
            "first_sentence_p95": result["first_sentence_ms"]["p95"],
            "within_budget": within_budget(response["p50"], response["p95"]),
            "within_2x_single": p95_ratio is not None and p95_ratio <= 2.0,
        }
    return table
