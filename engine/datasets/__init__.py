"""Datasets bundled with Strata (no downloads: digits ship in resources/datasets, the others are generated)."""

from engine.datasets.digits import load_digits
from engine.datasets.files import LoadedData, load_data
from engine.datasets.sine_sequences import load_sine_sequences
from engine.datasets.spirals import load_spirals

__all__ = ["LoadedData", "load_data", "load_digits", "load_sine_sequences", "load_spirals"]
