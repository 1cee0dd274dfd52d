"""turn evaluation metadata: input kind, repeats, responder, filter reasons, reply flags

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    # Counts for the evaluation report (issue 20): what happened per turn, never what was said.
    with op.batch_alter_table("turns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kiosk_turn", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("input_kind", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("repeated", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("responder", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("filter_reasons", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("flagged_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("reflection_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("empty_transcripts", sa.Integer(), nullable=False,
                                      server_default="0"))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("reflection_sessions", schema=None) as batch_op:
        batch_op.drop_column("empty_transcripts")
    with op.batch_alter_table("turns", schema=None) as batch_op:
        for name in ("flagged_at", "filter_reasons", "responder", "repeated", "input_kind",
                     "kiosk_turn"):
            batch_op.drop_column(name)
