"""Plain-text listings: one item per line, headline run straight into its teaser.

Only the lines are read here; the ``split`` component of the understand stage finds the
headline, teaser, kicker and media tag, so a correction to the splitter reaches every input.
"""

from __future__ import annotations

from storyline.ingest.records import ParseContext, Parsed, build_item

MAX_LINE = 20_000


def parse_listing(text: str, ctx: ParseContext) -> Parsed:
    """Every non-empty line becomes an item or a reported rejection."""
    parsed = Parsed()
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = " ".join(line.split())
        if not stripped:
            continue
        if not any(ch.isalnum() for ch in stripped):
            parsed.rejected.append(
                f"{ctx.source_name}:{number}: no words in line {stripped[:40]!r}"
            )
            continue
        if len(stripped) > MAX_LINE:
            parsed.warnings.append(
                f"{ctx.source_name}:{number}: line of {len(stripped)} characters cut to {MAX_LINE}"
            )
            stripped = stripped[:MAX_LINE]
        parsed.items.append(build_item(ctx, raw_text=stripped))
    return parsed
