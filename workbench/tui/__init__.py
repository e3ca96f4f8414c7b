"""The Textual terminal UI: a thin front end over the application layer (`workbench.app`).

It keeps only what a terminal UI needs (screens, widgets, worker threads, messages); every use case
is a call into `workbench.app`. Only this package imports textual; the CLI imports it lazily
(bare `workbench`).
"""
