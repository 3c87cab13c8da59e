"""Tactful: an open-source help desk with a built-in empathy coach."""

__version__ = "0.1.0"
