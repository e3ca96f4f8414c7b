"""The Textual terminal UI: a thin front end over the lab, runtime, checks and topology code.

Only this package imports textual; the CLI imports it lazily (bare `workbench`).
"""
