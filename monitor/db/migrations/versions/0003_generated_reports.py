"""generated monthly reports

Revision ID: 0003
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "generated_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.String(length=32), nullable=False),
        sa.Column("period_label", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("xlsx", sa.LargeBinary(), nullable=False),
        sa.Column("mailed_to", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_generated_reports")),
        sa.UniqueConstraint("period_key", name="uq_generated_reports_period_key"),
    )


def downgrade() -> None:
    op.drop_table("generated_reports")
