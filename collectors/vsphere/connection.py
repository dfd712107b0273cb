"""Logging in to a vCenter with pyvmomi, with TLS verified and every SOAP round trip counted.

The collector takes a ``Connect`` callable, so tests and benchmarks can hand it sessions to a
simulated vCenter (or count calls) without changing how the collector works.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pyVim.connect import Connect as LoginConnect
from pyVim.connect import Disconnect
from pyVmomi import vim, vmodl
from pyVmomi.VmomiSupport import GetServiceVersions, versionIdMap

from collectors.vsphere.config import VCenterConfig
from common.errors import InsightError, PermanentError, TransientError


@dataclass
class CallCounter:
    """SOAP calls made on one session, by method name (a property fetch counts as one)."""

    by_method: Counter[str] = field(default_factory=Counter)
    query_metrics: list[int] = field(default_factory=list)  # entity-metrics of each QueryPerf call

    def record(self, method: str, metrics: int | None = None) -> None:
        self.by_method[method] += 1
        if metrics is not None:
            self.query_metrics.append(metrics)

    @property
    def total(self) -> int:
        return sum(self.by_method.values())


@dataclass
class VCenterSession:
    """A logged-in vCenter: its ServiceContent, the calls made so far, and how to log out."""

    name: str
    content: Any  # vim.ServiceContent
    calls: CallCounter
    close: Callable[[], None]


Connect = Callable[[VCenterConfig, float], VCenterSession]


def ssl_context(vc: VCenterConfig) -> ssl.SSLContext:
    """Verifying by default (system store or ``ca_bundle``); unverified only when the config says so.

    A context is always passed to pyvmomi: given none, pyvmomi skips verification for loopback hosts.
    """
    if not vc.verify_tls:
        return ssl._create_unverified_context()
    try:
        return ssl.create_default_context(cafile=str(vc.ca_bundle) if vc.ca_bundle else None)
    except (OSError, ssl.SSLError) as exc:
        raise PermanentError(f"CA bundle cannot be read: {exc}", vcenter=vc.name, field="ca_bundle") from None


def count_calls(stub: Any) -> CallCounter:
    """Wrap the stub's InvokeMethod so every SOAP request is counted by method name.

    QueryPerf calls that bypass InvokeMethod (perf_wire) record themselves on ``ecs_call_counter``.
    """
    counter = CallCounter()
    invoke = stub.InvokeMethod

    def counted(mo: Any, info: Any, args: Any, *rest: Any, **kw: Any) -> Any:
        counter.record(info.wsdlName)
        return invoke(mo, info, args, *rest, **kw)

    stub.InvokeMethod = counted
    stub.ecs_call_counter = counter
    return counter


def api_version(vc: VCenterConfig, context: ssl.SSLContext, timeout_seconds: float) -> str:
    """The newest vim25 API version both pyvmomi and the vCenter speak, from its vimServiceVersions.xml.

    pyvmomi's SmartConnect asks for that document without a timeout, so a vCenter that accepts
    connections but never answers would hang the collector; this request has one.
    """
    conn = http.client.HTTPSConnection(vc.host, vc.port, context=context, timeout=timeout_seconds)
    try:
        conn.request("GET", "/sdk/vimServiceVersions.xml")
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    if resp.status != 200:
        raise TransientError(f"vimServiceVersions.xml answered HTTP {resp.status}", vcenter=vc.name)
    supported: set[str] = set()
    for namespace in ET.fromstring(body).findall("namespace"):
        if namespace.findtext("name") in (None, "urn:vim25"):
            supported.add(namespace.findtext("version") or "")
            supported.update(v.text or "" for v in namespace.findall("priorVersions/version"))
    for version in GetServiceVersions("vim25"):  # newest first
        if versionIdMap.get(version) in supported:
            return version
    raise PermanentError(f"no vSphere API version in common (server offers {sorted(supported)})", vcenter=vc.name)


def connect(vc: VCenterConfig, timeout_seconds: float) -> VCenterSession:
    """Log in to ``vc``; TransientError when it cannot be reached, PermanentError when it refuses us."""
    try:
        context = ssl_context(vc)
        si = LoginConnect(host=vc.host, port=vc.port, user=vc.username, pwd=vc.password.get_secret_value(),
                          adapter="SOAP", version=api_version(vc, context, timeout_seconds), sslContext=context,
                          httpConnectionTimeout=timeout_seconds)
    except Exception as exc:
        raise as_insight_error(exc, vc.name) from None
    counter = count_calls(si._stub)

    def close() -> None:
        with contextlib.suppress(Exception):  # logging out of a vCenter that went away is not an error
            Disconnect(si)

    return VCenterSession(vc.name, si.RetrieveContent(), counter, close)


def as_insight_error(exc: BaseException, vcenter: str) -> InsightError:
    """Classify a pyvmomi/network failure: retrying helps for the network, not for refusals."""
    if isinstance(exc, InsightError):
        return exc
    if isinstance(exc, ssl.SSLCertVerificationError):
        return PermanentError(f"TLS certificate not trusted: {exc.verify_message}; give the CA in ca_bundle",
                              vcenter=vcenter)
    if isinstance(exc, vim.fault.InvalidLogin):
        return PermanentError("login refused: wrong user name or password", vcenter=vcenter)
    if isinstance(exc, vim.fault.NoPermission):
        return PermanentError(f"permission missing: {exc.privilegeId}", vcenter=vcenter)
    if isinstance(exc, OSError | http.client.HTTPException | socket.timeout | ssl.SSLError):
        return TransientError(f"vCenter unreachable: {type(exc).__name__}: {exc}", vcenter=vcenter)
    if isinstance(exc, vmodl.MethodFault):
        return TransientError(f"vCenter fault: {type(exc).__name__}: {exc.msg or exc}", vcenter=vcenter)
    # Anything else is not the vCenter's or the network's doing (a defect, bad data): retrying repeats it.
    return PermanentError(f"collecting the vCenter failed: {type(exc).__name__}: {exc}", vcenter=vcenter)
