"""QueryPerf with the response read by ElementTree instead of pyvmomi's object deserializer.

A QueryPerf answer for a few hundred entities is tens of thousands of XML elements; pyvmomi builds a
Python object per element (about 15 µs each), and as many to serialise the request, which made the
client's CPU, not the network, the cost of a collection. Here the request envelope is written
directly and sent over the pyvmomi stub's own session (cookie, TLS, connection pool); the 200
response is parsed with ElementTree into plain arrays. A fault response (HTTP 500) goes through
pyvmomi's deserializer so it is raised as the usual vmodl fault.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http.client import HTTPException
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
from pyVmomi import SoapAdapter, VmomiSupport

VIM = "{urn:vim25}"


ENVELOPE_START = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope '
    'xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" '
    'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">\n'
    '<soapenv:Body><QueryPerf xmlns="urn:vim25">'
)
ENVELOPE_END = "</QueryPerf></soapenv:Body>\n</soapenv:Envelope>"


@dataclass(frozen=True)
class PerfSpec:
    """One PerfQuerySpec: an entity (type and id), counters (aggregate instance), period and range."""

    entity_type: str
    entity: str
    counter_ids: tuple[int, ...]
    interval: int
    start: datetime  # naive UTC, exclusive
    end: datetime  # naive UTC, inclusive
    max_sample: int


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def request_body(manager_type: str, manager_id: str, specs: Sequence[PerfSpec]) -> bytes:
    """The SOAP envelope of QueryPerf; element order follows the WSDL's PerfQuerySpec sequence."""
    parts = [ENVELOPE_START, f'<_this type="{escape(manager_type)}">{escape(manager_id)}</_this>']
    for spec in specs:
        metrics = "".join(f"<metricId><counterId>{int(k)}</counterId><instance></instance></metricId>"
                          for k in spec.counter_ids)
        parts.append(
            f'<querySpec><entity type="{escape(spec.entity_type)}">{escape(spec.entity)}</entity>'
            f"<startTime>{_iso(spec.start)}</startTime><endTime>{_iso(spec.end)}</endTime>"
            f"<maxSample>{int(spec.max_sample)}</maxSample>{metrics}"
            f"<intervalId>{int(spec.interval)}</intervalId><format>normal</format></querySpec>")
    parts.append(ENVELOPE_END)
    return "".join(parts).encode("utf-8")


@dataclass(frozen=True)
class EntitySeries:
    """One entity's samples: end times (naive UTC), periods, and values per counter id."""

    entity: str
    timestamps: np.ndarray  # datetime64[us]
    intervals: np.ndarray  # int64 seconds
    values: dict[int, np.ndarray]  # counter id -> float64 values (instance "" only)


def query_perf(perf_manager: Any, specs: Sequence[PerfSpec]) -> list[EntitySeries]:
    """Send one QueryPerf call over the manager's stub and parse the answer with ElementTree."""
    stub = perf_manager._stub
    info = VmomiSupport.GetVmodlType("vim.PerformanceManager")._GetMethodInfo("QueryStats")
    counter = getattr(stub, "ecs_call_counter", None)
    if counter is not None:
        counter.record(info.wsdlName, sum(len(spec.counter_ids) for spec in specs))
    request = request_body("PerformanceManager", perf_manager._moId, specs)
    return list(parse_response(_post(stub, info, request)))


def _post(stub: Any, info: Any, request: bytes) -> bytes:
    headers = {"Cookie": stub.cookie, "SOAPAction": stub.versionId,
               "Content-Type": f"text/xml; charset={SoapAdapter.XML_ENCODING}"}
    conn = stub.GetConnection()
    try:
        conn.request("POST", stub.path, request, headers)
        resp = conn.getresponse()
        body = resp.read()
    except (OSError, HTTPException):
        conn.close()
        stub.DropConnections()
        raise
    if resp.status == 500:
        stub.ReturnConnection(conn)
        fault = SoapAdapter.SoapResponseDeserializer(stub).Deserialize(io.BytesIO(body), info.result)
        raise fault
    if resp.status != 200:
        conn.close()
        raise HTTPException(f"{resp.status} {resp.reason}")
    stub.ReturnConnection(conn)
    return body


def _utc(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def parse_response(body: bytes) -> Iterator[EntitySeries]:
    """Entity series of a QueryPerfResponse document in the normal format."""
    root = ET.fromstring(body)
    response = root.find(f".//{VIM}QueryPerfResponse")
    if response is None:
        raise ValueError("not a QueryPerfResponse")
    for item in response.findall(f"{VIM}returnval"):
        entity = item.findtext(f"{VIM}entity", default="").strip()
        infos = item.findall(f"{VIM}sampleInfo")
        stamps = np.array([_utc(i.findtext(f"{VIM}timestamp", "")) for i in infos], dtype="datetime64[us]")
        intervals = np.array([int(i.findtext(f"{VIM}interval", "0")) for i in infos], dtype=np.int64)
        values: dict[int, np.ndarray] = {}
        for series in item.findall(f"{VIM}value"):
            ident = series.find(f"{VIM}id")
            if ident is None or (ident.findtext(f"{VIM}instance") or "") != "":
                continue
            key = int(ident.findtext(f"{VIM}counterId", "0"))
            raw = [v.text or "" for v in series.findall(f"{VIM}value")]
            values[key] = np.array(raw, dtype=np.float64) if raw else np.empty(0)
        yield EntitySeries(entity, stamps, intervals, values)
