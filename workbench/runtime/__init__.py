"""Runtimes run a lab's services: `local` (processes, the embedded default) and `docker`."""
