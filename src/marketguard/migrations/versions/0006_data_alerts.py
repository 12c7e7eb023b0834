"""data alerts: access-log sequence, level and declared purpose; the alerts table

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 10:00:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import marketguard.db

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('data_access_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('level', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('purpose_declared', sa.Text(), nullable=True))

    # Number the rows already logged in the order they were written.
    bind = op.get_bind()
    log = sa.table('data_access_log', sa.column('id', sa.String()), sa.column('at'),
                   sa.column('seq', sa.Integer()))
    ids = bind.execute(sa.select(log.c.id).order_by(log.c.at, log.c.id)).scalars().all()
    for number, row_id in enumerate(ids, start=1):
        bind.execute(log.update().where(log.c.id == row_id).values(seq=number))

    with op.batch_alter_table('data_access_log', schema=None) as batch_op:
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index('ix_data_access_log_seq', ['seq'], unique=True)

    op.create_table('data_alerts',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('at', marketguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('rule', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=12), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('dataset', sa.String(length=100), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('log_id', sa.String(length=40), nullable=False),
    sa.Column('owners', _json(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decision', _json(), nullable=False),
    sa.Column('acknowledged_by', sa.String(length=200), nullable=True),
    sa.Column('acknowledged_at', marketguard.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['log_id'], ['data_access_log.id'], name=op.f('fk_data_alerts_log_id_data_access_log')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_alerts')),
    sa.UniqueConstraint('log_id', 'rule', name='uq_data_alerts_log_rule')
    )
    with op.batch_alter_table('data_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_alerts_actor'), ['actor'], unique=False)
        batch_op.create_index('ix_data_alerts_dataset', ['dataset', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_alerts_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('data_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_alerts_status'))
        batch_op.drop_index('ix_data_alerts_dataset')
        batch_op.drop_index(batch_op.f('ix_data_alerts_actor'))

    op.drop_table('data_alerts')
    with op.batch_alter_table('data_access_log', schema=None) as batch_op:
        batch_op.drop_index('ix_data_access_log_seq')
        batch_op.drop_column('purpose_declared')
        batch_op.drop_column('level')
        batch_op.drop_column('seq')
