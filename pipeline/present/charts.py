"""One small chart per series, drawn by matplotlib's SVG backend and made fit to sit inline in a page.

Why matplotlib and not hand-written SVG: axes, ticks and text layout are its job, done
well for decades. It is an optional extra (`pip install -e '.[report]'`): only this module
imports it, and only when a page is drawn, so ingesting never pays for it.

Every chart: a title, both axis labels, text kept as text (`svg.fonttype: none`), an SVG
`<title>` and `<desc>` (the values in words, for screen readers), ids made unique within
the page, and nothing that refers outside the page. A year with no value is a gap (NaN
breaks matplotlib's line) on a grey band marked "not printed", never a zero.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from html import escape

from pipeline.errors import EnvironmentProblem
from pipeline.present import finnish

INSTALL_HINT = "the trend page needs matplotlib: pip install -e '.[report]' (or pip install 'matplotlib>=3.8')"
LINE_COLOUR, GAP_COLOUR, POSITIVE, NEGATIVE = "#1f5fbf", "#eeeeee", "#1a7f37", "#cf222e"
SERIES_ID = "series"  # the gid of a chart's data (line or bars), prefixed like every id


def require_matplotlib() -> None:
    """Raise EnvironmentProblem (exit 3) with one line on what to install, before any work."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise EnvironmentProblem(INSTALL_HINT) from None


@dataclass(frozen=True)
class Series:
    """One chart's data: a value per year, None where nothing was printed."""

    key: str                    # unique within the page: becomes the prefix of every id
    title: str
    subject: str                # who the values are of (the unit, the association), for the description
    x_label: str
    y_label: str
    uom: str                    # metrics.csv unit of measure: '€', '%', or a count unit
    years: tuple[int, ...]
    values: tuple[float | None, ...]

    @property
    def missing_years(self) -> tuple[int, ...]:
        return tuple(y for y, v in zip(self.years, self.values) if _absent(v))

    def description(self) -> str:
        parts = [f"{y}: {finnish.by_unit(v, self.uom) if not _absent(v) else 'not printed'}"
                 for y, v in zip(self.years, self.values)]
        return f"{self.title} of {self.subject} by report year. " + "; ".join(parts) + "."


def _absent(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _scale(series: Series) -> tuple[float, str]:
    """(divisor, unit for the axis label): euros in thousands or millions once they are large."""
    top = max((abs(v) for v in series.values if not _absent(v)), default=0.0)
    if series.uom == "€" and top >= 1e6:
        return 1e6, "milj. €"
    if series.uom == "€" and top >= 1e4:
        return 1e3, f"1{finnish.NBSP}000 €"
    return 1.0, series.uom


def _figure(series: Series):  # -> (Figure, Axes, divisor)
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    divisor, unit = _scale(series)
    fig = Figure(figsize=(3.3, 2.3), dpi=72)
    ax = fig.subplots()
    ax.set_title(series.title, fontsize=10, loc="left", fontweight="bold")
    ax.set_xlabel(series.x_label, fontsize=8)
    ax.set_ylabel(f"{series.y_label} ({unit})" if unit else series.y_label, fontsize=8)
    ax.tick_params(labelsize=7.5)
    ax.set_xticks(list(series.years))
    ax.set_xticklabels([str(y) for y in series.years])
    ax.set_xlim(min(series.years) - 0.5, max(series.years) + 0.5)
    counts = series.uom not in ("€", "%")
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=counts))  # no 0,6 persons on a count axis
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: finnish.axis_tick(v)))
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for year in series.missing_years:
        ax.axvspan(year - 0.4, year + 0.4, color=GAP_COLOUR, zorder=0)
        ax.text(year, 0.5, "not printed", transform=ax.get_xaxis_transform(), rotation=90, ha="center",
                va="center", fontsize=7, color="#6e7781")
    return fig, ax, divisor


def _limits(ax, values: list[float], uom: str) -> None:
    """Zero in view for amounts and counts (a line from 0 does not exaggerate a change); 0-100 for percents."""
    low, high = min(values + [0.0]), max(values + [0.0])
    if uom == "%":
        high = max(high, 100.0)
    pad = (high - low) * 0.08 or 1.0
    ax.set_ylim(low - (pad if low < 0 else 0), high + pad)


def line_chart(series: Series) -> str:
    """The series as a line with a marker per printed year; a year not printed breaks the line."""
    fig, ax, divisor = _figure(series)
    values = [math.nan if _absent(v) else float(v) / divisor for v in series.values]
    (line,) = ax.plot(series.years, values, color=LINE_COLOUR, marker="o", markersize=4, linewidth=1.8)
    line.set_gid(SERIES_ID)
    _limits(ax, [v for v in values if not math.isnan(v)], series.uom)
    return _svg(fig, series)


def bar_chart(series: Series) -> str:
    """One bar per year (green above zero, red below); a year not printed has no bar."""
    fig, ax, divisor = _figure(series)
    shown = [(y, float(v) / divisor) for y, v in zip(series.years, series.values) if not _absent(v)]
    bars = ax.bar([y for y, _ in shown], [v for _, v in shown], width=0.6,
                  color=[POSITIVE if v >= 0 else NEGATIVE for _, v in shown])
    for (year, _), bar in zip(shown, bars):
        bar.set_gid(f"{SERIES_ID}-{year}")
    ax.axhline(0, color="#57606a", linewidth=0.8)
    _limits(ax, [v for _, v in shown], series.uom)
    return _svg(fig, series)


_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|href="#)([^")]+)')


def _svg(fig, series: Series) -> str:
    """The figure as an inline `<svg>`: no XML prolog or metadata, ids prefixed, title and desc first."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": series.key,
                                "font.family": "sans-serif",
                                "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial"]}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", pad_inches=0.06,
                    metadata={"Creator": None, "Date": None, "Format": None, "Type": None})
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    prefix = re.sub(r"[^a-z0-9-]", "-", series.key.lower())
    text = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', text)
    text = _REF.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", text)
    head_end = text.index(">") + 1
    opening = text[:head_end].replace(
        "<svg", f'<svg role="img" aria-labelledby="{prefix}-title {prefix}-desc"', 1)
    title = f'<title id="{prefix}-title">{escape(series.title)}: {escape(series.subject)}</title>'
    desc = f'<desc id="{prefix}-desc">{escape(series.description())}</desc>'
    return opening + title + desc + text[head_end:]
