"""The nightly report: one self-contained HTML file (inline SVG, inline CSS, no script,
nothing from the network) read from the published mart. `figures` reads, `svg` draws,
`page` assembles, `build` writes `published/report/index.html`."""

from klantwaarde.report.build import build_report

__all__ = ["build_report"]
