"""A vCenter's completed VM migrations in a time range, read through its EventManager.

One event history collector filtered to the completed-move event types over the whole inventory
(root folder, recursion all) and the time range, rewound to its oldest event and read forward in
pages until an empty page; the collector is destroyed whatever happens. Round trips: create,
rewind, one per page plus the final empty one, destroy (four on a vCenter without moves).

The times are checked here as well: a server may return events outside the filter (govmomi's
simulator ignores the time filter), and the range must be exact for the placement replay.

Each window needs the moves from its start to the collection time, so the slices of a backfill
would each re-read everything up to now (the events read growing with the square of the slices);
``MigrationHistory`` keeps what one collector has read from a vCenter and reads only the part of a
range it does not hold yet.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pyVmomi import vim

from collectors.vsphere.placement import Migration
from common.errors import PermanentError
from common.windows import as_utc_naive

# Completed moves: vMotion (manual or DRS, a subtype) and cold migration of a powered-off VM.
# The "being migrated/relocated" events announce a move that may still fail, so they are not read.
MIGRATION_EVENT_TYPES = ("VmMigratedEvent", "DrsVmMigratedEvent", "VmRelocatedEvent")
EVENT_CALLS = ("CreateCollectorForEvents", "RewindCollector", "ReadNextEvents", "DestroyCollector")
EVENT_PRIVILEGE = "System.View"  # what CreateCollectorForEvents needs on the entities it reads
# Read again before the end of what is held: an event the vCenter stamped just before that end
# (its clock a little behind the collector's) may have been stored after the earlier read.
REREAD = timedelta(minutes=10)


def _aware(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts


def _moid(argument: Any, attribute: str) -> str | None:
    ref = getattr(argument, attribute, None) if argument is not None else None
    return getattr(ref, "_moId", None)


def as_migration(event: Any) -> Migration | None:
    """The move an event records, or None for an event that is not a completed move of a VM."""
    if not isinstance(event, vim.event.VmMigratedEvent | vim.event.VmRelocatedEvent):
        return None
    vm = _moid(event.vm, "vm")
    if vm is None or event.createdTime is None:
        return None
    return Migration(time=as_utc_naive(event.createdTime), key=int(event.key or 0), vm=vm,
                     source=_moid(event.sourceHost, "host"), destination=_moid(event.host, "host"))


def filter_spec(content: Any, start: datetime, end: datetime) -> Any:
    return vim.event.EventFilterSpec(
        eventTypeId=list(MIGRATION_EVENT_TYPES),
        time=vim.event.EventFilterSpec.ByTime(beginTime=_aware(start), endTime=_aware(end)),
        entity=vim.event.EventFilterSpec.ByEntity(entity=content.rootFolder, recursion="all"),
        disableFullMessage=True,  # the formatted message text is never used: not sent, not parsed
    )


def read_migrations(content: Any, start: datetime, end: datetime, page_size: int, vcenter: str) -> list[Migration]:
    """The completed VM migrations with ``start <= created time <= end`` (naive UTC), in the order read.

    A user without the event privilege gets a PermanentError naming the vCenter and the privilege;
    other failures propagate for the collector to classify like any other call.
    """
    try:
        collector = content.eventManager.CreateCollectorForEvents(filter=filter_spec(content, start, end))
    except vim.fault.NoPermission as exc:
        raise PermanentError(
            f"reading the VM migration events was refused: the collector's user needs the "
            f"{exc.privilegeId or EVENT_PRIVILEGE} privilege on the root folder (propagated), "
            f"as the read-only role grants", vcenter=vcenter) from None
    failed = True
    try:
        collector.RewindCollector()
        found: list[Migration] = []
        while True:
            page = collector.ReadNextEvents(maxCount=page_size)
            if not page:
                break
            for event in page:
                move = as_migration(event)
                if move is not None and start <= move.time <= end:
                    found.append(move)
        failed = False
        return found
    finally:
        # A collector left behind counts against the vCenter's limit until the session ends; when
        # the read already failed, that failure is the one to report.
        with contextlib.suppress(Exception) if failed else contextlib.nullcontext():
            collector.DestroyCollector()


@dataclass
class MigrationHistory:
    """The moves read so far from one vCenter, covering [start, end]; successive ranges (a
    backfill's slices, an incremental run's windows) read only what they add, each event about once."""

    vcenter: str
    page_size: int
    start: datetime | None = None
    end: datetime | None = None
    moves: list[Migration] = field(default_factory=list)

    def between(self, content: Any, start: datetime, end: datetime) -> list[Migration]:
        """What ``read_migrations`` returns for [start, end] (each move once, in no set order);
        afterwards only that range is held, so memory stays that of one range."""
        if self.start is None or self.end is None or start > self.end:
            held, reads = [], [(start, end)]
        else:
            held, reads = self.moves, []
            if start < self.start:
                reads.append((start, self.start))
            if end > self.end:
                reads.append((max(start, self.end - REREAD), end))
        for lo, hi in reads:
            held = held + read_migrations(content, lo, hi, self.page_size, self.vcenter)
        # A move read twice (at a range's edge, or again in REREAD) is the same value: kept once.
        moves = list(dict.fromkeys(m for m in held if start <= m.time <= end))
        self.start, self.end, self.moves = start, end, moves
        return moves
