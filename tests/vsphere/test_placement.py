"""Placing each VM-hour on a host from migration events: the rules of collectors.vsphere.placement,
one example each, and a property test against a minute-by-minute count."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.vsphere.placement import Migration, place

T0 = datetime(2026, 3, 2, 9)
HOURS = [T0 + timedelta(hours=h) for h in range(3)]  # 09:00, 10:00, 11:00


def at(hour: int, minute: int = 0) -> datetime:
    return T0.replace(hour=hour, minute=minute)


def move(when: datetime, source: str | None, destination: str | None, vm: str = "vm-1", key: int = 0) -> Migration:
    return Migration(time=when, key=key, vm=vm, source=source, destination=destination)


def hosts_of(current: dict[str, str | None], moves: list[Migration], known: set[str] | None = None,
             vm: str = "vm-1") -> list[str | None]:
    placement = place(current, moves, HOURS, known)
    return [placement.host(vm, hour) for hour in HOURS]


def test_without_events_a_vm_is_on_its_current_host() -> None:
    placement = place({"vm-1": "host-b", "vm-2": None}, [], HOURS)
    assert placement.moved == {}
    assert [placement.host("vm-1", h) for h in HOURS] == ["host-b"] * 3
    assert placement.host("vm-2", HOURS[0]) is None


def test_a_move_inside_the_window_splits_the_hours_by_the_larger_share() -> None:
    # On host-a until 10:40: 40 minutes of the 10:00 hour on host-a, 20 on host-b.
    assert hosts_of({"vm-1": "host-b"}, [move(at(10, 40), "host-a", "host-b")]) == ["host-a", "host-a", "host-b"]
    assert hosts_of({"vm-1": "host-b"}, [move(at(10, 20), "host-a", "host-b")]) == ["host-a", "host-b", "host-b"]


def test_a_move_after_the_window_places_every_hour_on_its_source() -> None:
    # Collected at 15:00, the VM moved at 14:00: the window's hours were on host-a, not the current host-b.
    assert hosts_of({"vm-1": "host-b"}, [move(at(14), "host-a", "host-b")]) == ["host-a"] * 3


def test_a_move_on_the_hour_boundary_gives_the_whole_next_hour_to_the_destination() -> None:
    assert hosts_of({"vm-1": "host-b"}, [move(at(10), "host-a", "host-b")]) == ["host-a", "host-b", "host-b"]


def test_several_moves_in_one_hour_count_each_host_s_minutes() -> None:
    moves = [move(at(10, 10), "host-a", "host-b", key=1), move(at(10, 30), "host-b", "host-c", key=2),
             move(at(10, 45), "host-c", "host-a", key=3)]
    # 10:00 hour: host-a 10 + 15 minutes, host-b 20, host-c 15.
    assert hosts_of({"vm-1": "host-a"}, moves) == ["host-a", "host-a", "host-a"]
    moves = [move(at(10, 5), "host-a", "host-b", key=1), move(at(10, 25), "host-b", "host-c", key=2)]
    assert hosts_of({"vm-1": "host-c"}, moves) == ["host-a", "host-c", "host-c"]


def test_a_tie_goes_to_the_host_the_vm_was_on_first_in_the_hour() -> None:
    assert hosts_of({"vm-1": "host-b"}, [move(at(10, 30), "host-a", "host-b")]) == ["host-a", "host-a", "host-b"]
    moves = [move(at(9, 30), "host-a", "host-b", key=1), move(at(10, 30), "host-b", "host-a", key=2)]
    assert hosts_of({"vm-1": "host-a"}, moves) == ["host-a", "host-b", "host-a"]


def test_events_out_of_order_or_repeated_replay_in_time_order() -> None:
    moves = [move(at(9, 10), "host-a", "host-b", key=1), move(at(10, 50), "host-b", "host-c", key=2)]
    expected = hosts_of({"vm-1": "host-c"}, moves)
    assert expected == ["host-b", "host-b", "host-c"]
    repeated = [moves[1], moves[0], moves[1], move(at(9, 10), "host-a", "host-b", key=7)]
    assert hosts_of({"vm-1": "host-c"}, repeated) == expected


def test_events_of_vms_not_in_the_inventory_are_ignored() -> None:
    placement = place({"vm-1": "host-a"}, [move(at(10), "host-a", "host-b", vm="vm-gone")], HOURS)
    assert placement.moved == {} and placement.host("vm-gone", HOURS[0]) is None
    assert [placement.host("vm-1", h) for h in HOURS] == ["host-a"] * 3


def test_time_on_a_host_not_in_the_inventory_counts_for_no_host() -> None:
    known = {"host-a", "host-b"}
    # Came from another vCenter's host at 10:20: no host for 09:00, host-b after.
    assert hosts_of({"vm-1": "host-b"}, [move(at(10, 20), "host-x", "host-b")], known) == [None, "host-b", "host-b"]
    # Away on a removed host for 10:10-10:50: that hour's largest share is on no host.
    moves = [move(at(10, 10), "host-a", "host-x", key=1), move(at(10, 50), "host-x", "host-a", key=2)]
    assert hosts_of({"vm-1": "host-a"}, moves, known) == ["host-a", None, "host-a"]


def test_an_event_without_a_source_places_the_time_before_it_only_when_known() -> None:
    assert hosts_of({"vm-1": "host-b"}, [move(at(10, 20), None, "host-b")]) == [None, "host-b", "host-b"]
    moves = [move(at(9, 20), "host-a", "host-c", key=1), move(at(10, 20), None, "host-b", key=2)]
    assert hosts_of({"vm-1": "host-b"}, moves) == ["host-c", "host-b", "host-b"]


def test_an_event_without_a_destination_takes_the_next_source_or_the_current_host() -> None:
    moves = [move(at(9, 20), "host-a", None, key=1), move(at(10, 40), "host-c", "host-b", key=2)]
    assert hosts_of({"vm-1": "host-b"}, moves) == ["host-c", "host-c", "host-b"]
    assert hosts_of({"vm-1": "host-d"}, [move(at(9, 20), "host-a", None)]) == ["host-d"] * 3


def minute_by_minute(moves: list[Migration], hours: list[datetime]) -> list[str | None]:
    """The oracle: the host at the start of each minute, counted per hour; ties to the first seen."""
    ordered = sorted(moves, key=lambda m: m.time)
    out = []
    for hour in hours:
        counts: dict[str | None, int] = {}
        for minute in range(60):
            t = hour + timedelta(minutes=minute)
            before = [m for m in ordered if m.time <= t]
            host = before[-1].destination if before else ordered[0].source
            counts[host] = counts.get(host, 0) + 1
        out.append(max(counts, key=counts.__getitem__))
    return out


HOSTS = st.sampled_from(["host-a", "host-b", "host-c", "host-d"])
# Minutes from 08:00 to 13:00: moves before, inside and after the three-hour window.
MOVES = st.lists(st.tuples(st.integers(0, 300), HOSTS), min_size=1, max_size=12, unique_by=lambda m: m[0])


@settings(max_examples=200, deadline=None)
@given(first=HOSTS, steps=MOVES, seed=st.integers(0, 2**16))
def test_each_hour_gets_the_host_with_most_minutes_whatever_the_event_order(
        first: str, steps: list[tuple[int, str]], seed: int) -> None:
    moves, host = [], first
    for key, (minute, destination) in enumerate(sorted(steps)):
        moves.append(move(T0 - timedelta(hours=1) + timedelta(minutes=minute), host, destination, key=key))
        host = destination
    expected = minute_by_minute(moves, HOURS)
    shuffled = moves + random.Random(seed).sample(moves, k=len(moves) // 2)  # some delivered twice
    random.Random(seed).shuffle(shuffled)
    assert hosts_of({"vm-1": host, "vm-2": "host-a"}, shuffled) == expected
    assert hosts_of({"vm-1": host, "vm-2": "host-a"}, shuffled, vm="vm-2") == ["host-a"] * 3
