"""The simulated ECS estate: a seeded, deterministic source of dimensions and hourly facts.

It is the demo's embedded source, the data tests load into real Prometheus and Elasticsearch
servers, and the ground truth (``SyntheticEstate.truth``) that computed numbers are checked against.
"""

from collectors.synthetic.entities import Incident
from collectors.synthetic.estate import SyntheticEstate
from collectors.synthetic.profiles import EstateConfig
from collectors.synthetic.truth import EstateTruth

__all__ = ["EstateConfig", "EstateTruth", "Incident", "SyntheticEstate"]
