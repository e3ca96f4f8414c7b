"""Screens of the workbench: catalog, lab, help, and the small modal dialogs."""
