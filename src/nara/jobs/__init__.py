"""Background work: the job definitions (``registry``, ``tasks``), how one run is
executed (``runner``), and who executes it: procrastinate workers on PostgreSQL
(``queue``, ``nara worker``) or, in the zero-set-up SQLite mode, the app process itself
(``embedded``). ``dispatch`` hands a queued run to whichever applies."""
