"""Real servers on loopback for tests and benchmarks: PostgreSQL, Prometheus, noida-db, vcsim and TCP proxies.

Every server binds 127.0.0.1 on a port chosen at run time, reports readiness failures with the tail of its
log, and is stopped by PID (its process group). ``testbed.formats`` writes the estate's batches in
those servers' formats (OpenMetrics, Elasticsearch bulk NDJSON). Only ``common`` and ``estate`` may
be imported from the project.
"""
