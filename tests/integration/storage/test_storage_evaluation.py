"""The evaluation report and review queue on SQLite and PostgreSQL: the seeded figures, no
client text in the report, and a queue that leaves break-glass and audit rows."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from models import review_queue
from models.db import Database
from models.evaluation import ReportOptions, build_report
from models.tables import AuditEntry, BreakGlassAccess
from models.types import utcnow
from tests.e2e.report_seed import MARKER, SECRET_NUMBER, seed_database
from tests.integration.storage_fixtures import populate


def test_report_and_queue_on_both_databases(database: Database) -> None:
    world = populate(database)
    seed_database(database, world.therapist.username)
    now = utcnow()
    with database.transaction() as db:
        report = build_report(db, ReportOptions(since=now - timedelta(days=30), until=now))
    en = report["by_kiosk"]["Seed kiosk EN"]
    assert (en["sessions"], en["filter_blocks"], en["reply_flags"], en["typed_turns"]) == (
        22, 40, 6, 10)
    assert en["crises"] == "< 5" and report["alert_acknowledgement"]["en"]["p95_s"] == 48.0
    assert "filter_block_rate" in {f["rate"] for f in report["disparities"]}
    shown = json.dumps(report)
    assert all(secret not in shown for secret in (MARKER, SECRET_NUMBER, *world.secrets))

    with database.transaction() as db:
        items = review_queue.open_queue(db, viewer=world.admin, reason="monthly review",
                                        since=now - timedelta(days=30))
    assert len(items) == 62 and all(i.flagged or i.filter_reasons for i in items)
    with database.transaction() as db:
        accesses = db.scalars(select(BreakGlassAccess)).all()
        opened = db.scalars(select(AuditEntry).where(AuditEntry.action == "review.opened")).all()
    assert len(accesses) == len({i.session_id for i in items}) == len(opened)
    assert all(a.reason == "" and a.reason_enc for a in accesses)  # the reason is encrypted
