"""Planning: what to change at each site, and the edits that make the change."""
