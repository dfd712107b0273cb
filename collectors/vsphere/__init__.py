"""vSphere: inventory and hourly performance facts of vCenters, through pyvmomi.

``VSphereConfig`` (collectors.vsphere.config) is importable without pyvmomi; the collector itself
lives in ``collectors.vsphere.collector``.
"""
