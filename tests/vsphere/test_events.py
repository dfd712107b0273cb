"""Reading a vCenter's migration events: what each event becomes, the filter sent, the collector's
life, and successive windows reading each event about once.

The event manager here is a stand-in: govmomi's simulator ignores the filter's time range and
cannot post an event with a past time, so what these tests check (the range asked for, the events
read per range) cannot be seen on it. The events themselves are pyVmomi's own data objects, as a
vCenter's answer is parsed into; test_vmotion.py reads real ones from vcsim.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import SecretStr
from pyVmomi import vim

from collectors.vsphere.collector import VSphereCollector
from collectors.vsphere.config import VCenterConfig, VSphereConfig
from collectors.vsphere.events import (
    EVENT_CALLS,
    MIGRATION_EVENT_TYPES,
    REREAD,
    MigrationHistory,
    as_migration,
    read_migrations,
)
from collectors.vsphere.placement import Migration
from common.windows import Window

T0 = datetime(2026, 3, 2)


def event(when: datetime, key: int, vm: str | None = "vm-1", source: str | None = "host-1",
          destination: str | None = "host-2", kind: type = vim.event.DrsVmMigratedEvent) -> Any:
    """A migration event; an argument given as None is left out, as a vCenter leaves it out."""
    arguments: dict[str, Any] = {}
    if vm is not None:
        arguments["vm"] = vim.event.VmEventArgument(vm=vim.VirtualMachine(vm), name=vm)
    if destination is not None:
        arguments["host"] = vim.event.HostEventArgument(host=vim.HostSystem(destination), name=destination)
    if source is not None:
        arguments["sourceHost"] = vim.event.HostEventArgument(host=vim.HostSystem(source), name=source)
    return kind(key=key, chainId=key, createdTime=when.replace(tzinfo=UTC) if when.tzinfo is None else when,
                **arguments)


class EventManager:
    """Answers CreateCollectorForEvents with the stored events inside the filter's time range, paged
    as a vCenter pages them; counts every call and every event sent."""

    def __init__(self, events: list[Any]) -> None:
        self.events = events
        self.calls: Counter[str] = Counter()
        self.sent = 0
        self.filters: list[Any] = []
        self.fail_reading = False

    def CreateCollectorForEvents(self, filter: Any) -> Any:
        self.calls["CreateCollectorForEvents"] += 1
        self.filters.append(filter)
        chosen = [e for e in self.events if filter.time.beginTime <= e.createdTime <= filter.time.endTime
                  and type(e).__name__.split(".")[-1] in filter.eventTypeId]
        return HistoryCollector(self, chosen)


class HistoryCollector:
    def __init__(self, manager: EventManager, events: list[Any]) -> None:
        self.manager, self.events, self.position = manager, events, len(events)  # created at the latest page

    def RewindCollector(self) -> None:
        self.manager.calls["RewindCollector"] += 1
        self.position = 0

    def ReadNextEvents(self, maxCount: int) -> list[Any]:
        self.manager.calls["ReadNextEvents"] += 1
        if self.manager.fail_reading:
            raise vim.fault.InvalidState()
        page = self.events[self.position:self.position + maxCount]
        self.position += len(page)
        self.manager.sent += len(page)
        return page

    def DestroyCollector(self) -> None:
        self.manager.calls["DestroyCollector"] += 1


class Content:
    def __init__(self, events: list[Any]) -> None:
        self.eventManager = EventManager(events)
        self.rootFolder = vim.Folder("group-d1")


def test_an_event_becomes_a_move_in_naive_utc_with_the_arguments_it_has() -> None:
    east = timezone(timedelta(hours=-5))
    move = as_migration(event(datetime(2026, 3, 2, 4, 30, tzinfo=east), 7))
    assert move == Migration(time=datetime(2026, 3, 2, 9, 30), key=7, vm="vm-1", source="host-1",
                             destination="host-2")
    cold = as_migration(event(T0, 8, source=None, kind=vim.event.VmRelocatedEvent))
    assert cold == Migration(time=T0, key=8, vm="vm-1", source=None, destination="host-2")
    assert as_migration(event(T0, 9, destination=None, kind=vim.event.VmMigratedEvent)).destination is None
    assert as_migration(event(T0, 10, vm=None)) is None  # a move of no VM places nothing
    assert as_migration(vim.event.VmPoweredOnEvent(key=11, createdTime=T0.replace(tzinfo=UTC))) is None


def test_the_filter_asks_for_completed_moves_of_the_whole_inventory_in_aware_utc() -> None:
    content = Content([event(T0 + timedelta(minutes=m), m) for m in range(5)])
    moves = read_migrations(content, T0 + timedelta(minutes=1), T0 + timedelta(minutes=3), 2, "vc")
    assert [m.key for m in moves] == [1, 2, 3]  # both ends included
    spec = content.eventManager.filters[0]
    assert spec.time.beginTime == (T0 + timedelta(minutes=1)).replace(tzinfo=UTC)
    assert spec.time.endTime == (T0 + timedelta(minutes=3)).replace(tzinfo=UTC)
    assert list(spec.eventTypeId) == list(MIGRATION_EVENT_TYPES)
    assert spec.entity.entity == content.rootFolder and spec.entity.recursion == "all"
    assert spec.disableFullMessage
    # Rewound, two pages of two and one, the empty page that ends the read, destroyed.
    assert [content.eventManager.calls[m] for m in EVENT_CALLS] == [1, 1, 3, 1]


def test_a_failed_read_destroys_the_collector_and_reports_the_read_s_failure() -> None:
    content = Content([event(T0, 1)])
    content.eventManager.fail_reading = True
    with pytest.raises(vim.fault.InvalidState):
        read_migrations(content, T0, T0 + timedelta(hours=1), 10, "vc")
    assert content.eventManager.calls["DestroyCollector"] == 1


def test_successive_windows_read_each_event_about_once_and_get_what_a_fresh_read_gets() -> None:
    # A day of moves, three an hour, collected as hourly slices each up to its own collection time.
    events = [event(T0 + timedelta(minutes=20 * i), i, vm=f"vm-{i % 4}") for i in range(72)]
    content, fresh = Content(events), Content(events)
    config = VSphereConfig(vcenters=[VCenterConfig(name="vc", host="vc.example", username="reader",
                                                   password=SecretStr("-"))], event_page_size=10)
    collector = VSphereCollector(config)  # the collector of a backfill, reused across its slices
    now = T0 + timedelta(days=1, minutes=5)
    slices = list(Window(T0, T0 + timedelta(days=1)).split(timedelta(hours=1)))
    for n, piece in enumerate(slices):
        at = now + timedelta(minutes=n)
        got = collector._migrations(content, "vc", piece, at)
        expected = read_migrations(fresh, piece.start, at, 10, "vc")
        assert sorted(got, key=lambda m: m.key) == expected
    # Each slice on its own re-reads up to now: about half the day per slice. Held, once and a bit.
    assert fresh.eventManager.sent == sum(72 - 3 * n for n in range(24))
    overlap = 72 / (24 * 60) * REREAD.total_seconds() / 60
    assert len(events) <= content.eventManager.sent <= len(events) + len(slices) * (overlap + 1)
    history = collector._histories["vc"]
    assert history.start == slices[-1].start  # only the last range is held
    assert all(m.time >= slices[-1].start for m in history.moves)


def test_an_earlier_window_reads_only_the_part_before_what_is_held() -> None:
    events = [event(T0 + timedelta(hours=h), h) for h in range(10)]
    content = Content(events)
    history = MigrationHistory("vc", page_size=100)
    now = T0 + timedelta(hours=10)
    assert [m.key for m in history.between(content, T0 + timedelta(hours=6), now)] == [6, 7, 8, 9]
    sent = content.eventManager.sent
    assert sorted(m.key for m in history.between(content, T0 + timedelta(hours=2), now)) == list(range(2, 10))
    assert content.eventManager.sent - sent == 5  # hours 2 to 6: the held edge is read again, kept once


def test_an_event_stored_after_a_read_but_stamped_just_before_it_is_found() -> None:
    """The vCenter's clock a little behind the collector's: its event lands behind the held end."""
    content = Content([event(T0 + timedelta(minutes=10), 1)])
    history = MigrationHistory("vc", page_size=100)
    first_now = T0 + timedelta(hours=1)
    assert [m.key for m in history.between(content, T0, first_now)] == [1]
    content.eventManager.events.append(event(first_now - timedelta(minutes=2), 2))  # a clock 2 minutes behind
    assert sorted(m.key for m in history.between(content, T0, first_now + timedelta(minutes=1))) == [1, 2]
