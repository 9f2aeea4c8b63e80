"""Clinical summaries: one text per facility record, and the facts and events beside it."""
