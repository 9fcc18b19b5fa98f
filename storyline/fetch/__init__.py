"""Watching sources: the registry, the fetcher, HTML pages, dates, the scheduler and the runner.

Nothing here registers itself on import; the CLI (``storyline.cli.fetch``) and the runner put
the pieces together explicitly.
"""
