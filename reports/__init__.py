"""What a person reads: typed report builders and one registry of renderers.

Builders turn a stored statement (``chargeback.stored.StoredStatement``) or warehouse query results
into small typed report objects (``reports.statement``, ``reports.notes``, ``reports.restatement``,
``reports.sectors``). ``reports.render.render(report, format, output)`` writes any of them in a
registered format (table, csv, json, xlsx); the CLI and the app's downloads call the same two.
"""
