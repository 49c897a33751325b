"""Health as samples: CPU, memory, temperature, fans, power supplies, UPS values every 5 minutes

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Fans and power supplies at the last poll, beside the other collected health values.
    with op.batch_alter_table("snmp_status") as batch:
        batch.add_column(sa.Column("sensors", sa.JSON(), nullable=True))
    # One row per device per SNMP round (kept as long as ping_samples), then rolled up into
    # 5-minute and hourly buckets like latency.
    op.create_table(
        "health_samples",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("cpu_pct", sa.Float(), nullable=True),
        sa.Column("memory_pct", sa.Float(), nullable=True),
        sa.Column("temperature_c", sa.Float(), nullable=True),
        sa.Column("ups_charge_pct", sa.Float(), nullable=True),
        sa.Column("ups_minutes", sa.Float(), nullable=True),
        sa.Column("ups_on_battery", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_health_samples_device_id_devices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("device_id", "at", name=op.f("pk_health_samples")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_health_samples_at", "health_samples", ["at"], unique=False)
    counted = []
    for name, worst in (
        ("cpu", "max"),
        ("memory", "max"),
        ("temperature", "max"),
        ("charge", "min"),
    ):
        counted += [
            sa.Column(f"{name}_sum", sa.Float(), nullable=False),
            sa.Column(f"{name}_count", sa.Integer(), nullable=False),
            sa.Column(f"{name}_{worst}", sa.Float(), nullable=True),
        ]
    op.create_table(
        "health_rollups",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("resolution", sa.Integer(), nullable=False),
        sa.Column("bucket_start", sa.DateTime(), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        *counted,
        sa.Column("on_battery_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_health_rollups_device_id_devices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "device_id", "resolution", "bucket_start", name=op.f("pk_health_rollups")
        ),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("health_rollups")
    op.drop_index("ix_health_samples_at", table_name="health_samples")
    op.drop_table("health_samples")
    with op.batch_alter_table("snmp_status") as batch:
        batch.drop_column("sensors")
