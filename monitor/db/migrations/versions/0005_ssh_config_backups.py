"""SSH configuration backups: credential profiles, host keys, versions, state, change events

Revision ID: 0005
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ssh_credential_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("username", sa.String(length=128), nullable=True),
        sa.Column("password", sa.LargeBinary(), nullable=True),
        sa.Column("enable_secret", sa.LargeBinary(), nullable=True),
        sa.Column("key_path", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ssh_credential_profiles")),
        sa.UniqueConstraint("name", name=op.f("uq_ssh_credential_profiles_name")),
    )
    op.create_table(
        "config_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("trigger", sa.String(length=160), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"],
                                name=op.f("fk_config_versions_device_id_devices"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_config_versions")),
    )
    op.create_index("ix_config_versions_device_taken", "config_versions",
                    ["device_id", "taken_at"], unique=False)
    op.create_table(
        "ssh_access",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=True),
        sa.Column("enable_secret", sa.LargeBinary(), nullable=True),
        sa.Column("key_path", sa.String(length=500), nullable=True),
        sa.Column("config_path", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"],
                                name=op.f("fk_ssh_access_device_id_devices"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["profile_id"], ["ssh_credential_profiles.id"],
                                name=op.f("fk_ssh_access_profile_id_ssh_credential_profiles"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_ssh_access")),
    )
    op.create_index(op.f("ix_ssh_access_profile_id"), "ssh_access", ["profile_id"], unique=False)
    op.create_table(
        "ssh_host_keys",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("host_key", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=100), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("offered_key", sa.Text(), nullable=True),
        sa.Column("offered_fingerprint", sa.String(length=100), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"],
                                name=op.f("fk_ssh_host_keys_device_id_devices"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_ssh_host_keys")),
    )
    op.create_table(
        "config_change_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("previous_version_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("in_maintenance", sa.Boolean(), nullable=False),
        sa.Column("lines_added", sa.Integer(), nullable=False),
        sa.Column("lines_removed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"],
                                name=op.f("fk_config_change_events_device_id_devices"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["previous_version_id"], ["config_versions.id"],
            name=op.f("fk_config_change_events_previous_version_id_config_versions"),
            ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["version_id"], ["config_versions.id"],
                                name=op.f("fk_config_change_events_version_id_config_versions"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_config_change_events")),
    )
    op.create_index("ix_config_change_events_device_at", "config_change_events",
                    ["device_id", "at"], unique=False)
    op.create_table(
        "ssh_backup_states",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=True),
        sa.Column("attempted_at", sa.DateTime(), nullable=False),
        sa.Column("trigger", sa.String(length=160), nullable=False),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("facts_model", sa.String(length=200), nullable=True),
        sa.Column("facts_serial", sa.String(length=200), nullable=True),
        sa.Column("facts_firmware", sa.String(length=200), nullable=True),
        sa.Column("facts_uptime", sa.String(length=200), nullable=True),
        sa.Column("facts_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"],
                                name=op.f("fk_ssh_backup_states_device_id_devices"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_ssh_backup_states")),
    )


def downgrade() -> None:
    op.drop_table("ssh_backup_states")
    op.drop_index("ix_config_change_events_device_at", table_name="config_change_events")
    op.drop_table("config_change_events")
    op.drop_table("ssh_host_keys")
    op.drop_index(op.f("ix_ssh_access_profile_id"), table_name="ssh_access")
    op.drop_table("ssh_access")
    op.drop_index("ix_config_versions_device_taken", table_name="config_versions")
    op.drop_table("config_versions")
    op.drop_table("ssh_credential_profiles")
