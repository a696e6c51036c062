"""klantwaarde: a customer-value warehouse."""

__version__ = "0.1.0"
