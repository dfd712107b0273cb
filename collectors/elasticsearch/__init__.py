"""Elasticsearch logs: log volume per cluster, namespace and hour, and log-based SLIs per 5 minutes.

``collector.make_collector(config)`` builds the client from the settings; tests and callers with their
own client pass ``client=`` (any ``elasticsearch.Elasticsearch``, e.g. one pointed at a test server).
The package itself imports nothing, so reading the settings (``config``) does not load the client
library.
"""
