"""The read side: access-checked lookups, lists, timelines, dashboards."""
