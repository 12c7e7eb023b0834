"""incidents and their timelines

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 07:32:26.446341
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import marketguard.db

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('incidents',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('open_key', sa.String(length=250), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('scope', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('damage', sa.Float(), nullable=False),
    sa.Column('severity', sa.String(length=4), nullable=False),
    sa.Column('commander', sa.String(length=200), nullable=True),
    sa.Column('opened_by', sa.String(length=200), nullable=False),
    sa.Column('opened_at', marketguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', marketguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('mitigated_at', marketguard.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', marketguard.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', marketguard.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents')),
    sa.UniqueConstraint('open_key', name=op.f('uq_incidents_open_key')),
    info={'owner': 'security'}
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incidents_damage'), ['damage'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_status'), ['status'], unique=False)

    op.create_table('incident_events',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('incident_id', sa.String(length=40), nullable=False),
    sa.Column('at', marketguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_events_incident_id_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_events')),
    info={'owner': 'security'}
    )
    with op.batch_alter_table('incident_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_events_incident_id'), ['incident_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('incident_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_events_incident_id'))

    op.drop_table('incident_events')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incidents_status'))
        batch_op.drop_index(batch_op.f('ix_incidents_kind'))
        batch_op.drop_index(batch_op.f('ix_incidents_damage'))

    op.drop_table('incidents')
