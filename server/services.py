"""Everything the app holds for its lifetime, built once in the lifespan and passed down."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from models.accounts import ensure_bootstrap_admin
from models.db import Database, open_database
from models.keyring import load_keyring
from models.startup_repair import close_orphaned_session, repair_on_start
from reflection.flow import EndReason
from server import bootstrap_notice
from server.auth import WebSessionStore
from server.config import Settings
from server.conversations import ConversationFactory, EngineConversations
from server.events import TherapistEventKind
from server.fanout import Fanout, Holding, InMemoryFanout
from server.hub import TherapistHub
from server.kiosk_commands import KioskCommands
from server.kiosk_parking import Parking
from server.kiosk_sockets import KioskSockets
from server.metrics import ServerMetrics
from server.scaling import Limits, fanout_for, limits_for
from server.voice_stack import VoiceStack
from server.workers import ModelPool
from server.write_queue import WriteQueue

log = logging.getLogger(__name__)


class KioskRegistry:
    """Which live kiosk connection runs which session (for the therapist's call-in).

    Each session is also routed through the fanout, so another process's call-in finds it.
    """

    def __init__(self, fanout: Fanout | None = None) -> None:
        self._by_session: dict[uuid.UUID, Any] = {}
        self.fanout: Fanout = fanout or InMemoryFanout()

    def register(self, session_id: uuid.UUID, kiosk_session: Any) -> None:
        """A kiosk joined a session."""
        self._by_session[session_id] = kiosk_session
        self.fanout.route(session_id)

    def unregister(self, session_id: uuid.UUID, kiosk_session: Any) -> None:
        """The kiosk left the session."""
        if self._by_session.get(session_id) is kiosk_session:
            del self._by_session[session_id]
            self.fanout.unroute(session_id)

    def get(self, session_id: uuid.UUID) -> Any:
        """The live kiosk session, or None."""
        return self._by_session.get(session_id)


@dataclass
class Services:
    """The app's long-lived parts."""

    settings: Settings
    database: Database
    pool: ModelPool
    metrics: ServerMetrics
    hub: TherapistHub
    web_sessions: WebSessionStore
    voice: VoiceStack
    conversations: ConversationFactory
    limits: Limits = field(default_factory=Limits)
    kiosks: KioskRegistry = field(init=False)
    writes: WriteQueue = field(default_factory=WriteQueue)
    kiosk_commands: KioskCommands = field(init=False)
    parking: Parking = field(init=False)
    kiosk_sockets: KioskSockets = field(default_factory=KioskSockets)
    started_at: float = field(default_factory=time.monotonic)
    ready_s: float = 0.0

    def __post_init__(self) -> None:
        fanout = self.hub.fanout
        self.kiosks = KioskRegistry(fanout)
        self.kiosk_commands = KioskCommands(self.kiosks, fanout)
        self.parking = Parking(self.settings.session.resume_window_s)
        fanout.attach(self.hub.deliver, self.kiosk_commands.run_local, self._kiosk_lost,
                      self.hub.local_screens)

    @property
    def fanout(self) -> Fanout:
        """What crosses processes (in memory with one process)."""
        return self.hub.fanout

    async def _kiosk_lost(self, holding: Holding) -> None:
        # The process holding this kiosk died: its therapist must see the kiosk offline, and
        # its session (which lived in that process's memory) ends; alerts stay open.
        if not (holding.session_id and holding.therapist_id):
            return
        session_id, therapist_id = uuid.UUID(holding.session_id), uuid.UUID(holding.therapist_id)
        await self.hub.publish(therapist_id, TherapistEventKind.KIOSK_STATUS,
                               session_id=session_id, data={"status": "offline"})

        def close() -> bool:
            with self.database.transaction() as db:
                return close_orphaned_session(db, session_id)

        try:
            ended = await asyncio.to_thread(close)
        except Exception as exc:  # the next start-up repair, or an admin, ends it
            log.warning("fanout: could not end a lost session (%s)", type(exc).__name__)
            return
        if ended:
            await self.hub.publish(therapist_id, TherapistEventKind.SESSION_ENDED,
                                   session_id=session_id,
                                   data={"reason": EndReason.SERVER.value})

    def close(self) -> None:
        """Release threads and connections."""
        self.pool.shutdown()
        self.database.dispose()


def _warm_conversations(settings: Settings,
                        load: Callable[[Settings], EngineConversations]) -> EngineConversations:
    """The conversation factory with its engine's layers already built (ReflectionEngine.warm)."""
    conversations = load(settings)
    conversations.engine.warm()
    return conversations


def load_services(settings: Settings, *, keyring_env_value: str | None) -> Services:
    """Open the database, load and warm the models; blocking (run it off the event loop)."""
    start = time.perf_counter()
    # Private: the database, its WAL, the keyring and the bootstrap password live here.
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    settings.data_dir.chmod(0o700)
    keyring = load_keyring(path=settings.keyring_file, env_value=keyring_env_value)
    database = open_database(settings.database_url, keyring=keyring)
    with database.transaction() as db:
        password = ensure_bootstrap_admin(db)
        # With other processes on this database, an "active" session may be theirs.
        closed, encrypted = repair_on_start(db, close_sessions=not settings.redis.url)
    if closed or encrypted:
        log.warning("start-up: ended %d sessions a stop left active; encrypted %d "
                    "break-glass reasons", closed, encrypted)
    if password is not None:
        bootstrap_notice.announce(password, settings.data_dir)
    else:
        bootstrap_notice.forget_if_changed(database, settings.data_dir)
    try:
        from server.assembly import conversations as load_conversations

        # The engine's layers (mostly numpy and pure Python) warm beside the voice models
        # (native code that releases the GIL), so readiness waits for the slower of the two.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="warm-engine") as warming:
            engine_ready = warming.submit(_warm_conversations, settings, load_conversations)
            voice = VoiceStack.load(settings)
            voice.warm()
            conversations = engine_ready.result()
        metrics = ServerMetrics()
        # Replaced reply sentences are counted by reason (the engine never passes text).
        conversations.engine.block_listeners.append(metrics.count_blocked)
    except BaseException:
        database.dispose()
        raise
    services = Services(
        settings=settings,
        database=database,
        pool=ModelPool(settings.server.model_workers),
        metrics=metrics,
        hub=TherapistHub(database, fanout_for(settings)),
        web_sessions=WebSessionStore(
            database,
            settings.security.idle_logoff_minutes * 60.0,
            max_age_hours=settings.security.session_max_hours,
        ),
        voice=voice,
        conversations=conversations,
        limits=limits_for(settings),
        writes=WriteQueue(timer=metrics.observe_write),
    )
    services.ready_s = time.perf_counter() - start
    log.info("ready in %.2f s (models %s)", services.ready_s, voice.load_ms)
    return services
