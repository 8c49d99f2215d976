"""delphi secrecy: minimum cell size, round seeds, ballot choice digests

- committees.min_cell_size (at least 3): the small-cell rule for breakdowns (docs/methods.md §3.10);
- delphi_rounds.listing_secret: a random secret per round, for the order of the answers (§4.2);
- ballot_eligibility.voted_items, ballot_items.choices_digest, comment_resolutions.reason / proposed_value, and
  comment_resolutions.vote_id nullable: what remains of a secret ballot once it is closed (§5.4). Ballots already
  closed get the same treatment here: who voted is recorded, the reasons are copied, and for secret ballots the
  digest is computed and the votes are deleted.

Downgrade drops the new columns; the votes of secret ballots deleted by the upgrade cannot come back, so their
comment-resolution rows (which no longer point to a vote) are deleted too.

On SQLite, batch mode rebuilds a table by copying it and dropping the old one; with foreign keys enforced, that
drop would cascade into every child row (rounds' answers, ballots' votes). Foreign keys are therefore switched
off while the tables are rebuilt, checked, and switched on again.

Revision ID: 0009
Revises: 0008
"""
import hashlib
import secrets

from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def _digest(choices):
    """The same as whitepaper.delphi.ballots.tally.choices_digest, frozen here as the migration runs it."""
    lines = sorted(choice if value is None else f"{choice}:{value}" for choice, value in choices)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _close_existing_ballots(bind):
    """Closed ballots: record who voted, copy the reasons; secret ones: digest, unlink, delete the votes."""
    ballots = bind.execute(sa.text("SELECT id, unit, is_secret FROM ballots WHERE status = 'closed'")).all()
    for ballot_id, unit, is_secret in ballots:
        key = "country_id" if unit == "country" else "voter_id"
        counts = dict(bind.execute(sa.text(
            f"SELECT v.{key}, count(*) FROM votes v JOIN ballot_items i ON i.id = v.item_id "
            f"WHERE i.ballot_id = :b GROUP BY v.{key}"), {"b": ballot_id}).all())
        for row_id, voter_id, country_id in bind.execute(sa.text(
                "SELECT id, voter_id, country_id FROM ballot_eligibility WHERE ballot_id = :b"), {"b": ballot_id}):
            voted = counts.get(country_id if unit == "country" else voter_id, 0)
            bind.execute(sa.text("UPDATE ballot_eligibility SET voted_items = :n WHERE id = :id"),
                         {"n": voted, "id": row_id})
        if not is_secret:
            continue
        items = [row[0] for row in bind.execute(sa.text("SELECT id FROM ballot_items WHERE ballot_id = :b"),
                                                {"b": ballot_id})]
        for item_id in items:
            choices = bind.execute(sa.text("SELECT choice, proposed_value FROM votes WHERE item_id = :i"),
                                   {"i": item_id}).all()
            bind.execute(sa.text("UPDATE ballot_items SET choices_digest = :d WHERE id = :i"),
                         {"d": _digest(choices), "i": item_id})
            bind.execute(sa.text("UPDATE comment_resolutions SET vote_id = NULL WHERE item_id = :i"), {"i": item_id})
            bind.execute(sa.text("DELETE FROM votes WHERE item_id = :i"), {"i": item_id})


def _sqlite_foreign_keys(on):
    """PRAGMA foreign_keys is ignored inside a transaction: run it in an autocommit block (SQLite only)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.get_context().autocommit_block():
        if on:
            problems = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").all()
            if problems:
                raise RuntimeError(f"foreign keys broken by the migration: {problems[:5]}")
        op.get_bind().exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def upgrade():
    _sqlite_foreign_keys(False)
    _upgrade()
    _sqlite_foreign_keys(True)


def downgrade():
    _sqlite_foreign_keys(False)
    _downgrade()
    _sqlite_foreign_keys(True)


def _upgrade():
    with op.batch_alter_table('committees', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_cell_size', sa.Integer(), server_default=sa.text('3'), nullable=False))
        batch_op.create_check_constraint(op.f('ck_committees_min_cell_size'), 'min_cell_size >= 3')

    with op.batch_alter_table('delphi_rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('listing_secret', sa.String(length=64), nullable=True))
    bind = op.get_bind()
    for (round_id,) in bind.execute(sa.text("SELECT id FROM delphi_rounds")).all():
        bind.execute(sa.text("UPDATE delphi_rounds SET listing_secret = :s WHERE id = :id"),
                     {"s": secrets.token_hex(32), "id": round_id})
    with op.batch_alter_table('delphi_rounds', schema=None) as batch_op:
        batch_op.alter_column('listing_secret', existing_type=sa.String(length=64), nullable=False)

    with op.batch_alter_table('ballot_eligibility', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voted_items', sa.Integer(), nullable=True))

    with op.batch_alter_table('ballot_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('choices_digest', sa.String(length=64), nullable=True))
        batch_op.create_check_constraint(op.f('ck_ballot_items_choices_digest'),
                                         'choices_digest IS NULL OR length(choices_digest) = 64')

    with op.batch_alter_table('comment_resolutions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('proposed_value', sa.Integer(), nullable=True))
        batch_op.alter_column('vote_id', existing_type=sa.Integer(), nullable=True)
    bind.execute(sa.text(
        "UPDATE comment_resolutions"
        " SET reason = (SELECT v.reason FROM votes v WHERE v.id = comment_resolutions.vote_id),"
        " proposed_value = (SELECT v.proposed_value FROM votes v WHERE v.id = comment_resolutions.vote_id)"))
    with op.batch_alter_table('comment_resolutions', schema=None) as batch_op:
        batch_op.alter_column('reason', existing_type=sa.Text(), nullable=False)
        batch_op.create_check_constraint(op.f('ck_comment_resolutions_reason'), 'length(trim(reason)) > 0')
        batch_op.create_check_constraint(op.f('ck_comment_resolutions_proposed_value'),
                                         'proposed_value IS NULL OR proposed_value >= 1')

    _close_existing_ballots(bind)


def _downgrade():
    op.get_bind().execute(sa.text("DELETE FROM comment_resolutions WHERE vote_id IS NULL"))
    with op.batch_alter_table('comment_resolutions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_comment_resolutions_proposed_value'), type_='check')
        batch_op.drop_constraint(op.f('ck_comment_resolutions_reason'), type_='check')
        batch_op.alter_column('vote_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('proposed_value')
        batch_op.drop_column('reason')

    with op.batch_alter_table('ballot_items', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_ballot_items_choices_digest'), type_='check')
        batch_op.drop_column('choices_digest')

    with op.batch_alter_table('ballot_eligibility', schema=None) as batch_op:
        batch_op.drop_column('voted_items')

    with op.batch_alter_table('delphi_rounds', schema=None) as batch_op:
        batch_op.drop_column('listing_secret')

    with op.batch_alter_table('committees', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_committees_min_cell_size'), type_='check')
        batch_op.drop_column('min_cell_size')
