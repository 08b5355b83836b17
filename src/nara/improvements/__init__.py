"""The outer loop: improvements, their evidence and their measured effect (pure parts,
without a database)."""
