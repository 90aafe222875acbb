"""INSERT that leaves an existing row alone, on PostgreSQL and SQLite alike."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session


def insert_ignore(session: Session, model: type, values: dict, conflict: list[str]) -> bool:
    """INSERT unless the unique key `conflict` exists; True when a row was added. Safe under races
    (ON CONFLICT DO NOTHING), and one statement: no savepoint around it."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.flush()
    # RETURNING rather than rowcount: psycopg reports -1 when SQLAlchemy adds its own RETURNING
    # for a generated primary key; a returned row is unambiguous on both databases.
    # On the table, not the mapped class: a Core statement skips the ORM's bulk-insert machinery
    # (column defaults still apply; attribute and column names are the same in every model).
    stmt = (insert(model.__table__).values(**values).on_conflict_do_nothing(index_elements=conflict)
            .returning(sa.literal_column("1")))
    return session.execute(stmt).first() is not None
