"""``ecs-insight vsphere nodes|hosts|clusters``: vSphere figures joined to OpenShift nodes, clusters, sectors."""

# No ``from __future__ import annotations``: Typer reads the commands' annotations, which name
# types imported inside ``register`` (cli.py imports this module while it is being defined).
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from common.windows import Window, floor_hour
from ecs_insight.cli_common import ConfigOption, OutputFormat, emit, load_or_exit, warehouse_for_reading, window_or_exit

# Columns of ``vsphere hosts`` as a table, and their headings. CPU ready % is the host's ready time
# per vCPU of the VMs it ran in the hour (warehouse.vsphere._ready_percent).
HOST_TABLE = {
    "hour": "hour", "vcenter": "vcenter", "host": "host", "vsphere_cluster": "vsphere cluster",
    "cpu_usage_percent": "CPU %", "cpu_demand_mhz": "demand MHz", "cpu_ready_percent": "ready %",
    "demand_over_usage": "demand/usage", "memory_ballooned_gib": "ballooned GiB",
    "memory_swapped_gib": "swapped GiB", "vms": "VMs", "vcpus": "vCPUs", "ecs_clusters": "ECS clusters",
}


def _window(start: datetime | None, end: datetime | None) -> Window:
    stop = floor_hour(end) if end else floor_hour(datetime.now(UTC).replace(tzinfo=None))
    return window_or_exit(floor_hour(start) if start else stop - timedelta(hours=24), stop)


def register(app: typer.Typer) -> None:
    """Add the ``vsphere`` command group to ``app``."""

    group = typer.Typer(help="vSphere figures joined to OpenShift nodes, clusters and sectors.",
                        no_args_is_help=True)
    app.add_typer(group, name="vsphere")
    Start = Annotated[datetime | None, typer.Option(help="First hour (UTC); default: 24 hours before --end.")]
    End = Annotated[datetime | None, typer.Option(help="End, exclusive (UTC); default: the current hour.")]
    Source = Annotated[str | None, typer.Option(help="Only facts of this source (vsphere, synthetic).")]
    Format = Annotated[OutputFormat, typer.Option("--format")]

    @group.command("nodes")
    def nodes(start: Start = None, end: End = None, source: Source = None, config: ConfigOption = None,
              fmt: Format = OutputFormat.table) -> None:
        """Per OpenShift node and hour: its VM's CPU, memory, ready time and its host's load and contention."""
        from warehouse.vsphere import node_vm_hourly

        settings, window = load_or_exit(config), _window(start, end)
        frame = node_vm_hourly(warehouse_for_reading(settings), window, source)
        emit(frame, fmt, "OpenShift nodes on vSphere")

    @group.command("hosts")
    def hosts(start: Start = None, end: End = None, source: Source = None, config: ConfigOption = None,
              fmt: Format = OutputFormat.table) -> None:
        """Per vSphere host and hour: load, CPU demand and ready %, ballooned and swapped GiB, ECS clusters on it."""
        from warehouse.vsphere import host_contention_hourly

        settings, window = load_or_exit(config), _window(start, end)
        frame = host_contention_hourly(warehouse_for_reading(settings), window, source)
        if fmt is OutputFormat.table:  # the figures that fit a terminal; json/csv carry every column
            frame = frame[list(HOST_TABLE)].rename(columns=HOST_TABLE)
        emit(frame, fmt, "vSphere host contention")

    @group.command("clusters")
    def clusters(config: ConfigOption = None, fmt: Format = OutputFormat.table) -> None:
        """Which ECS clusters and sectors run on each vSphere cluster, and whether that is where they belong."""
        from warehouse.vsphere import vsphere_cluster_tenancy

        frame = vsphere_cluster_tenancy(warehouse_for_reading(load_or_exit(config)))
        emit(frame, fmt, "ECS clusters on vSphere clusters")
