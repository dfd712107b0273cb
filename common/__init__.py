"""Leaf package shared by every layer: the root error type and UTC window arithmetic.

It imports no other project package, so any layer may use it without breaking the dependency
direction.
"""
