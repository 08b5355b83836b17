"""Improvements (the outer loop, issue 15): pure parts without a database."""
