"""Repositories: each owns its store keys and the serialisation of what it keeps."""
