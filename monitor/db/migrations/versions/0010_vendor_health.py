"""Real equipment: health samples and traps

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # sysDescr kept whole (Cisco's run past 255 characters); the vendor's temperature; and what
    # the inventory chose to poll (vendor rules, storage rows), so polls skip the full walk.
    with op.batch_alter_table("snmp_status") as batch:
        batch.alter_column(
            "sys_descr", existing_type=sa.String(length=255), type_=sa.Text(), existing_nullable=True
        )
        batch.add_column(sa.Column("temperature_c", sa.Float(), nullable=True))
        batch.add_column(sa.Column("health_plan", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("snmp_status") as batch:
        batch.drop_column("health_plan")
        batch.drop_column("temperature_c")
        batch.alter_column(
            "sys_descr",
            existing_type=sa.Text(),
            type_=sa.String(length=255),
            existing_nullable=True,
            postgresql_using="left(sys_descr, 255)",
        )
