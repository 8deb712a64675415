"""Repositories: each owns its store keys and the JSON of what it keeps."""
