"""The demo organisation: Exempelbanken, a fictional Swedish bank."""
