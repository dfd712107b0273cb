"""Chargeback output: per-namespace results and versioned monthly statements with their lines,
pools, efficiency and entitlement tables."""

from __future__ import annotations

from sqlalchemy import Column, Double, Integer, Numeric, String, Table, Text

from warehouse.schema.base import Money, UtcTimestamp, metadata

chargeback_result = Table(
    "chargeback_result",
    metadata,
    Column("month", String(7), primary_key=True, comment="YYYY-MM"),
    Column("model", String(32), primary_key=True, comment="Cost model that produced the lines"),
    Column("cluster_id", String(64), primary_key=True),
    Column("namespace", String(253), primary_key=True),
    Column("sector_id", String(64), nullable=False, comment="Resolved sector or UNALLOCATED"),
    Column("application", String(200)),
    Column("cost_centre", String(64)),
    Column("cpu_effective_core_hours", Double, nullable=False),
    Column("memory_effective_gib_hours", Double, nullable=False),
    Column("cpu_cost", Money, nullable=False),
    Column("memory_cost", Money, nullable=False),
    Column("total_cost", Money, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("computed_at", UtcTimestamp, nullable=False),
)

chargeback_statement = Table(
    "chargeback_statement",
    metadata,
    Column("month", String(7), primary_key=True, comment="YYYY-MM"),
    Column("version", Integer, primary_key=True, comment="1 for the first computation, +1 per restatement"),
    Column("model", String(32), nullable=False, comment="pools or rate_card"),
    Column("mode", String(16), nullable=False, comment="showback or chargeback"),
    Column("status", String(16), nullable=False, comment="draft, closed or superseded"),
    Column("price_list_version", String(64), nullable=False,
           comment="Price list versions in force in the month, joined by '+' (e.g. 2026.1+2026.2)"),
    Column("price_list_digest", String(64), nullable=False, comment="SHA-256 of the price list as applied"),
    Column("facts_digest", String(64), nullable=False,
           comment="Fingerprint of the month's facts; a change after close calls for a restatement"),
    Column("currency", String(3), nullable=False),
    Column("total_amount", Money, nullable=False),
    Column("computed_at", UtcTimestamp, nullable=False),
    Column("closed_at", UtcTimestamp),
    Column("supersedes_version", Integer, comment="Closed version this restatement replaces"),
    Column("reason", Text, comment="Why the version was made (close, restatement after late data, ...)"),
    Column("diff", Text,
           comment="JSON: change per sector, cluster, namespace and cost type against the superseded version"),
    Column("completeness", Text, nullable=False, comment="JSON: data completeness per cluster"),
)

chargeback_statement_line = Table(
    "chargeback_statement_line",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("sector_id", String(64), nullable=False, comment="Resolved sector or UNALLOCATED"),
    Column("cluster_id", String(64), nullable=False),
    Column("namespace", String(253), nullable=False, comment="Namespace, or (idle) for unused capacity"),
    Column("application", String(200)),
    Column("cost_centre", String(64)),
    Column("cost_type", String(32), nullable=False, comment="cpu, memory, idle, platform, storage, logging, ..."),
    Column("pool", String(64), nullable=False, comment="Cost pool or rate the line comes from"),
    Column("quantity", Double, comment="Basis quantity (core-hours, GiB-hours, GiB-months, GB, share)"),
    Column("unit", String(32)),
    Column("rate", Numeric(20, 8), comment="Price per unit, when the line is quantity x rate"),
    Column("pool_amount", Money, comment="Whole pool, when the line is a share of a pool"),
    Column("share", Double, comment="Share of the pool, when the line is a share of a pool"),
    Column("basis", Text, nullable=False, comment="How the amount was derived, in words"),
    Column("amount", Money, nullable=False),
)

chargeback_namespace_efficiency = Table(
    "chargeback_namespace_efficiency",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("cluster_id", String(64), primary_key=True),
    Column("namespace", String(253), primary_key=True),
    Column("sector_id", String(64), nullable=False),
    Column("cpu_usage_core_hours", Double, nullable=False),
    Column("cpu_request_core_hours", Double, nullable=False),
    Column("memory_usage_gib_hours", Double, nullable=False),
    Column("memory_request_gib_hours", Double, nullable=False),
    Column("cpu_efficiency", Double, comment="usage / request; NULL without requests"),
    Column("memory_efficiency", Double, comment="usage / request; NULL without requests"),
    Column("charged_amount", Money, nullable=False, comment="Direct CPU and memory charge"),
    Column("wasted_amount", Money, nullable=False, comment="Part of the charge paying for requested but unused"),
)

chargeback_entitlement = Table(
    "chargeback_entitlement",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("sector_id", String(64), primary_key=True),
    Column("resource", String(16), primary_key=True, comment="cpu (cores), memory (GiB) or storage (TB)"),
    Column("purchased", Double, nullable=False),
    Column("requested", Double, nullable=False, comment="Average over the month"),
    Column("used", Double, nullable=False, comment="Average over the month"),
    Column("unused_amount", Money, nullable=False, comment="Cost of purchased capacity neither requested nor used"),
    Column("basis", Text, nullable=False),
)

chargeback_statement_pool = Table(
    "chargeback_statement_pool",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("cluster_id", String(64), primary_key=True),
    Column("pool", String(64), primary_key=True,
           comment="Cost pool (hardware, vmware-licence, ...) or rate-card fee the cluster's lines come from"),
    Column("amount", Money, nullable=False, comment="The whole pool: its lines on the cluster sum to it"),
    Column("basis", Text, nullable=False, comment="How the pool was derived, in words"),
)
