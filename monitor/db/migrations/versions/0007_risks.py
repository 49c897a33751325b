"""Risk register: risks and their history

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("likelihood", sa.SmallInteger(), nullable=False),
        sa.Column("impact", sa.SmallInteger(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("mitigation", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("review_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rule_key", sa.String(length=64), nullable=True),
        sa.Column("subject_key", sa.String(length=64), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=True),
        sa.Column("cleared_since", sa.DateTime(), nullable=True),
        sa.Column("proposed_close", sa.Boolean(), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"],
                                name=op.f("fk_risks_device_id_devices"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"],
                                name=op.f("fk_risks_site_id_sites"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risks")),
        sa.UniqueConstraint("rule_key", "subject_key", name="uq_risks_rule_key"),
    )
    with op.batch_alter_table("risks", schema=None) as batch_op:
        batch_op.create_index("ix_risks_status", ["status"], unique=False)

    op.create_table(
        "risk_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("risk_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["risk_id"], ["risks.id"],
                                name=op.f("fk_risk_events_risk_id_risks"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_events")),
    )
    with op.batch_alter_table("risk_events", schema=None) as batch_op:
        batch_op.create_index("ix_risk_events_risk_at", ["risk_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("risk_events", schema=None) as batch_op:
        batch_op.drop_index("ix_risk_events_risk_at")
    op.drop_table("risk_events")
    with op.batch_alter_table("risks", schema=None) as batch_op:
        batch_op.drop_index("ix_risks_status")
    op.drop_table("risks")
