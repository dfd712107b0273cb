"""One registry of renderers keyed by format name: ``render(report, format, output)``.

The built-in formats are table (rich), csv, json and xlsx; a module that adds one (html, pdf) decorates
its functions with ``register(format, report_type)`` and is imported here.
"""

from reports.render import csv, json, table, xlsx  # noqa: F401  (each registers its renderers)
from reports.render.registry import Output, formats, is_binary, register, render

__all__ = ["Output", "formats", "is_binary", "register", "render"]
