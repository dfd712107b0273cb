"""Reading the Cost Management Metrics Operator's CSV reports, strictly.

Each file is recognised by its header (pod usage, storage usage, node labels, namespace labels),
every cell is checked, and the first problem raises a DataError naming the file, line and column.
Intervals are hourly; usage columns are ``*_core_seconds`` and ``*_byte_seconds`` per interval;
label columns hold ``label_key:value|label_key2:value2``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tarfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from common.errors import DataError

COMMON = ("report_period_start", "report_period_end", "interval_start", "interval_end")
KINDS: dict[str, dict[str, tuple[str, ...]]] = {
    # kind: {"required": columns every version has, "numbers": numeric columns (empty allowed where optional)}
    "pod": {
        "required": (*COMMON, "node", "namespace", "pod", "pod_usage_cpu_core_seconds", "pod_request_cpu_core_seconds",
                     "pod_limit_cpu_core_seconds", "pod_usage_memory_byte_seconds", "pod_request_memory_byte_seconds",
                     "pod_limit_memory_byte_seconds", "node_capacity_cpu_cores", "node_capacity_cpu_core_seconds",
                     "node_capacity_memory_bytes", "node_capacity_memory_byte_seconds"),
        "numbers": ("pod_usage_cpu_core_seconds", "pod_request_cpu_core_seconds", "pod_limit_cpu_core_seconds",
                    "pod_usage_memory_byte_seconds", "pod_request_memory_byte_seconds",
                    "pod_limit_memory_byte_seconds", "node_capacity_cpu_cores", "node_capacity_cpu_core_seconds",
                    "node_capacity_memory_bytes", "node_capacity_memory_byte_seconds"),
        "optional_numbers": ("pod_limit_cpu_core_seconds", "pod_limit_memory_byte_seconds"),
    },
    "storage": {
        "required": (*COMMON, "namespace", "persistentvolumeclaim", "persistentvolume", "storageclass",
                     "persistentvolumeclaim_capacity_byte_seconds", "volume_request_storage_byte_seconds",
                     "persistentvolumeclaim_usage_byte_seconds"),
        "numbers": ("persistentvolumeclaim_capacity_byte_seconds", "volume_request_storage_byte_seconds",
                    "persistentvolumeclaim_usage_byte_seconds"),
        "optional_numbers": ("persistentvolumeclaim_usage_byte_seconds",),
    },
    "node_labels": {"required": (*COMMON, "node", "node_labels"), "numbers": (), "optional_numbers": ()},
    "namespace_labels": {"required": (*COMMON, "namespace", "namespace_labels"), "numbers": (),
                         "optional_numbers": ()},
}
# The operator writes Go's time.Time String(): "2024-01-01 00:00:00 +0000 UTC".
_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2})(?:\.\d+)?(?: ?([+-]\d{4}|Z))?(?: UTC)?$")
_TEXT = ("node", "namespace", "pod", "persistentvolumeclaim")
# Label columns, checked wherever they appear (the pod report's ``pod_labels`` is optional).
LABEL_COLUMNS = ("node_labels", "namespace_labels", "pod_labels")
# The operator's upload package names its cluster in this member (``cluster_id``).
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Report:
    """One validated report file: its kind and rows (times as naive UTC, numbers as floats)."""

    name: str
    kind: str
    frame: pd.DataFrame


def kind_of(header: list[str], name: str) -> str:
    cols = set(header)
    for kind in ("pod", "storage", "node_labels", "namespace_labels"):
        if set(KINDS[kind]["required"]) <= cols:
            return kind
    # The kind whose columns the header has most of (beyond the interval columns every kind has) is what
    # the file was meant to be: name the columns it lacks.
    best = max(KINDS, key=lambda k: len(cols & set(KINDS[k]["required"]) - set(COMMON)))
    if cols & set(KINDS[best]["required"]) - set(COMMON):
        missing = [c for c in KINDS[best]["required"] if c not in cols]
        raise DataError(f"a {best.replace('_', ' ')} report without the column(s) {', '.join(missing)}",
                        file=name, line=1)
    raise DataError("not a Cost Management Metrics Operator report: the header matches no known report "
                    "(pod usage, storage usage, node labels, namespace labels)", file=name, line=1)


def parse_time(text: str) -> datetime:
    m = _TIME.match(text.strip())
    if not m:
        raise ValueError("expected a time like '2024-01-01 00:00:00 +0000 UTC'")
    ts = datetime.fromisoformat(m.group(1).replace("T", " "))
    offset = m.group(2)
    if offset and offset not in ("Z", "+0000", "-0000"):
        sign = 1 if offset[0] == "+" else -1
        ts = ts - sign * pd.Timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])).to_pytimedelta()
    return ts


def parse_labels(text: str) -> dict[str, str]:
    """``label_a:1|label_b:2`` to {'label_a': '1', 'label_b': '2'} (a value may contain ':')."""
    out: dict[str, str] = {}
    for part in filter(None, text.split("|")):
        key, sep, value = part.partition(":")
        if not sep or not key:
            raise ValueError(f"expected 'key:value' pairs separated by '|', got {part!r}")
        out[key] = value
    return out


def parse_report(name: str, text: str) -> Report:
    """Check every row of one CSV text; DataError names file, line and column of the first problem."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise DataError("empty file: expected a header line", file=name) from None
    kind = kind_of(header, name)
    spec = KINDS[kind]
    index = {col: i for i, col in enumerate(header)}
    numbers = [(c, index[c], c in spec["optional_numbers"]) for c in spec["numbers"]]
    texts = [(c, index[c]) for c in _TEXT if c in index and c in spec["required"]]
    labels_cols = [c for c in header if c in LABEL_COLUMNS]
    columns: dict[str, list] = {c: [] for c in header}
    for row in reader:
        line = reader.line_num
        if not row:
            continue
        if len(row) != len(header):
            raise DataError(f"{len(row)} fields where the header has {len(header)}", file=name, line=line)
        for col in ("interval_start", "interval_end"):
            try:
                columns[col].append(parse_time(row[index[col]]))
            except ValueError as exc:
                raise DataError(f"{exc}, got {row[index[col]]!r}", file=name, line=line,
                                column=f"{index[col] + 1} ({col})") from None
        for col, i, optional in numbers:
            cell = row[i].strip()
            if cell == "" and optional:
                columns[col].append(float("nan"))
                continue
            try:
                value = float(cell)
            except ValueError:
                raise DataError(f"expected a number, got {cell!r}", file=name, line=line,
                                column=f"{i + 1} ({col})") from None
            if value != value or value < 0 or value == float("inf"):
                raise DataError(f"expected a finite non-negative number, got {cell!r}", file=name, line=line,
                                column=f"{i + 1} ({col})")
            columns[col].append(value)
        for col, i in texts:
            if not row[i].strip():
                raise DataError("empty value", file=name, line=line, column=f"{i + 1} ({col})")
        for labels_col in labels_cols:
            try:
                parse_labels(row[index[labels_col]])
            except ValueError as exc:
                raise DataError(str(exc), file=name, line=line,
                                column=f"{index[labels_col] + 1} ({labels_col})") from None
        for col, i in index.items():
            if col not in ("interval_start", "interval_end") and col not in spec["numbers"]:
                columns[col].append(row[i])
    frame = pd.DataFrame(columns)
    return Report(name, kind, frame)


def check_manifest(name: str, text: str, cluster_id: str) -> dict:
    """A package's manifest, which must name the cluster the import is for; DataError names the
    file, the manifest's cluster_id and the one asked for."""
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"not a JSON manifest: {exc.msg}", file=name, line=exc.lineno) from None
    found = manifest.get("cluster_id") if isinstance(manifest, dict) else None
    if not isinstance(found, str) or not found:
        raise DataError("the manifest names no cluster_id", file=name)
    if found != cluster_id:
        raise DataError(f"the manifest's cluster_id is {found!r} but --cluster is {cluster_id!r}: these "
                        "reports belong to another cluster", file=name)
    return manifest


def read_sources(path: Path) -> Iterator[tuple[str, str]]:
    """(name, text) of every report under ``path``: a CSV file, a directory, or the operator's
    upload package (.tar.gz, whose CSV members are read); a ``manifest.json`` (a package's member or a
    file) is yielded too, under a name ending in ``manifest.json``."""
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file() and (child.suffix == ".csv" or child.name == MANIFEST
                                    or child.name.endswith((".tar.gz", ".tgz"))):
                yield from read_sources(child)
        return
    if not path.exists():
        raise DataError("no such file or directory", file=str(path))
    if path.name.endswith((".tar.gz", ".tgz")):
        try:
            with tarfile.open(path, "r:gz") as tar:
                for member in tar.getmembers():
                    if member.isfile() and (member.name.endswith(".csv")
                                            or Path(member.name).name == MANIFEST):
                        data = tar.extractfile(member)
                        assert data is not None
                        yield f"{path}:{member.name}", _decode(data.read(), f"{path}:{member.name}")
        except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
            # EOFError: the archive is cut short (a partial download); it must not reach the command line
            # as a bare abort.
            raise DataError(f"not a readable .tar.gz (cut short or damaged): {exc}", file=str(path)) from None
        return
    yield str(path), _decode(path.read_bytes(), str(path))


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"not UTF-8 text at byte {exc.start}", file=name) from None
