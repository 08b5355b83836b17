"""The ``nara`` command (Typer). Thin: parse, call a domain function, print."""
