"""Provides the SQLite engine: the clinic's records in one file, under the one write path (intake.records.tables).

`Store` (store.py) opens it; `SqliteBackend` (backend.py) stores what the write path hands it and answers the
record keeping's queries in SQL; db.py keeps the connection (WAL, synchronous=FULL, plain-word errors),
migrations.py the schema, audit.py the append-only audit table (and its re-hashing when the data key is rotated:
intake.records.rotate), search.py the blind index walk, keys.py the key an interrupted rotation left. Only this
package imports sqlite3 (a test holds it to that).
"""
