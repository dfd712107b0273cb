"""Other systems' formats written from the estate's batches, to fill the test servers.

``openmetrics`` writes the series an OpenShift cluster's Prometheus holds (for ``promtool``
backfill); ``ndjson`` writes container logs and ``access_logs`` request logs as Elasticsearch bulk
NDJSON. The writers read batches through ``batches.FactBatch``, so they need nothing of the
collectors.
"""
