"""Every write in Nära, as a named, typed, keyword-only function taking ``session`` and
``actor``. Callers (web, CLI, jobs) own the transaction and commit."""
