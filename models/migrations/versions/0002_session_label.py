"""encrypted session label

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    # Staff-typed labels ("2pm appointment") may identify a client: AES-GCM envelope, nullable.
    with op.batch_alter_table("reflection_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("label_enc", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("reflection_sessions", schema=None) as batch_op:
        batch_op.drop_column("label_enc")
