"""The `formcheck` command line (typer)."""
