"""dashboard sign-ins in the database, kiosk staff PIN, alert escalation and note

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 21:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    # Sign-ins survive a restart; the idle logoff locks the row instead of deleting it.
    op.create_table(
        "web_signins",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("locked_at", sa.DateTime(), nullable=True),
        sa.Column("password_change_required", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_web_signins_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_web_signins")),
    )
    with op.batch_alter_table("web_signins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_signins_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("kiosks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staff_pin_hash", sa.String(length=255), nullable=True))
    with op.batch_alter_table("risk_alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ack_note_enc", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("escalated_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("risk_alerts", schema=None) as batch_op:
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("ack_note_enc")
    with op.batch_alter_table("kiosks", schema=None) as batch_op:
        batch_op.drop_column("staff_pin_hash")
    with op.batch_alter_table("web_signins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_signins_user_id"))
    op.drop_table("web_signins")
