"""Architecture Workbench: learn microservice architecture by running it."""

__version__ = "0.1.0"
