"""The follow-up (issue 16, principle 5: results, not documents): the pure parts.

``filters`` (the period and the four dimensions, parsed from query parameters),
``figures`` (the frozen dataclasses the API and the pages render), ``metrics`` (every
drill-down key and what it counts), ``histogram`` (log-spaced duration buckets: medians
and p90 combined from sums) and ``days`` (local days, weeks, months and working days).
No database here: the reads are ``queries/followup.py``, the roll-up writes
``domain/followup_rollups.py``; ``docs/metrics.md`` defines every figure."""
