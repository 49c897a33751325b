"""Edge collectors: enrolment, tokens, sites, applied uploads

Revision ID: 0018
Revises: 0017
"""
from alembic import op
import sqlalchemy as sa


revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "collectors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("enrolment_code_hash", sa.String(length=64), nullable=True),
        sa.Column("enrolment_expires_at", sa.DateTime(), nullable=True),
        sa.Column("enrolment_used_at", sa.DateTime(), nullable=True),
        sa.Column("enrolled_at", sa.DateTime(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by", sa.String(length=128), nullable=True),
        sa.Column("last_contact_at", sa.DateTime(), nullable=True),
        sa.Column("last_sweep_at", sa.DateTime(), nullable=True),
        sa.Column("clock_offset_seconds", sa.Float(), nullable=True),
        sa.Column("queue_length", sa.Integer(), nullable=True),
        sa.Column("dropped_total", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("version", sa.String(length=64), nullable=True),
        sa.Column("hostname", sa.String(length=255), nullable=True),
        sa.Column("config_etag", sa.String(length=64), nullable=True),
        sa.Column("offline_since", sa.DateTime(), nullable=True),
        sa.Column("offline_snapshot", sa.JSON(), nullable=True),
        sa.Column("offline_incident_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["offline_incident_id"],
            ["incidents.id"],
            name=op.f("fk_collectors_offline_incident_id_incidents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collectors")),
        sa.UniqueConstraint("name", name=op.f("uq_collectors_name")),
        sa.UniqueConstraint("enrolment_code_hash", name=op.f("uq_collectors_enrolment_code_hash")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_collectors_token_hash")),
    )
    op.create_table(
        "collector_sites",
        sa.Column("collector_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collector_id"],
            ["collectors.id"],
            name=op.f("fk_collector_sites_collector_id_collectors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_collector_sites_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("site_id", name=op.f("pk_collector_sites")),
    )
    with op.batch_alter_table("collector_sites") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_collector_sites_collector_id"), ["collector_id"], unique=False
        )
    op.create_table(
        "collector_batches",
        sa.Column("collector_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("results", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collector_id"],
            ["collectors.id"],
            name=op.f("fk_collector_batches_collector_id_collectors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("collector_id", "batch_id", name=op.f("pk_collector_batches")),
    )
    with op.batch_alter_table("collector_batches") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_collector_batches_received_at"), ["received_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("collector_batches") as batch_op:
        batch_op.drop_index(batch_op.f("ix_collector_batches_received_at"))
    op.drop_table("collector_batches")
    with op.batch_alter_table("collector_sites") as batch_op:
        batch_op.drop_index(batch_op.f("ix_collector_sites_collector_id"))
    op.drop_table("collector_sites")
    op.drop_table("collectors")
