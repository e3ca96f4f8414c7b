"""Errors of the service kit (it never imports workbench.errors: it runs alone in containers)."""

from __future__ import annotations


class KitError(Exception):
    """Base of every error the kit raises on purpose."""


class KitConfigError(KitError):
    """The environment does not give the service what it needs (a peer URL, NATS_URL, ...)."""


class LearnerCodeError(KitError):
    """The learner's module cannot be used: it failed to import or misses a required name."""

    def __init__(self, message: str, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
