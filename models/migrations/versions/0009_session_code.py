"""pending session code kept encrypted so staff can show it again

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-02 01:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    # The short code of a pending session (AES-GCM envelope), cleared once used or cancelled.
    with op.batch_alter_table("reflection_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code_enc", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("reflection_sessions", schema=None) as batch_op:
        batch_op.drop_column("code_enc")
