"""The workbench's two themes; widgets style themselves with the theme variables in the .tcss."""

from __future__ import annotations

from textual.theme import Theme

DARK = Theme(
    name="workbench-dark",
    primary="#5fa8d3",
    secondary="#9b8ec4",
    accent="#e0a458",
    warning="#e0a458",
    error="#e06c75",
    success="#7fba6a",
    foreground="#d8dee9",
    background="#14181f",
    surface="#1b2029",
    panel="#232a35",
    dark=True,
    variables={"footer-key-foreground": "#e0a458"},
)

LIGHT = Theme(
    name="workbench-light",
    primary="#1f6fa8",
    secondary="#6b5ca5",
    accent="#a8640f",
    warning="#a8640f",
    error="#b3261e",
    success="#2e7d32",
    foreground="#1d232c",
    background="#f7f7f4",
    surface="#ecece7",
    panel="#e0e2dc",
    dark=False,
    variables={"footer-key-foreground": "#a8640f"},
)
