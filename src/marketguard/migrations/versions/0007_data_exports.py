"""data exports: vendors and their age keys, exports, export approvals

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-09 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import marketguard.db

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('data_export_approvals',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('requester', sa.String(length=200), nullable=False),
    sa.Column('dataset', sa.String(length=100), nullable=False),
    sa.Column('fields', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', marketguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=200), nullable=True),
    sa.Column('decided_at', marketguard.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('export_id', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_export_approvals')),
    )
    with op.batch_alter_table('data_export_approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_export_approvals_requester'), ['requester'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_export_approvals_status'), ['status'], unique=False)

    op.create_table('data_vendors',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', marketguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_vendors')),
    sa.UniqueConstraint('name', name=op.f('uq_data_vendors_name')),
    )
    op.create_table('data_vendor_keys',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('vendor_id', sa.String(length=40), nullable=False),
    sa.Column('age_recipient', sa.String(length=200), nullable=False),
    sa.Column('added_at', marketguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('added_by', sa.String(length=200), nullable=False),
    sa.Column('retired_at', marketguard.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['vendor_id'], ['data_vendors.id'], name=op.f('fk_data_vendor_keys_vendor_id_data_vendors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_vendor_keys')),
    )
    with op.batch_alter_table('data_vendor_keys', schema=None) as batch_op:
        batch_op.create_index('ix_data_vendor_keys_vendor', ['vendor_id', 'added_at'], unique=False)

    op.create_table('data_exports',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('dataset', sa.String(length=100), nullable=False),
    sa.Column('fields', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('recipient_kind', sa.String(length=12), nullable=False),
    sa.Column('recipient_id', sa.String(length=200), nullable=False),
    sa.Column('recipient_name', sa.String(length=200), nullable=False),
    sa.Column('exporter', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('created_at', marketguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('desensitized', sa.Boolean(), nullable=False),
    sa.Column('suppressed', sa.Integer(), nullable=False),
    sa.Column('excluded', sa.Integer(), nullable=False),
    sa.Column('file_path', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('grant_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('approval_id', sa.String(length=40), nullable=True),
    sa.Column('vendor_key_id', sa.String(length=40), nullable=True),
    sa.Column('age_recipient', sa.String(length=200), nullable=True),
    sa.Column('fingerprint', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['approval_id'], ['data_export_approvals.id'], name=op.f('fk_data_exports_approval_id_data_export_approvals')),
    sa.ForeignKeyConstraint(['vendor_key_id'], ['data_vendor_keys.id'], name=op.f('fk_data_exports_vendor_key_id_data_vendor_keys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_exports')),
    )
    with op.batch_alter_table('data_exports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_exports_dataset'), ['dataset'], unique=False)
        batch_op.create_index('ix_data_exports_exporter', ['exporter', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('data_exports', schema=None) as batch_op:
        batch_op.drop_index('ix_data_exports_exporter')
        batch_op.drop_index(batch_op.f('ix_data_exports_dataset'))

    op.drop_table('data_exports')
    with op.batch_alter_table('data_vendor_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_data_vendor_keys_vendor')

    op.drop_table('data_vendor_keys')
    op.drop_table('data_vendors')
    with op.batch_alter_table('data_export_approvals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_export_approvals_status'))
        batch_op.drop_index(batch_op.f('ix_data_export_approvals_requester'))

    op.drop_table('data_export_approvals')