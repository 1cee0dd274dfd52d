"""A known database for the evaluation-report tests: sessions in English and Spanish on two
kiosks, with every count the report shows, and distinctive client text that must never appear."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from models import content, sessions
from models.db import Database, open_database
from models.keyring import load_keyring
from models.kiosks import enroll_kiosk
from models.tables import ReflectionSession, RiskAlert, User
from models.turn_meta import TurnMeta
from models.types import SessionStatus, Speaker, SummaryStatus, utcnow

# Client text nobody would write twice: if any of it leaks into a report, a test sees it.
MARKER = "Quokkaberg"
SECRET_NUMBER = "zanzibar-77310"
CLIENT_TEXT = f"My neighbour {MARKER} called me about {SECRET_NUMBER} again."
REPLY_TEXT = f"It sounds like {MARKER} weighs on you."


@dataclass(frozen=True)
class LangPlan:
    """What one language's 20 completed sessions (5 exchanges each) hold, on its own kiosk."""

    lang: str
    kiosk: str
    blocked: dict[str, int]  # reason -> replies blocked for it (one reason per reply)
    check_ins: int
    flags: int
    typed: int
    repeated: int
    ollama: int
    low_ratings: int
    corrected: int
    ack_delays_s: tuple[float, ...]
    unacknowledged: int
    urgent: int
    empty_per_session: int
    declined: int  # extra sessions whose client declined consent


PLANS = (
    LangPlan("en", "Seed kiosk EN", {"clinical_advice": 30, "prompt_leak": 10}, check_ins=20,
             flags=6, typed=10, repeated=3, ollama=7, low_ratings=10, corrected=5,
             ack_delays_s=(10, 20, 30, 40, 50), unacknowledged=1, urgent=4,
             empty_per_session=1, declined=2),
    LangPlan("es", "Seed kiosk ES", {"clinical_advice": 10}, check_ins=20, flags=6, typed=30,
             repeated=0, ollama=0, low_ratings=0, corrected=0, ack_delays_s=(15, 25),
             unacknowledged=0, urgent=2, empty_per_session=0, declined=2),
)
SESSIONS, EXCHANGES = 20, 5


def seed(data_dir: Path, therapist: str) -> list[uuid.UUID]:
    """Write the plans into a server's SQLite database; returns the session ids."""
    database = open_database(f"sqlite:///{data_dir / 'reflect.db'}",
                             keyring=load_keyring(path=data_dir / "keyring.json"))
    try:
        return seed_database(database, therapist)
    finally:
        database.engine.dispose()


def seed_database(database: Database, therapist: str) -> list[uuid.UUID]:
    """Write the plans (sessions one day old) for the therapist with that username."""
    created: list[uuid.UUID] = []
    day_ago = utcnow() - timedelta(days=1)
    with database.transaction() as db:
        user = db.query(User).filter(User.username == therapist).one()
        for plan in PLANS:
            kiosk, _ = enroll_kiosk(db, name=plan.kiosk)
            for index in range(SESSIONS + plan.declined):
                row, _ = sessions.create_session(db, therapist_id=user.id, created_by=user,
                                                 language=plan.lang, now=day_ago,
                                                 label=f"{MARKER} 2pm")
                row.status, row.kiosk_id, row.started_at = SessionStatus.ACTIVE, kiosk.id, day_ago
                declined = index >= SESSIONS
                content.record_consent(db, session_id=row.id, text_version="v1",
                                       given=not declined)
                if not declined:
                    _fill(db, row, plan, index)
                row.status = SessionStatus.ENDED
                created.append(row.id)
            _alerts(db, [r for r in created[-(SESSIONS + plan.declined):]], plan)
    return created


def _fill(db: Session, row: ReflectionSession, plan: LangPlan, index: int) -> None:
    reasons = [r for r, n in plan.blocked.items() for _ in range(n)]
    for turn in range(EXCHANGES):
        k = index * EXCHANGES + turn  # 0..99 across the language's sessions
        content.add_turn(db, session_id=row.id, speaker=Speaker.CLIENT, text=CLIENT_TEXT,
                         risk_level=1 if k < plan.check_ins else 0, meta=TurnMeta(
                             kiosk_turn=2 * turn + 2, repeated=k < plan.repeated,
                             input_kind="typed" if k < plan.typed else "spoken"))
        content.add_turn(db, session_id=row.id, speaker=Speaker.REFLECTOR, text=REPLY_TEXT,
                         meta=TurnMeta(kiosk_turn=2 * turn + 2, flagged=k >= 100 - plan.flags,
                                       responder="ollama" if k < plan.ollama else "scripted",
                                       filter_reasons=(reasons[k],) if k < len(reasons) else ()))
    row.empty_transcripts = plan.empty_per_session
    redactions = [{"action": "edit", "field": "themes", "index": 0},
                  {"action": "remove", "field": "feelings", "index": 0}]
    content.save_summary(db, session_id=row.id, status=SummaryStatus.APPROVED,
                         content={"themes": [CLIENT_TEXT], "focus": CLIENT_TEXT},
                         redactions=redactions if index < plan.corrected else [])
    content.save_feedback(db, session_id=row.id, rating=1 if index < plan.low_ratings else 4,
                          comment=f"{MARKER} comment")


def _alerts(db: Session, ids: list[uuid.UUID], plan: LangPlan) -> None:
    raised = utcnow() - timedelta(hours=20)
    delays: list[float | None] = [*plan.ack_delays_s, *([None] * plan.unacknowledged)]
    for number, delay in enumerate(delays):
        alert: RiskAlert = content.raise_alert(
            db, session_id=ids[number], level=2, categories=["suicide"],
            urgent=number < plan.urgent, evidence=[{"text": CLIENT_TEXT, "rule": "r"}],
            now=raised)
        if delay is not None:
            alert.acknowledged_at = raised + timedelta(seconds=delay)
