"""The ICT asset register: assets without an address, the government fields

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.alter_column("address", existing_type=sa.String(length=255), nullable=True)
        batch_op.add_column(sa.Column("asset_number", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("budget_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("acquisition_method", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("fund_source", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("price", sa.Numeric(14, 2), nullable=True))
        batch_op.add_column(sa.Column("supplier", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("responsible_person", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("room", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("condition", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("disposed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("disposal_reference", sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_devices_asset_number"), ["asset_number"]
        )


def downgrade() -> None:
    # The older schema has no place for an asset without an address: refuse rather than lose it.
    unpolled = op.get_bind().execute(
        sa.text("SELECT COUNT(*) FROM devices WHERE address IS NULL")
    ).scalar()
    if unpolled:
        raise RuntimeError(
            f"{unpolled} assets have no address: give them one or delete them before downgrading"
        )
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_devices_asset_number"), type_="unique")
        for column in (
            "disposal_reference",
            "disposed_on",
            "condition",
            "room",
            "responsible_person",
            "supplier",
            "price",
            "fund_source",
            "acquisition_method",
            "budget_year",
            "asset_number",
        ):
            batch_op.drop_column(column)
        batch_op.alter_column("address", existing_type=sa.String(length=255), nullable=False)
