"""Inline SVG charts: no script, no fonts or images from anywhere."""

from __future__ import annotations

from html import escape

WIDTH, HEIGHT, PAD = 560, 260, 40
# the width a mark's label ('peak 1234%') takes at font-size 11, with room to spare
MARK_LABEL_WIDTH = 70
COLORS = ("#1f6f8b", "#99a8b2", "#e6a157", "#6a994e", "#bc4749", "#7b2cbf", "#588157", "#adb5bd")


def _frame(body: str, name: str, width: int = WIDTH, height: int = HEIGHT) -> str:
    return (
        f'<svg class="chart" data-chart="{name}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(name)}" '
        f'xmlns="http://www.w3.org/2000/svg">{body}</svg>'
    )


def line_chart(
    points: list[tuple[float, float]],
    name: str,
    mark: tuple[float, float] | None = None,
    second: tuple[str, str, list[tuple[float, float]]] | None = None,
) -> str:
    """x and y as shares (0..1 for x; y may exceed 1 or go below 0), with the y = 0 line.
    `second`: (label of the first line, label of the second, its points), drawn beside."""
    if not points:
        points = [(0.0, 0.0)]
    ys = [y for _, y in points] + [0.0, 1.0] + [y for _, y in (second[2] if second else [])]
    low, high = min(ys), max(ys)
    span = (high - low) or 1.0

    def xy(x: float, y: float) -> tuple[float, float]:
        return (
            PAD + x * (WIDTH - 2 * PAD),
            HEIGHT - PAD - (y - low) / span * (HEIGHT - 2 * PAD),
        )

    def path(line: list[tuple[float, float]]) -> str:
        """The SVG path from the origin through the points of `line`."""
        scaled = [xy(x, y) for x, y in [(0.0, 0.0), *line]]
        return " ".join(f"{'L' if i else 'M'}{a:.1f},{b:.1f}" for i, (a, b) in enumerate(scaled))

    zx0, zy = xy(0, 0)
    zx1, _ = xy(1, 0)
    hx0, hy = xy(0, 1)
    body = [
        f'<line x1="{zx0:.1f}" y1="{zy:.1f}" x2="{zx1:.1f}" y2="{zy:.1f}" stroke="#999"/>',
        f'<line x1="{hx0:.1f}" y1="{hy:.1f}" x2="{zx1:.1f}" y2="{hy:.1f}" stroke="#ccc" '
        'stroke-dasharray="4 3"/>',
        f'<path d="{path(points)}" fill="none" stroke="{COLORS[0]}" stroke-width="2.5"/>',
        f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="11">customers ranked by contribution '
        "→ 100%</text>",
        f'<text x="4" y="{hy - 4:.1f}" font-size="11">100%</text>',
    ]
    if second:
        first_label, second_label, other = second
        body += [
            f'<path d="{path(other)}" fill="none" stroke="{COLORS[2]}" stroke-width="2.5" '
            'stroke-dasharray="6 3"/>',
            f'<text x="{WIDTH - PAD - 170}" y="{HEIGHT - PAD - 22}" font-size="11" '
            f'fill="{COLORS[0]}">━ {escape(first_label)}</text>',
            f'<text x="{WIDTH - PAD - 170}" y="{HEIGHT - PAD - 8}" font-size="11" '
            f'fill="{COLORS[2]}">┅ {escape(second_label)}</text>',
        ]
    if mark:
        mx, my = xy(*mark)
        body.append(f'<circle cx="{mx:.1f}" cy="{my:.1f}" r="5" fill="{COLORS[4]}"/>')
        # beside the mark, on the side and at the height where the label stays inside
        right = mx + 8 + MARK_LABEL_WIDTH <= WIDTH
        tx, anchor = (mx + 8, "start") if right else (mx - 8, "end")
        ty = my - 6 if my - 6 >= 12 else my + 16
        body.append(
            f'<text x="{tx:.1f}" y="{ty:.1f}" font-size="11" text-anchor="{anchor}">'
            f"peak {mark[1]:.0%}</text>"
        )
    return _frame("".join(body), name)


def bars(items: list[tuple[str, float]], name: str, signed: bool = True) -> str:
    """Horizontal bars, one per (label, value); negative values to the left of the axis."""
    height = max(60, 26 * len(items) + 20)
    values = [v for _, v in items] or [0.0]
    low, high = min(0.0, *values), max(0.0, *values)
    span = (high - low) or 1.0
    left, right = 150, WIDTH - 70
    zero = left + (0 - low) / span * (right - left)
    body = [f'<line x1="{zero:.1f}" y1="6" x2="{zero:.1f}" y2="{height - 6}" stroke="#999"/>']
    for i, (label, value) in enumerate(items):
        y = 10 + 26 * i
        x = left + (min(value, 0) - low) / span * (right - left)
        w = abs(value) / span * (right - left)
        color = COLORS[4] if value < 0 and signed else COLORS[i % 3]
        body.append(
            f'<text x="4" y="{y + 14}" font-size="12">{escape(label)}</text>'
            f'<rect x="{x:.1f}" y="{y}" width="{max(w, 1):.1f}" height="18" fill="{color}"/>'
        )
    return _frame("".join(body), name, WIDTH, height)


def pyramid(levels: list[tuple[str, int]], name: str) -> str:
    """Curry's pyramid: top at the apex, widths by customer count (log-free, at least a
    sliver so that the small top stays visible)."""
    height = 40 * len(levels) + 10
    most = max((n for _, n in levels), default=1) or 1
    body = []
    for i, (label, count) in enumerate(levels):
        y = 5 + 40 * i
        w = max(30.0, (WIDTH - 200) * (0.25 + 0.75 * count / most))
        x = (WIDTH - 200 - w) / 2 + 10
        body.append(
            f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="34" fill="{COLORS[i % 8]}"/>'
            f'<text x="{WIDTH - 180}" y="{y + 22}" font-size="12">{escape(label)}: '
            f"{count}</text>"
        )
    return _frame("".join(body), name, WIDTH, height)


def histogram(values: list[float], name: str, bins: int = 20) -> str:
    if not values:
        values = [0.0]
    low, high = min(values), max(values)
    width = (high - low) / bins or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(int((v - low) / width), bins - 1)] += 1
    most = max(counts) or 1
    bar = (WIDTH - 2 * PAD) / bins
    body = []
    for i, c in enumerate(counts):
        h = c / most * (HEIGHT - 2 * PAD)
        left_edge = low + i * width
        color = COLORS[4] if left_edge + width <= 0 else COLORS[0]
        body.append(
            f'<rect x="{PAD + i * bar:.1f}" y="{HEIGHT - PAD - h:.1f}" width="{bar - 2:.1f}" '
            f'height="{max(h, 0.5):.1f}" fill="{color}"/>'
        )
    body.append(
        f'<text x="{PAD}" y="{HEIGHT - 10}" font-size="11">{low:,.0f} EUR</text>'
        f'<text x="{WIDTH - PAD - 90}" y="{HEIGHT - 10}" font-size="11">{high:,.0f} EUR</text>'
    )
    return _frame("".join(body), name)
