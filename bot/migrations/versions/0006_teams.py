"""teams people and conversations

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

Teams accounts mapped to our person keys, and conversation references (issue 10).
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import bot.models


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_S = sqlmodel.sql.sqltypes.AutoString
_T = bot.models.base.UTCDateTime


def upgrade() -> None:
    op.create_table('teams_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', _S(length=32), nullable=False),
    sa.Column('user_id', _S(length=32), nullable=False),
    sa.Column('tenant_id', _S(length=64), nullable=False),
    sa.Column('teams_id', _S(length=200), nullable=False),
    sa.Column('aad_object_id', _S(length=64), nullable=True),
    sa.Column('name', _S(length=200), nullable=False),
    sa.Column('seen_at', _T(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('team_id', 'user_id')
    )
    with op.batch_alter_table('teams_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_teams_account_team_id'), ['team_id'], unique=False)
    op.create_table('teams_conversation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', _S(length=32), nullable=False),
    sa.Column('conversation_id', _S(length=300), nullable=False),
    sa.Column('service_url', _S(length=300), nullable=False),
    sa.Column('tenant_id', _S(length=64), nullable=False),
    sa.Column('kind', _S(length=16), nullable=False),
    sa.Column('user_id', _S(length=32), nullable=True),
    sa.Column('bot_id', _S(length=200), nullable=False),
    sa.Column('installed_at', _T(timezone=True), nullable=False),
    sa.Column('retired_at', _T(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('team_id', 'conversation_id')
    )
    with op.batch_alter_table('teams_conversation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_teams_conversation_team_id'), ['team_id'], unique=False)


def downgrade() -> None:
    op.drop_table('teams_conversation')
    op.drop_table('teams_account')
