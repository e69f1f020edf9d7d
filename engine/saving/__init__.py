"""Serialization: finding classes by name, and (later) model files."""
