"""Plotly figures of the cost page."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from common.names import UNALLOCATED
from dashboards.formatting import currency_label, money, money_sum, short_month_label

UNALLOCATED_COLOUR = "#9aa0a6"
_PALETTE = qualitative.Safe + qualitative.Vivid


@dataclass(frozen=True)
class ChartResult:
    figure: go.Figure
    # Currencies present in the data but left out of the chart (one currency per axis).
    omitted_currencies: list[str] = field(default_factory=list)


def sector_colours(sector_ids: list[str]) -> dict[str, str]:
    """A stable colour per sector: assigned in sorted-id order, grey for unallocated cost."""
    colours: dict[str, str] = {}
    palette_index = 0
    for sid in sorted(set(sector_ids)):
        if sid == UNALLOCATED:
            colours[sid] = UNALLOCATED_COLOUR
        else:
            colours[sid] = _PALETTE[palette_index % len(_PALETTE)]
            palette_index += 1
    return colours


def cost_by_sector_chart(
    frame: pd.DataFrame, months: list[str], selected_month: str | None, currency_display: str
) -> ChartResult:
    """Stacked bars of total cost per month, one trace per sector, largest sector at the bottom.

    ``frame`` has the columns of :func:`warehouse.queries.cost_by_sector_month`. Bars carry
    ``customdata = [sector_id, month]`` so a click selects that sector and month. When the rows
    hold several currencies, the chart shows the currency of most rows and
    reports the others as omitted.
    """
    currencies = frame["currency"].value_counts()
    currency = str(currencies.index[0]) if len(currencies) else ""
    omitted = sorted(str(c) for c in currencies.index[1:])
    data = frame[frame["currency"] == currency]

    labels = [short_month_label(m) for m in months]
    colours = sector_colours(list(data["sector_id"].unique()))
    overall = {
        sid: money_sum(part["total_cost"]) for sid, part in data.groupby("sector_id", sort=True)
    }
    order = sorted(overall, key=lambda sid: (-overall[sid], sid))
    unit = currency_label(currency, currency_display) if currency else ""

    fig = go.Figure()
    for sid in order:
        part = data[data["sector_id"] == sid].set_index("month")
        name = str(part["sector_name"].iloc[0])
        amounts = [part["total_cost"].get(m) for m in months]
        fig.add_trace(go.Bar(
            name=name,
            x=labels,
            y=[float(a) if a is not None else None for a in amounts],
            customdata=[[sid, m, money(a)] for m, a in zip(months, amounts, strict=True)],
            marker_color=colours[sid],
            hovertemplate=f"<b>{name}</b><br>%{{x}}: %{{customdata[2]}} {unit}<extra></extra>",
        ))

    # The month's total above each stack, exact to the cent.
    annotations = []
    for m, label in zip(months, labels, strict=True):
        month_total = money_sum(data.loc[data["month"] == m, "total_cost"])
        if month_total:
            annotations.append(dict(x=label, y=float(month_total), text=money(month_total),
                                    showarrow=False, yanchor="bottom", yshift=2,
                                    font=dict(size=12, color="#1f2937")))

    shapes = []
    if selected_month in months:
        i = months.index(selected_month)
        shapes.append(dict(type="rect", xref="x", yref="paper", x0=i - 0.5, x1=i + 0.5, y0=0, y1=1,
                           fillcolor="rgba(11, 37, 69, 0.07)", line_width=0, layer="below"))
    fig.update_layout(
        barmode="stack",
        template="plotly_white",
        height=380,
        margin=dict(l=70, r=20, t=40, b=40),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, title_text="",
                    traceorder="normal"),
        xaxis=dict(type="category", categoryorder="array", categoryarray=labels, title_text=""),
        yaxis=dict(title_text=f"Total cost ({unit})" if unit else "Total cost", tickformat=",.0f",
                   rangemode="tozero"),
        hoverlabel=dict(align="left"),
        shapes=shapes,
        annotations=annotations,
        clickmode="event",
        font=dict(family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"),
    )
    return ChartResult(fig, omitted)
