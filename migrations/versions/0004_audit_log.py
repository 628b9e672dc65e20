"""audit_log, accountability_protocol, stored_annual_answers: accountability (§12)

Revision ID: 0004_audit_log
Revises: 0003
Create Date: 2026-11-28

The audit log (who read or wrote what; no personal data), the protocol of gallring and
erasure (rule, counts, instant, operator; no identities) and the stored annual answers
that keep published exports as published after events are removed. Downgrading drops
the three tables and what they hold.
"""
import sqlalchemy as sa
from alembic import op


revision = '0004_audit_log'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'audit_log',
        sa.Column(
            'id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True,
            nullable=False,
        ),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.Column('key_id', sa.String(length=36), nullable=True),
        sa.Column('key_name', sa.String(length=200), nullable=True),
        sa.Column('role', sa.String(length=32), nullable=False),
        sa.Column('association_id', sa.String(length=64), nullable=True),
        sa.Column('action', sa.String(length=200), nullable=False),
        sa.Column('intervention_id', sa.String(length=64), nullable=True),
        sa.Column('period_from', sa.Date(), nullable=True),
        sa.Column('period_to', sa.Date(), nullable=True),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(
        'ix_audit_log_association', 'audit_log', ['association_id', 'recorded_at'], unique=False
    )
    op.create_table(
        'accountability_protocol',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('association_id', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('rule', sa.String(length=300), nullable=False),
        sa.Column('counts', sa.JSON(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.Column('operator', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(
        op.f('ix_accountability_protocol_association_id'), 'accountability_protocol',
        ['association_id'], unique=False,
    )
    op.create_table(
        'stored_annual_answers',
        sa.Column('association_id', sa.String(length=64), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('stored_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('association_id', 'year'),
    )


def downgrade() -> None:
    op.drop_table('stored_annual_answers')
    op.drop_index(
        op.f('ix_accountability_protocol_association_id'), table_name='accountability_protocol'
    )
    op.drop_table('accountability_protocol')
    op.drop_index('ix_audit_log_association', table_name='audit_log')
    op.drop_table('audit_log')
