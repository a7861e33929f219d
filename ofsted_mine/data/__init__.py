"""Data files shipped in the package: the council tables and the default taxonomy (codebook.toml)."""
