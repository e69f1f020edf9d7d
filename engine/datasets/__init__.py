"""Datasets bundled with Strata (no downloads: everything ships in resources/datasets)."""

from engine.datasets.digits import load_digits

__all__ = ["load_digits"]
