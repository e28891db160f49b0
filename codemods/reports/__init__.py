"""Reports: one renderer per format, all built from the same findings."""
