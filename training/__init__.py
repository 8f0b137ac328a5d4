"""Causal-SAM training package: models, LAD, data, training, export (see README.md)."""

__version__ = "0.1.0"
