"""Which host each VM ran on in each hour, from its current host and its migration events.

Pure: no vCenter, no clock. The collector reads the events (``collectors.vsphere.events``) for
[window start, collection time] and the current host from the inventory; this module replays the
moves so an hour collected days later is attributed to the host the VM spent that hour on.

Rules, one line each:
- A VM's host in an hour is the host it spent the largest part of that hour on; a tie goes to the
  host it was on first in the hour.
- Before its first event in the range the VM was on that event's source host; after its last
  event, on that event's destination (a later move is after the collection time and not yet in range).
- A VM without events in the range is on its current host for the whole window.
- Events are replayed in (time, key) order whatever order they came in; an event read twice
  replays as a stay of no length on its destination, so it changes nothing.
- An event without a source host says only where the VM went: before it the VM is on the previous
  event's destination, or on no host (None) when it is the VM's first event.
- An event without a destination host: after it the VM is on the next event's source, or on its
  current host when it is the last.
- Events of VMs not in ``current`` (deleted, or moved to another vCenter) are ignored.
- A host not in ``known_hosts`` (removed since, or another vCenter's in a cross-vCenter move)
  places the VM on no host (None) for that time; None competes for the hour like any host.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from common.windows import HOUR


@dataclass(frozen=True)
class Migration:
    """A completed move of one VM: when (naive UTC), from which host to which (managed-object ids)."""

    time: datetime
    key: int
    vm: str
    source: str | None
    destination: str | None


@dataclass
class Placement:
    """Hosts per VM and hour: ``moved`` holds a host per hour (aligned with ``hours``) for the VMs
    with events in range; every other VM is on its ``current`` host all window."""

    hours: list[datetime]
    current: Mapping[str, str | None]
    moved: dict[str, list[str | None]] = field(default_factory=dict)

    def host(self, vm: str, hour: datetime) -> str | None:
        if vm in self.moved:
            return self.moved[vm][self.hours.index(hour)]  # a window has few hours
        return self.current.get(vm)

    def rows(self) -> Iterable[tuple[str, datetime, str | None]]:
        """(vm, hour, host) of the moved VMs only."""
        for vm, hosts in self.moved.items():
            yield from zip((vm,) * len(self.hours), self.hours, hosts, strict=True)


def in_order(migrations: Iterable[Migration]) -> list[Migration]:
    """Migrations in (time, key) order; equal ones keep the order they came in."""
    return sorted(migrations, key=lambda m: (m.time, m.key))


def timeline(current: str | None, moves: Sequence[Migration]) -> list[tuple[datetime | None, str | None]]:
    """(since, host) segments of one VM, oldest first; the first segment's ``since`` is None
    (open to the past). ``moves`` are this VM's, in ``in_order``."""
    if not moves:
        return [(None, current)]
    segments: list[tuple[datetime | None, str | None]] = [(None, moves[0].source)]
    # A later event's source is not used: the previous segment (the previous event's destination)
    # already says where the VM was, which also covers an event without a source.
    for i, move in enumerate(moves):
        destination = move.destination
        if destination is None:
            destination = moves[i + 1].source if i + 1 < len(moves) else current
        segments.append((move.time, destination))
    return segments


def hours_on(segments: Sequence[tuple[datetime | None, str | None]], hours: Sequence[datetime],
             known_hosts: Collection[str] | None) -> list[str | None]:
    """The host with the largest share of each hour (ties: the first in the hour)."""
    out: list[str | None] = []
    first = 0  # segments ending before an hour are not looked at again for later hours
    for hour in hours:
        end = hour + HOUR
        shares: dict[str | None, timedelta] = {}
        for i in range(first, len(segments)):
            since, host = segments[i]
            until = segments[i + 1][0] if i + 1 < len(segments) else None
            if until is not None and until <= hour:
                first = i + 1
                continue
            if since is not None and since >= end:
                break
            start = hour if since is None else max(since, hour)
            stop = end if until is None else min(until, end)
            if stop > start:
                if known_hosts is not None and host not in known_hosts:
                    host = None
                shares[host] = shares.get(host, timedelta()) + (stop - start)
        # dicts keep insertion order, and max keeps the first of equal shares: ties go to the earlier host
        out.append(max(shares, key=shares.__getitem__) if shares else None)
    return out


def place(current: Mapping[str, str | None], migrations: Iterable[Migration], hours: Sequence[datetime],
          known_hosts: Collection[str] | None = None) -> Placement:
    """Each VM's host in each of ``hours`` (hour starts, naive UTC); see the module rules.

    ``current`` maps every VM in the inventory to its current host (None when it has none);
    ``known_hosts`` are the hosts in the inventory (None: every host is known).
    """
    by_vm: dict[str, list[Migration]] = {}
    for move in in_order(migrations):
        if move.vm in current:
            by_vm.setdefault(move.vm, []).append(move)
    hours = list(hours)
    placement = Placement(hours, current)
    for vm, moves in by_vm.items():
        placement.moved[vm] = hours_on(timeline(current[vm], moves), hours, known_hosts)
    return placement
