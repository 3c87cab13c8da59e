"""Readers of other help desks' exports, one module per format, all yielding ``records``."""
