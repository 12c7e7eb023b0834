"""portal people, passkeys, sessions

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 07:08:18.058955
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import marketguard.db

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('invitations',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.Column('brand_id', sa.String(length=40), nullable=True),
    sa.Column('seller_id', sa.String(length=100), nullable=True),
    sa.Column('dataset', sa.String(length=100), nullable=True),
    sa.Column('created_at', marketguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('expires_at', marketguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', marketguard.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('person_id', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_invitations_secret_hash')),
    info={'owner': 'security'}
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_email'), ['email'], unique=False)

    op.create_table('people',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.Column('brand_id', sa.String(length=40), nullable=True),
    sa.Column('seller_id', sa.String(length=100), nullable=True),
    sa.Column('dataset', sa.String(length=100), nullable=True),
    sa.Column('created_at', marketguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('disabled_at', marketguard.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    sa.UniqueConstraint('email', name=op.f('uq_people_email')),
    info={'owner': 'security'}
    )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_people_brand_id'), ['brand_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_people_seller_id'), ['seller_id'], unique=False)

    op.create_table('sign_in_failures',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('client', sa.String(length=100), nullable=False),
    sa.Column('at', marketguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failures')),
    info={'owner': 'security'}
    )
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_failures_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_in_failures_client'), ['client'], unique=False)

    op.create_table('webauthn_challenges',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('challenge', sa.LargeBinary(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('invitation_id', sa.String(length=40), nullable=True),
    sa.Column('session_id', sa.String(length=40), nullable=True),
    sa.Column('created_at', marketguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', marketguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', marketguard.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webauthn_challenges')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_webauthn_challenges_secret_hash')),
    info={'owner': 'security'}
    )
    op.create_table('passkeys',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('person_id', sa.String(length=40), nullable=False),
    sa.Column('credential_id', sa.String(length=1400), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('sign_count', sa.Integer(), nullable=False),
    sa.Column('transports', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', marketguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', marketguard.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_passkeys_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_passkeys')),
    sa.UniqueConstraint('credential_id', name=op.f('uq_passkeys_credential_id')),
    info={'owner': 'security'}
    )
    with op.batch_alter_table('passkeys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_passkeys_person_id'), ['person_id'], unique=False)

    op.create_table('portal_sessions',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.String(length=40), nullable=False),
    sa.Column('created_at', marketguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', marketguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('verified_at', marketguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', marketguard.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_portal_sessions_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_sessions')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_portal_sessions_secret_hash')),
    info={'owner': 'security'}
    )
    with op.batch_alter_table('portal_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_sessions_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('portal_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_sessions_person_id'))

    op.drop_table('portal_sessions')
    with op.batch_alter_table('passkeys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_passkeys_person_id'))

    op.drop_table('passkeys')
    op.drop_table('webauthn_challenges')
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_failures_client'))
        batch_op.drop_index(batch_op.f('ix_sign_in_failures_at'))

    op.drop_table('sign_in_failures')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_seller_id'))
        batch_op.drop_index(batch_op.f('ix_people_brand_id'))

    op.drop_table('people')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_email'))

    op.drop_table('invitations')
