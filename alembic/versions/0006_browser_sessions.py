"""browser sessions: a signed-in browser is its own server-side session, not an API key

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 17:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from mission_control.models.base import UTCDateTime

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('browser_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('ticket_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_hash'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('browser_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_browser_session_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_browser_session_workspace_id'), ['workspace_id'], unique=False)
    # Browser sign-ins used to issue personal API tokens named "browser sign-in" that never
    # expired; they were never shown to anyone, so revoking them loses nothing.
    op.execute(
        sa.text("UPDATE api_key SET revoked_at = CURRENT_TIMESTAMP "
                "WHERE name = 'browser sign-in' AND user_id IS NOT NULL AND revoked_at IS NULL")
    )


def downgrade() -> None:
    with op.batch_alter_table('browser_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_browser_session_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_browser_session_user_id'))
    op.drop_table('browser_session')
