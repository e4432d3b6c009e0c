"""The chart of `qcomp report`: graphwise and layerwise SNR per layer, flagged layers marked.

Needs matplotlib (`pip install 'qcomp[plot]'`); `chart_png` raises `ChartUnavailable`
with the install hint when it is missing.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from qcomp.layer_report import LayerRow, snr_db

INSTALL_HINT = "matplotlib is not installed: pip install 'qcomp[plot]' (or pip install matplotlib) for the chart"
#: the y value drawn for an exact layer (no error), above every measured one
EXACT_DB = 80.0


class ChartUnavailable(Exception):
    pass


def _db(ratio: float) -> float:
    db = snr_db(ratio)
    return EXACT_DB if db is None else max(db, -10.0)


def chart_png(rows: Sequence[LayerRow], threshold: float, title: str) -> bytes:
    """The chart as PNG bytes (Agg backend: no display needed)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot as plt
    except ImportError:
        raise ChartUnavailable(INSTALL_HINT) from None
    xs = list(range(len(rows)))
    fig, ax = plt.subplots(figsize=(max(6.0, 0.25 * len(rows) + 2.0), 4.5), dpi=100)
    ax.plot(xs, [_db(r.graphwise) for r in rows], marker="o", ms=3, label="graphwise SNR")
    ax.plot(xs, [_db(r.layerwise) for r in rows], marker="s", ms=3, label="layerwise SNR")
    flagged = [i for i, r in enumerate(rows) if r.flagged]
    if flagged:
        ax.scatter(flagged, [_db(rows[i].layerwise) for i in flagged], s=90, facecolors="none",
                   edgecolors="red", linewidths=1.5, zorder=3, label="flagged (layerwise)")
    t_db = snr_db(threshold)
    if t_db is not None:
        ax.axhline(t_db, color="red", ls="--", lw=0.8, label=f"threshold {threshold:g} ({t_db:.0f} dB)")
    step = max(1, len(rows) // 60)  # at most ~60 labels
    ax.set_xticks(xs[::step])
    ax.set_xticklabels([rows[i].node for i in xs[::step]], rotation=90, fontsize=6)
    ax.set_ylabel("SNR dB (signal / quantization noise)")
    ax.set_xlabel("layer, in execution order")
    ax.set_title(f"{title} (exact layers drawn at {EXACT_DB:.0f} dB)", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()
