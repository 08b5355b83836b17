"""Background work. Embedded mode: in-process threads; a worker queue comes later."""
