"""Mail server and routing set from the browser; single-use acknowledge tokens

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa


revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.Column("port", sa.Integer(), nullable=True),
        sa.Column("security", sa.String(length=16), nullable=True),
        sa.Column("username", sa.String(length=255), nullable=True),
        sa.Column("password_secret", sa.LargeBinary(), nullable=True),
        sa.Column("from_address", sa.String(length=255), nullable=True),
        sa.Column("report_recipients", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("updated_by", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_settings")),
    )
    op.create_table(
        "used_ack_tokens",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=False),
        sa.Column("used_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_used_ack_tokens")),
    )


def downgrade() -> None:
    op.drop_table("used_ack_tokens")
    op.drop_table("mail_settings")
