"""Discovery: runs, what they found, the changes people confirmed

Revision ID: 0017
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa


revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sites") as batch_op:
        batch_op.add_column(sa.Column("address_ranges", sa.String(length=500), nullable=True))
    op.create_table(
        "discovery_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("ranges", sa.String(length=500), nullable=False),
        sa.Column("seeds", sa.String(length=500), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=True),
        sa.Column("profile_name", sa.String(length=64), nullable=False),
        sa.Column("started_by", sa.String(length=128), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("stopped", sa.String(length=32), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=True),
        sa.Column("proposal", sa.JSON(), nullable=True),
        sa.Column("stored_digest", sa.String(length=64), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("confirmed_by", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"],
            name=op.f("fk_discovery_runs_site_id_sites"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"], ["snmp_profiles.id"],
            name=op.f("fk_discovery_runs_profile_id_snmp_profiles"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discovery_runs")),
    )
    with op.batch_alter_table("discovery_runs") as batch_op:
        batch_op.create_index("ix_discovery_runs_site_started", ["site_id", "started_at"])
    op.create_table(
        "device_discovery",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("discovered_at", sa.DateTime(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=True),
        sa.Column("object_id", sa.String(length=200), nullable=True),
        sa.Column("sys_descr", sa.String(length=500), nullable=True),
        sa.Column("sys_name", sa.String(length=255), nullable=True),
        sa.Column("vendor", sa.String(length=100), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("confidence", sa.String(length=8), nullable=True),
        sa.Column("profile_id", sa.Integer(), nullable=True),
        sa.Column("parent_evidence", sa.String(length=500), nullable=True),
        sa.Column("silent_since", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"],
            name=op.f("fk_device_discovery_device_id_devices"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["discovery_runs.id"],
            name=op.f("fk_device_discovery_run_id_discovery_runs"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"], ["snmp_profiles.id"],
            name=op.f("fk_device_discovery_profile_id_snmp_profiles"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_device_discovery")),
    )
    with op.batch_alter_table("device_discovery") as batch_op:
        batch_op.create_index("ix_device_discovery_run_id", ["run_id"])
    op.create_table(
        "network_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("device_name", sa.String(length=200), nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("old_parent", sa.String(length=200), nullable=True),
        sa.Column("new_parent", sa.String(length=200), nullable=True),
        sa.Column("evidence", sa.String(length=500), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["discovery_runs.id"],
            name=op.f("fk_network_changes_run_id_discovery_runs"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"],
            name=op.f("fk_network_changes_site_id_sites"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"],
            name=op.f("fk_network_changes_device_id_devices"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_changes")),
    )
    with op.batch_alter_table("network_changes") as batch_op:
        batch_op.create_index("ix_network_changes_at", ["at"])
        batch_op.create_index("ix_network_changes_run_id", ["run_id"])


def downgrade() -> None:
    op.drop_table("network_changes")
    op.drop_table("device_discovery")
    op.drop_table("discovery_runs")
    with op.batch_alter_table("sites") as batch_op:
        batch_op.drop_column("address_ranges")
