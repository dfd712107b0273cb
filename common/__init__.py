"""Leaf package shared by every layer: the root error type, UTC window arithmetic, the names every
layer spells alike (common.names) and a registry of named implementations.

It imports no other project package, so any layer may use it without breaking the dependency
direction.
"""
