"""languages

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

A person's chosen language, a workspace's and a client's language for channel posts (issue 9).
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("person", "workspace", "client"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    for table in ("person", "workspace", "client"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("language")
