"""The application layer: the use cases both front ends (CLI and TUI) call."""
