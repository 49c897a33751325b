"""SNMP traps: events on the device timeline, counts of dropped traps

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa


revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_device_events_device_id_devices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_events")),
    )
    with op.batch_alter_table("device_events") as batch_op:
        batch_op.create_index("ix_device_events_device_at", ["device_id", "at"], unique=False)
    op.create_table(
        "trap_counts",
        sa.Column("counter", sa.String(length=48), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("counter", name=op.f("pk_trap_counts")),
    )


def downgrade() -> None:
    op.drop_table("trap_counts")
    with op.batch_alter_table("device_events") as batch_op:
        batch_op.drop_index("ix_device_events_device_at")
    op.drop_table("device_events")
