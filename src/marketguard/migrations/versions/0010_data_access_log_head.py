"""data access log head: the row that numbers the access log on PostgreSQL

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 08:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('data_access_log_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_access_log_head'))
    )
    # Number on from the rows already logged (the INSERT would do the same on first use).
    op.execute(
        "INSERT INTO data_access_log_head (id, seq) "
        "SELECT 1, COALESCE(MAX(seq), 0) FROM data_access_log"
    )


def downgrade() -> None:
    op.drop_table('data_access_log_head')
