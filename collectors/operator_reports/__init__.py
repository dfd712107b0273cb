"""Import of the Cost Management Metrics Operator's CSV reports into hourly facts."""

from collectors.operator_reports.collector import SOURCE, OperatorReportsImport
from collectors.operator_reports.parse import Report, parse_report

__all__ = ["SOURCE", "OperatorReportsImport", "Report", "parse_report"]
