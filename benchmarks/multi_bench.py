"""`reflect bench --servers 2`: 8 kiosks on one process, then spread over two processes that
share a PostgreSQL database and a Redis; response latency and cross-process alert delay.

Both runs use a fresh database on the configured PostgreSQL server (dropped after) and the
configured Redis under a fresh key prefix, so the figures compare like with like on one machine.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text

from benchmarks import corpus as corpus_mod
from benchmarks import server_proc
from benchmarks.corpus import SpokenUtterance
from benchmarks.runner import machine
from benchmarks.v2v import VoiceBench
from server.config import Settings

Progress = Callable[[str], None]
MODEL = "tiny.en"


class MultiBenchError(RuntimeError):
    """The benchmark cannot run as configured."""


def _admin(url: str, sql: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(sql))
    finally:
        engine.dispose()


@contextmanager
def fresh_database(url: str, stem: str = "reflect_bench") -> Iterator[str]:
    """A new empty database on `url`'s PostgreSQL server (its URL), dropped afterwards."""
    name = f"{stem}_{uuid.uuid4().hex[:10]}"
    _admin(url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _check(settings: Settings) -> None:
    if not settings.database.url.startswith("postgresql") or not settings.redis.url:
        raise MultiBenchError(
            "`reflect bench --servers 2` needs database.url (PostgreSQL) and redis.url: "
            "scripts/postgres.sh and scripts/redis.sh print test URLs "
            "(REFLECT_DATABASE__URL=... REFLECT_REDIS__URL=... reflect bench --servers 2)")


def _phase(settings: Settings, servers: int, kiosks: int, per_kiosk: int,
           corpus: Sequence[SpokenUtterance], crisis: Sequence[SpokenUtterance],
           progress: Progress) -> dict[str, Any]:
    with fresh_database(settings.database.url) as database_url, \
            tempfile.TemporaryDirectory(prefix="reflect-bench-multi-") as tmp:
        env = {"REFLECT_DATABASE__URL": database_url, "REFLECT_REDIS__URL": settings.redis.url,
               "REFLECT_REDIS__PREFIX": f"reflect-bench-{uuid.uuid4().hex[:8]}"}
        progress(f"{servers} process(es): starting")
        first = server_proc.start(settings, Path(tmp) / "a", MODEL, extra_env=env)
        started = [first]
        try:
            if servers > 1:
                # The second process reads the database with the first one's keys.
                shared = {**env, "REFLECT_SECURITY__KEYRING_PATH": str(Path(tmp) / "a" /
                                                                       "keyring.json")}
                second = server_proc.start(settings, Path(tmp) / "b", MODEL,
                                           extra_env=shared, accounts=False)
                second.kiosk_names = "bench-b"
                started.append(second)
            return asyncio.run(_measure(started, kiosks, per_kiosk, corpus, crisis, progress))
        finally:
            for server in started:
                server.stop()


async def _measure(servers: list[server_proc.BenchServer], kiosks: int, per_kiosk: int,
                   corpus: Sequence[SpokenUtterance], crisis: Sequence[SpokenUtterance],
                   progress: Progress) -> dict[str, Any]:
    bench = VoiceBench(servers[0], progress)
    spoken = await bench.concurrent(corpus, kiosks, per_kiosk, spread=servers)
    # The kiosk on the first process, the therapist's dashboard on the last one.
    alerts = await bench.crisis(crisis, dashboard_on=servers[-1])
    return {
        "processes": len(servers),
        "kiosks": kiosks,
        "response_ms": spoken["response_ms"],
        "felt_ms": spoken["felt_ms"],
        "answered": spoken["answered"],
        "utterances": spoken["utterances"],
        "errors": spoken["errors"],
        "machine_cpu_percent": spoken.get("machine_cpu_percent"),
        "alert_delay_ms": alerts["alert_delay_ms"],
        "alert_errors": alerts["errors"],
    }


def run(settings: Settings, *, quick: bool, progress: Progress, kiosks: int = 8
        ) -> dict[str, Any]:
    """One process, then two, each with `kiosks` kiosks talking at once."""
    _check(settings)
    started = time.monotonic()
    per_kiosk, crisis_sessions = (2, 2) if quick else (4, 4)
    progress("corpus: speaking the utterances with espeak-ng")
    corpus = corpus_mod.build(corpus_mod.pick(corpus_mod.UTTERANCES, 8 if quick else 16))
    crisis = corpus_mod.build(corpus_mod.CRISIS_UTTERANCES[:crisis_sessions])
    results: dict[str, Any] = {"machine": machine(), "quick": quick}
    for servers in (1, 2):
        results[f"processes_{servers}"] = _phase(settings, servers, kiosks, per_kiosk, corpus,
                                                 crisis, progress)
    results["elapsed_s"] = round(time.monotonic() - started, 1)
    return results


def human(results: dict[str, Any]) -> str:
    """A small table: one process vs two."""
    lines = ["processes  kiosks  response p50/p95 ms  felt p50/p95 ms  alert delay p50/max ms  "
             "answered  errors"]
    for key in ("processes_1", "processes_2"):
        row = results[key]
        response, felt, alert = row["response_ms"], row["felt_ms"], row["alert_delay_ms"]
        lines.append(
            f"{row['processes']:>9}  {row['kiosks']:>6}  {response['p50']}/{response['p95']}"
            f"  {felt['p50']}/{felt['p95']}  {alert['p50']}/{alert['max']}"
            f"  {row['answered']}/{row['utterances']}  {row['errors'] or row['alert_errors']}")
    return "\n".join(lines)
