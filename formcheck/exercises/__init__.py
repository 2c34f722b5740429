"""Built-in exercise definitions (TOML data files)."""
