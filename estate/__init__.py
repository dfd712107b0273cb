"""The simulated ECS estate: a seeded, deterministic source of dimensions and hourly facts.

It is the demo's embedded source (``SyntheticSource``), the data tests load into real Prometheus
and Elasticsearch servers, and the ground truth (``SyntheticEstate.truth``) that computed numbers
are checked against.
"""

from estate.entities import Incident
from estate.estate import SyntheticEstate
from estate.profiles import EstateConfig
from estate.source import SyntheticSource
from estate.truth import EstateTruth

__all__ = ["EstateConfig", "EstateTruth", "Incident", "SyntheticEstate", "SyntheticSource"]
