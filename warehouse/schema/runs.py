"""Collection runs: one row per source, scope and window collected, with its outcome."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, Sequence, String, Table, Text

from warehouse.schema.base import UtcTimestamp, metadata

PID_COMMENT = "Process id of the collecting process; NULL: a run from before revision 0010"
HOST_COMMENT = "Host name of the collecting process; NULL: a run from before revision 0010"

collection_run_id_seq = Sequence("collection_run_id_seq", metadata=metadata)

collection_run = Table(
    "collection_run",
    metadata,
    Column("run_id", BigInteger, collection_run_id_seq, primary_key=True,
           server_default=collection_run_id_seq.next_value()),
    Column("source", String(32), nullable=False),
    Column("cluster_id", String(64), nullable=False, comment="Cluster or vCenter the run covered"),
    Column("window_start", UtcTimestamp, nullable=False),
    Column("window_end", UtcTimestamp, nullable=False),
    Column("started_at", UtcTimestamp, nullable=False),
    Column("finished_at", UtcTimestamp),
    Column("status", String(16), nullable=False,
           comment="running, succeeded, failed, interrupted (by a signal) or abandoned (its process gone)"),
    Column("rows", BigInteger, nullable=False, default=0),
    Column("error", Text),
    Column("pid", Integer, comment=PID_COMMENT),
    Column("host", String(255), comment=HOST_COMMENT),
)
