"""storyline: turn the news into stories you can follow.

The pipeline reads in one direction: ``ingest -> understand -> group -> store -> serve``.
"""

__version__ = "0.1.0"
