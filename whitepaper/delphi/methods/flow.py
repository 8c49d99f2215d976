"""The participant flow through the rounds as an inline SVG: per round, the members invited, those who answered
and those of them who answered the next round, each a box with its number written as text (so that it can be
read, searched and extracted from the PDF)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from markupsafe import Markup, escape

BOX_W, BOX_H, GAP_X, ROW_H, LEFT = 190, 46, 40, 66, 8


@dataclass(frozen=True)
class FlowStep:
    title: str                  # "Round 1 (open round)"
    invited: int
    answered: int
    answered_next: Optional[int]


@dataclass(frozen=True)
class FlowLabels:
    invited: str
    answered: str
    next: str
    description: str


def _box(x: int, y: int, label: str, value: int, cls: str) -> str:
    return (f'<g class="flow-box {cls}"><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" '
            f'fill="#eef3f8" stroke="#1f4e79"/>'
            f'<text x="{x + BOX_W / 2:g}" y="{y + 19}" text-anchor="middle" font-size="11">{escape(label)}</text>'
            f'<text x="{x + BOX_W / 2:g}" y="{y + 37}" text-anchor="middle" font-size="15" font-weight="bold" '
            f'class="flow-number" data-kind="{cls}">{value}</text></g>')


def _arrow(x: int, y: int) -> str:
    end = x + GAP_X - 4
    return (f'<line x1="{x + 4}" y1="{y}" x2="{end}" y2="{y}" stroke="#1f4e79" stroke-width="1.5"/>'
            f'<polygon points="{end},{y - 4} {end + 4},{y} {end},{y + 4}" fill="#1f4e79"/>')


def flow_svg(steps: list[FlowStep], labels: FlowLabels) -> Markup:
    """One row per round: invited → answered → answered the next round (the last box only when there is a next
    round). Every number is an SVG text element."""
    width = LEFT * 2 + 3 * BOX_W + 2 * GAP_X
    height = max(1, len(steps)) * (ROW_H + 18) + 6
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="flow" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" aria-label="{escape(labels.description)}">',
             f'<title>{escape(labels.description)}</title>']
    for index, step in enumerate(steps):
        top = 6 + index * (ROW_H + 18)
        parts.append(f'<text x="{LEFT}" y="{top + 11}" font-size="12" font-weight="bold">{escape(step.title)}</text>')
        y = top + 18
        middle = y + BOX_H // 2
        parts.append(_box(LEFT, y, labels.invited, step.invited, "invited"))
        parts.append(_arrow(LEFT + BOX_W, middle))
        parts.append(_box(LEFT + BOX_W + GAP_X, y, labels.answered, step.answered, "answered"))
        if step.answered_next is not None:
            parts.append(_arrow(LEFT + 2 * BOX_W + GAP_X, middle))
            parts.append(_box(LEFT + 2 * (BOX_W + GAP_X), y, labels.next, step.answered_next, "answered-next"))
    parts.append("</svg>")
    return Markup("".join(parts))
