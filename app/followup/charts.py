"""The geometry of the trend charts; templates/followup/charts/ draws them as inline SVG.

Everything is computed on the server and drawn with SVG presentation attributes (x, y,
width, fill), so the charts need no script and no style attribute: they work under the
strict CSP, in print and without network. Sizes are in the SVG's own units; the viewBox
scales the picture to the column it stands in.
"""

import math

# Colours for the series, in order, with enough contrast on white (and in grey print).
PALETTE = ("#154273", "#e17000", "#a30000", "#4f9a2b")
WIDTH = 440  # a phone shows it at about 0.75, a laptop's column at about 1.4


def nice_top(value: float) -> int:
    """Return a round number at or above value for the top of an axis (at least 1)."""
    if value <= 1:
        return 1
    step = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 2.5, 5, 10):
        if value <= factor * step:
            return int(math.ceil(factor * step))
    return int(10 * step)


def _ticks(top: int, y0: float, height: float) -> list[dict]:
    """Return evenly spaced whole-number gridlines from 0 to the top of the axis."""
    count = next(n for n in (4, 5, 2, 1) if top % n == 0)
    values = [top * i // count for i in range(count + 1)]
    return [{"y": y0 + height - height * v / top, "label": v} for v in values]


def stacked(labels: list[str], series: list[tuple[str, list[int]]], height: int = 240) -> dict:
    """Lay out stacked bars: one bar per label, one segment per series."""
    left, bottom, top_pad = 30, 30, 20  # room above the tallest bar for its total
    plot_w, plot_h = WIDTH - left - 8, height - bottom - top_pad
    totals = [sum(values[i] for _name, values in series) for i in range(len(labels))]
    top = nice_top(max(totals, default=0))
    slot = plot_w / max(1, len(labels))
    bars = []
    for i, label in enumerate(labels):
        y, segments = top_pad + plot_h, []
        for s, (name, values) in enumerate(series):
            h = plot_h * values[i] / top
            y -= h
            if values[i]:
                segments.append(
                    {"y": y, "h": h, "fill": PALETTE[s % 4], "value": values[i], "name": name}
                )
        bars.append(
            {
                "x": left + i * slot + slot * 0.15,
                "w": slot * 0.7,
                "mid": left + i * slot + slot / 2,
                "label": label,
                "total": totals[i],
                "segments": segments,
            }
        )
    return {
        "width": WIDTH,
        "height": height,
        "left": left,
        "base": top_pad + plot_h,
        "bars": bars,
        "ticks": _ticks(top, top_pad, plot_h),
        "legend": [{"name": name, "fill": PALETTE[s % 4]} for s, (name, _v) in enumerate(series)],
    }


def grouped_percent(labels: list[str], series: list[tuple[str, list[float | None]]]) -> dict:
    """Lay out side-by-side bars of percentages (None: nothing to measure that month)."""
    height, left, bottom, top_pad = 220, 44, 30, 10
    plot_w, plot_h = WIDTH - left - 8, height - bottom - top_pad
    slot = plot_w / max(1, len(labels))
    width = slot * 0.8 / max(1, len(series))
    groups = []
    for i, label in enumerate(labels):
        bars = []
        for s, (name, values) in enumerate(series):
            value = values[i]
            h = 0 if value is None else plot_h * value / 100
            x = left + i * slot + slot * 0.1 + s * width
            bars.append(
                {"x": x, "w": width * 0.9, "y": top_pad + plot_h - h, "h": h, "value": value}
                | {"fill": PALETTE[s % 4], "name": name}
            )
        groups.append({"mid": left + i * slot + slot / 2, "label": label, "bars": bars})
    ticks = [{"y": top_pad + plot_h - plot_h * v / 100, "label": f"{v}%"} for v in (0, 50, 100)]
    return {
        "width": WIDTH,
        "height": height,
        "left": left,
        "base": top_pad + plot_h,
        "groups": groups,
        "ticks": ticks,
        "legend": [{"name": name, "fill": PALETTE[s % 4]} for s, (name, _v) in enumerate(series)],
    }


def hbars(rows: list[tuple[str, int]], label_width: int = 180) -> dict:
    """Lay out horizontal bars, one per (label, count), largest first."""
    rows = sorted(rows, key=lambda row: -row[1])
    row_h, top_pad = 26, 4
    top = max((count for _label, count in rows), default=0) or 1
    plot_w = WIDTH - label_width - 36
    return {
        "width": WIDTH,
        "height": top_pad * 2 + row_h * max(1, len(rows)),
        "label_x": label_width - 6,
        "rows": [
            {
                "label": label,
                "value": count,
                "x": label_width,
                "y": top_pad + i * row_h + 3,
                "h": row_h - 6,
                "w": plot_w * count / top,
                "text_y": top_pad + i * row_h + row_h / 2 + 5,
            }
            for i, (label, count) in enumerate(rows)
        ],
    }


def heatmap(days: list[str], counts: list[list[int]]) -> dict:
    """Lay out a weekday × hour grid; darker cells hold more incidents."""
    cell, left, top_pad = 16, 30, 18
    top = max((max(row) for row in counts), default=0) or 1
    cells = []
    for d, row in enumerate(counts):
        for h, count in enumerate(row):
            cells.append(
                {
                    "x": left + h * cell,
                    "y": top_pad + d * cell,
                    "count": count,
                    "day": days[d],
                    "hour": h,
                    "fill": PALETTE[0] if count else "#eeeeee",
                    "opacity": round(0.15 + 0.85 * count / top, 2) if count else 1,
                }
            )
    return {
        "width": left + 24 * cell + 4,
        "height": top_pad + 7 * cell + 4,
        "cell": cell,
        "rows": [
            {"label": day, "y": top_pad + d * cell + cell / 2 + 4} for d, day in enumerate(days)
        ],
        "hours": [{"x": left + h * cell + cell / 2, "label": f"{h:02d}"} for h in range(0, 24, 3)],
        "cells": cells,
        "max": top,
    }
