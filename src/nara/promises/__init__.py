"""Pure service-level maths: business calendars, response promises, expected wait.

Nothing here touches the database or the clock: every function takes what it needs
(calendar, policy, events, ``now``) as arguments, so the maths are unit-tested alone.
"""
