"""statistics_versions: when an association's read models last changed

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

A random token per association, renewed in the transaction that changes its read models
(projection, gallring, erasure). The statistics answers a server keeps are served only
while their token is current (decisions.md §26). Empty at first: an association without a
row has answers kept under "no token", until its next change writes one.
"""
import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'statistics_versions',
        sa.Column('association_id', sa.String(length=64), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('association_id'),
    )


def downgrade() -> None:
    op.drop_table('statistics_versions')
