"""betrokken: open engagement profiles for Dutch municipalities."""

__version__ = "0.1.0"
