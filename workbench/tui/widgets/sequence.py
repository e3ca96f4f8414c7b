"""A sequence diagram in characters: one lane per service, one arrow per call or event, in time
order, faults the check injected marked where they hit (from `workbench.checkrun.happened`)."""

from __future__ import annotations

from rich.text import Text

from workbench.checkrun.happened import Step

TIME_WIDTH = 9
MIN_LANE = 8
"""Narrower lanes would leave no room for an arrow's head between two lifelines."""


def sequence_lines(found: list[Step], lanes: list[str], width: int) -> list[Text]:
    """The diagram, a row of lane names then two rows per step (its label, then its arrow)."""
    if not lanes:
        return [Text("Nothing was recorded.", "dim")]
    lane = max(MIN_LANE, (width - TIME_WIDTH) // len(lanes))
    xs = {name: TIME_WIDTH + i * lane + lane // 2 for i, name in enumerate(lanes)}
    total = TIME_WIDTH + lane * len(lanes)
    lines = [_header(lanes, xs, lane, total)]
    for step in found:
        style = "red" if step.failed else ("yellow" if step.fault else "")
        if step.note:
            lines.append(_note(step, xs, total, style))
            continue
        lines.append(_label(step, xs, total, style))
        lines.append(_arrow(step, xs, total, style))
    for line in lines:  # wider than the screen (many lanes): cut, never folded onto the next row
        line.no_wrap, line.overflow = True, "crop"
    return lines


def _header(lanes: list[str], xs: dict[str, int], lane: int, total: int) -> Text:
    row = [" "] * total
    for name in lanes:
        shown = name[: lane - 1]
        start = max(0, xs[name] - len(shown) // 2)
        row[start : start + len(shown)] = shown
    return Text("".join(row).rstrip(), "bold")


def _blank(xs: dict[str, int], total: int) -> list[str]:
    row = [" "] * total
    for x in xs.values():
        row[x] = "│"
    return row


def _label(step: Step, xs: dict[str, int], total: int, style: str) -> Text:
    row = _blank(xs, total)
    text = step.label
    if step.outcome:
        text += f" → {step.outcome}"
    if step.fault:
        text += f" ⚡{step.fault}"
    left, right = sorted((xs[step.source], xs[step.target]))
    start = left + 2
    room = max(right - left - 3, 0)
    if len(text) > room:
        room = total - start  # a narrow span: the label runs on to the right
    text = text[:room]
    row[start : start + len(text)] = text
    line = Text("".join(row).rstrip())
    line.stylize(style or "bold", start, start + len(text))
    return line


def _arrow(step: Step, xs: dict[str, int], total: int, style: str) -> Text:
    row = _blank(xs, total)
    stamp = f"+{step.at:.3f}"[: TIME_WIDTH - 1]
    row[: len(stamp)] = stamp
    source, target = xs[step.source], xs[step.target]
    left, right = sorted((source, target))
    for x in range(left + 1, right):
        row[x] = "─"
    if target > source:
        row[target - 1] = "▶"
    else:
        row[target + 1] = "◀"
    line = Text("".join(row).rstrip())
    line.stylize("dim", 0, len(stamp))
    line.stylize(style or "cyan", left + 1, right)
    return line


def _note(step: Step, xs: dict[str, int], total: int, style: str) -> Text:
    row = _blank(xs, total)
    stamp = f"+{step.at:.3f}"[: TIME_WIDTH - 1]
    row[: len(stamp)] = stamp
    x = xs[step.source]
    mark = "⚡" if step.fault else "●"
    text = f"{mark} {step.label}"[: max(total - x, 0)]
    row[x : x + len(text)] = text
    line = Text("".join(row).rstrip())
    line.stylize("dim", 0, len(stamp))
    line.stylize(style or "magenta", x, x + len(text))
    return line
