"""audience

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

Who can see a channel, who is from outside the agency, a client's internal channel (issue 11).
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import bot.models


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('channel_audience',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('client_facing', sa.Boolean(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('checked_at', bot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('team_id', 'channel_id')
    )
    with op.batch_alter_table('channel_audience', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_audience_team_id'), ['team_id'], unique=False)
    with op.batch_alter_table('client') as batch:
        batch.add_column(sa.Column('channel_client_facing', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('internal_channel_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
    with op.batch_alter_table('person') as batch:
        batch.add_column(sa.Column('external', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('person') as batch:
        batch.drop_column('external')
    with op.batch_alter_table('client') as batch:
        batch.drop_column('internal_channel_id')
        batch.drop_column('channel_client_facing')
    op.drop_table('channel_audience')
