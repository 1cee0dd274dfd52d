"""Everything the app holds for its lifetime, built once in the lifespan and passed down."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from models.accounts import ensure_bootstrap_admin
from models.db import Database, open_database
from models.keyring import load_keyring
from models.startup_repair import repair_on_start
from server import bootstrap_notice
from server.auth import WebSessionStore
from server.config import Settings
from server.conversations import ConversationFactory
from server.hub import TherapistHub
from server.kiosk_commands import KioskCommands
from server.kiosk_parking import Parking
from server.kiosk_sockets import KioskSockets
from server.login_throttle import LoginThrottle
from server.metrics import ServerMetrics
from server.ratelimit import ConnectionCounter, RateLimiter
from server.voice_stack import VoiceStack
from server.workers import ModelPool
from server.write_queue import WriteQueue

log = logging.getLogger(__name__)


@dataclass
class Limits:
    """Rate limits and connection caps (docs/protocol.md, "Limits")."""

    messages_per_s: float = 100.0
    message_burst: float = 200.0
    kiosk_connections: int = 2
    joins: RateLimiter = field(default_factory=lambda: RateLimiter(5 / 60, 5))
    # All kiosks together: 10^6 codes, so 30 wrong a minute leaves guessing hopeless.
    joins_overall: RateLimiter = field(default_factory=lambda: RateLimiter(30 / 60, 30))
    login_throttle: LoginThrottle = field(default_factory=LoginThrottle)
    auth_failures: RateLimiter = field(default_factory=lambda: RateLimiter(10 / 60, 10))
    open_kiosks: ConnectionCounter = field(default_factory=lambda: ConnectionCounter(2))

    def message_limiter(self) -> RateLimiter:
        """A fresh per-socket message limiter."""
        return RateLimiter(self.messages_per_s, self.message_burst, max_keys=1)


class KioskRegistry:
    """Which live kiosk connection runs which session (for the therapist's call-in)."""

    def __init__(self) -> None:
        self._by_session: dict[uuid.UUID, Any] = {}

    def register(self, session_id: uuid.UUID, kiosk_session: Any) -> None:
        """A kiosk joined a session."""
        self._by_session[session_id] = kiosk_session

    def unregister(self, session_id: uuid.UUID, kiosk_session: Any) -> None:
        """The kiosk left the session."""
        if self._by_session.get(session_id) is kiosk_session:
            del self._by_session[session_id]

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
    kiosks: KioskRegistry = field(default_factory=KioskRegistry)
    writes: WriteQueue = field(default_factory=WriteQueue)
    kiosk_commands: KioskCommands = field(init=False)
    parking: Parking = field(init=False)
    kiosk_sockets: KioskSockets = field(default_factory=KioskSockets)
    started_at: float = field(default_factory=time.monotonic)
    ready_s: float = 0.0

    def __post_init__(self) -> None:
        self.kiosk_commands = KioskCommands(self.kiosks)
        self.parking = Parking(self.settings.session.resume_window_s)

    def close(self) -> None:
        """Release threads and connections."""
        self.pool.shutdown()
        self.database.dispose()


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
        closed, encrypted = repair_on_start(db)
    if closed or encrypted:
        log.warning("start-up: ended %d sessions a stop left active; encrypted %d "
                    "break-glass reasons", closed, encrypted)
    if password is not None:
        bootstrap_notice.announce(password, settings.data_dir)
    else:
        bootstrap_notice.forget_if_changed(database, settings.data_dir)
    try:
        voice = VoiceStack.load(settings)
        voice.warm()
        from server.assembly import conversations as load_conversations

        conversations = load_conversations(settings)
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
        hub=TherapistHub(database),
        web_sessions=WebSessionStore(
            database,
            settings.security.idle_logoff_minutes * 60.0,
            max_age_hours=settings.security.session_max_hours,
        ),
        voice=voice,
        conversations=conversations,
        limits=Limits(login_throttle=LoginThrottle.from_settings(settings.security)),
    )
    services.ready_s = time.perf_counter() - start
    log.info("ready in %.2f s (models %s)", services.ready_s, voice.load_ms)
    return services
