"""Generated client programs of the v1 course-statistics endpoints, run before and after migration.

``generator`` composes small programs from independent axes (``axes``: endpoint, HTTP client, URL
spelling, where the credentials are, how the request is wrapped, how the answer is consumed), seeded and
deterministic. ``runner`` runs each original against the fake 360Learning's v1, migrates it with the tool
in-process, runs the result against the fake's v2 (records grouped, then interleaved) and classifies what
the tool made of it: tool error, silent, reported, wrong or migrated. ``figures`` tallies the classes
overall and per axis value, so one sees which shapes fall to review and which are missed.
"""
