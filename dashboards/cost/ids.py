"""Element ids of the cost-by-sector page (stable: the browser tests use them)."""

PAGE = "cost-page"
MONTH_SELECT = "month-select"
SECTOR_SELECT = "sector-select"
CHART = "cost-chart"
CHART_NOTE = "cost-chart-note"
SECTOR_TOTALS_TITLE = "sector-totals-title"
SECTOR_TOTALS = "sector-totals"
COMPUTED_AT = "computed-at"
NAMESPACE_TITLE = "namespace-title"
NAMESPACE_TABLE = "namespace-table"
EMPTY = "empty-warehouse"
ERROR = "warehouse-error"

# Pattern-matching id type of the clickable sector rows: {"type": SECTOR_ROW, "sector": "<id>"}.
SECTOR_ROW = "sector-row"
