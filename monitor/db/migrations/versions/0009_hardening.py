"""Hardening: credential confirmation, installation identity

Revision ID: 0009
Revises: 0008
"""
import secrets
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("credentials_held_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("credentials_held_for", sa.String(length=300), nullable=True))

    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("acquired_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )

    life = op.create_table(
        "database_life",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("life", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_database_life")),
    )
    # Made with the database, so a plain copy of the file keeps it (monitor.db.installation).
    op.bulk_insert(
        life,
        [
            {
                "id": 1,
                "life": secrets.token_hex(8),
                "started_at": datetime.now(timezone.utc).replace(tzinfo=None),
            }
        ],
    )


def downgrade() -> None:
    op.drop_table("database_life")
    op.drop_table("leases")
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("credentials_held_for")
        batch.drop_column("credentials_held_at")
