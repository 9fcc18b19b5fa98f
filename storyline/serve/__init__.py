"""The web front end, JSON API and feeds out, served by FastAPI over the same store.

Importing this package imports nothing heavy: the store's migrations import
``storyline.serve.tables`` without needing the web stack installed.
"""
