"""Screens of the workbench: lab list, lab, help, and the small modal dialogs."""
