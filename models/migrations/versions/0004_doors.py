"""one-time TOTP steps, kiosk enrolment links, encrypted break-glass reasons

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-01 22:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    # The last TOTP time step that signed in, so a code works once (RFC 6238 section 5.2).
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    # A short-lived one-time enrolment code stands for the device token in the link a kiosk
    # opens; the token waits encrypted until the page exchanges the code for it.
    with op.batch_alter_table("kiosks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enrol_code_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("enrol_token_enc", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("enrol_expires_at", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_kiosks_enrol_code_hash"), ["enrol_code_hash"],
                              unique=False)
    # A stated reason may name the client: stored as an AES-GCM envelope from now on.
    with op.batch_alter_table("break_glass_accesses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason_enc", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("break_glass_accesses", schema=None) as batch_op:
        batch_op.drop_column("reason_enc")
    with op.batch_alter_table("kiosks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kiosks_enrol_code_hash"))
        batch_op.drop_column("enrol_expires_at")
        batch_op.drop_column("enrol_token_enc")
        batch_op.drop_column("enrol_code_hash")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
