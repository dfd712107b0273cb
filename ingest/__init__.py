"""Ingest: the only writer of facts and dimensions.

It plans windows (one split-collect-load loop for ad-hoc, incremental and historical collection),
keeps incremental watermarks, records every collection as runs per scope, and maps namespaces to
sectors and VMs to nodes on load. It calls collectors and the warehouse; the composition root
(``ecs_insight``) and the benchmarks call it.
"""

from ingest.loader import LoadReport, collect_window
from ingest.planning import collect_slices, plan_slices
from ingest.preview import Replacement, Replay, preview

__all__ = ["LoadReport", "Replacement", "Replay", "collect_slices", "collect_window", "plan_slices", "preview"]
