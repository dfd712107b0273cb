"""Fixed vocabulary of the simulated estate: sectors, applications, platform workloads, classes."""

from __future__ import annotations

from dataclasses import dataclass

# Namespace label keys the estate's tenants set (the loading job maps namespaces through them).
LABEL_SECTOR = "ecs/sector"
LABEL_APPLICATION = "ecs/application"
LABEL_COST_CENTRE = "ecs/cost-centre"


@dataclass(frozen=True)
class SectorInfo:
    sector_id: str
    name: str
    cost_centre: str
    utc_offset: int  # hours; shifts the business-day peak of the sector's workloads
    monthly_growth: float  # demand growth per 30 days, e.g. 0.06 = 6 %


SECTORS: dict[str, SectorInfo] = {
    s.sector_id: s
    for s in (
        SectorInfo("CTI", "Technology Infrastructure", "CC-1000", 0, 0.03),
        SectorInfo("ICG", "Institutional Clients Group", "CC-2000", -5, 0.07),
        SectorInfo("PBWM", "Personal Banking and Wealth Management", "CC-3000", -5, 0.01),
        SectorInfo("GFTS", "Global Functions Technology", "CC-4000", 1, 0.10),
        SectorInfo("TTS", "Treasury and Trade Solutions", "CC-5000", -5, 0.05),
        SectorInfo("MKTS", "Markets", "CC-6000", 0, 0.08),
        SectorInfo("RISK", "Risk Management", "CC-7000", -5, 0.02),
        SectorInfo("FIN", "Finance", "CC-7100", 0, 0.00),
        SectorInfo("HR", "Human Resources", "CC-7200", -5, -0.01),
        SectorInfo("LGL", "Legal and Compliance", "CC-7300", 1, 0.02),
        SectorInfo("OPS", "Operations and Technology", "CC-7400", 5, 0.04),
        SectorInfo("AUD", "Internal Audit", "CC-7500", 0, 0.01),
    )
}

APPLICATIONS: tuple[str, ...] = (
    "payments", "ledger", "pricing", "risk-engine", "onboarding", "kyc", "trade-capture", "settlement",
    "reporting", "fx-rates", "cards", "loans", "mortgages", "wealth-portal", "advisory", "statements",
    "fraud", "aml", "treasury", "liquidity", "collateral", "margin", "market-data", "order-router",
    "client-portal", "notifications", "identity", "document-store", "billing", "reconciliation",
    "analytics", "data-lake", "workflow", "case-mgmt", "crm", "hr-portal", "payroll", "audit-trail",
    "gl-feed", "forecasting",
)
ENVIRONMENTS: tuple[str, ...] = ("prod", "uat", "dev", "sit")

DEPLOYMENT_COMPONENTS: tuple[str, ...] = (
    "api", "web", "worker", "gateway", "ui", "auth", "batch", "scheduler", "consumer", "adapter",
    "processor", "export", "search", "rules",
)
STATEFUL_COMPONENTS: tuple[str, ...] = ("db", "cache", "kafka", "postgres", "redis", "mq", "zookeeper")

SIDECARS: tuple[str, ...] = ("istio-proxy", "oauth-proxy", "log-shipper")

STORAGE_CLASSES: tuple[str, ...] = ("thin-csi", "ocs-storagecluster-ceph-rbd", "ocs-storagecluster-cephfs")

SIZING_CLASSES: tuple[str, ...] = ("over", "right", "under")


@dataclass(frozen=True)
class PlatformWorkload:
    namespace: str
    name: str
    kind: str
    replicas: int
    cpu_request: float  # cores
    memory_request_mib: int
    pvc_gib: int  # 0: no volume claim
    core: bool  # kept in the minimal (tiny) platform


PLATFORM_NAMESPACES: tuple[str, ...] = (
    "openshift-monitoring", "openshift-ingress", "openshift-logging", "openshift-console",
    "openshift-image-registry", "kube-system",
)
MINIMAL_PLATFORM_NAMESPACES: tuple[str, ...] = (
    "openshift-monitoring", "openshift-ingress", "openshift-logging", "kube-system",
)

PLATFORM_WORKLOADS: tuple[PlatformWorkload, ...] = (
    PlatformWorkload("openshift-monitoring", "prometheus-k8s", "StatefulSet", 2, 1.0, 4096, 100, True),
    PlatformWorkload("openshift-monitoring", "alertmanager-main", "StatefulSet", 2, 0.1, 256, 10, False),
    PlatformWorkload("openshift-monitoring", "thanos-querier", "Deployment", 2, 0.1, 512, 0, False),
    PlatformWorkload("openshift-monitoring", "kube-state-metrics", "Deployment", 1, 0.05, 256, 0, False),
    PlatformWorkload("openshift-monitoring", "prometheus-operator", "Deployment", 1, 0.05, 256, 0, False),
    PlatformWorkload("openshift-ingress", "router-default", "Deployment", 2, 0.2, 512, 0, True),
    PlatformWorkload("openshift-logging", "cluster-logging-operator", "Deployment", 1, 0.05, 256, 0, False),
    PlatformWorkload("openshift-logging", "logging-loki-ingester", "StatefulSet", 2, 0.5, 2048, 50, True),
    PlatformWorkload("openshift-logging", "logging-loki-querier", "Deployment", 2, 0.2, 1024, 0, False),
    PlatformWorkload("openshift-console", "console", "Deployment", 2, 0.01, 128, 0, False),
    PlatformWorkload("openshift-console", "downloads", "Deployment", 2, 0.01, 64, 0, False),
    PlatformWorkload("openshift-image-registry", "image-registry", "Deployment", 2, 0.1, 512, 0, False),
)
