"""Session reports: the JSON record, and renderings for review."""
