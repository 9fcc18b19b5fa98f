"""``python -m storyline``: the same command line as ``storyline``."""

from storyline.cli.main import app

app(prog_name="storyline")
