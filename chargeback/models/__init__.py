"""Cost models by name: the protocol, the registry, and the models that ship (importing this package
registers them).

- ``pools``: cluster cost pools shared out over namespaces (:mod:`chargeback.models.pools`);
- ``rate_card``: rates per unit (:mod:`chargeback.models.rate_card`);
- ``flat``: one rate per effective core-hour and GiB-hour, results only (:mod:`chargeback.models.flat`).
"""

from __future__ import annotations

from chargeback.models import flat, pools, rate_card
from chargeback.models.base import CostModel, Priced, get_model, model_names, register

BUILT_IN = (pools.MODEL, rate_card.MODEL, flat.MODEL)

__all__ = ["BUILT_IN", "CostModel", "Priced", "get_model", "model_names", "register"]
