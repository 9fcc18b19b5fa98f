"""Page fragments built in Python: an item's line and "why it is here", for every listed item.

A story page shows thirty of each; as Jinja macros they were a third of an uncached story
page's time (a filter call, an escape and a Markup per value). Here they are the same HTML,
byte for byte (the pages' tests and a comparison with the macros on a million-item database
check it), built with the same filters and the same escaping. ``templates/macros.html``
keeps the macros' names and calls these, so every page uses one definition.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from storyline.group.story import describe_opening
from storyline.serve.security import clean_html, plain_text, safe_url


def format_time(value: Any) -> str:
    """A time as pages show it (the templates' ``dt`` filter)."""
    if value is None:
        return ""
    return str(value.strftime("%Y-%m-%d %H:%M UTC"))


def item_line(v: Any, root: str = "", show_story: bool = False) -> Markup:
    """An item's headline (linked to its page), source, time, media type, original link and
    teaser: what the ``item_line`` macro renders."""
    item = v.item
    link = safe_url(item.url)
    parts = [f'<h3><a href="{escape(root)}/item/{escape(item.id)}">']
    if item.kicker:
        parts.append(f'<span class="muted">{clean_html(item.kicker)}:</span> ')
    parts.append(f"{clean_html(item.headline or item.raw_text)}</a></h3>\n")
    when = item.published or item.first_seen
    parts.append(
        f'<div class="meta">{escape(plain_text(v.source_name))} · '
        f'<time datetime="{escape(when.isoformat())}">{escape(format_time(when))}</time>'
    )
    if item.published_estimated:
        parts.append(" (date estimated)")
    if item.media_type != "text":
        parts.append(f' · <span class="tag">{escape(str(item.media_type))}</span>')
    if link:
        parts.append(
            f' · <a href="{escape(link)}" rel="noopener noreferrer nofollow" '
            'target="_blank">original</a>'
        )
    if show_story and v.link:
        parts.append(f' · <a href="{escape(root)}/story/{escape(v.link.story_id)}">story</a>')
    parts.append("</div>\n")
    if item.teaser:
        parts.append(f"<p>{clean_html(item.teaser)}</p>")
    return Markup("".join(parts))


def why(link: Any, explain: Any) -> Markup:
    """Why an item is in its story (its link's score and explanation, one row per key, from
    ``explain``, the ``explain`` filter): what the ``why`` macro renders."""
    if not (link and link.explanation):
        return Markup("")
    if link.explanation.get("opened"):
        return Markup(
            "<details><summary>Why it is here (opened the story)</summary>\n"
            f'<p class="why">{escape(describe_opening(link.explanation))}</p>\n</details>\n'
        )
    score = "" if link.score is None else f" (score {escape(f'{link.score:.2f}')})"
    rows = "".join(
        f"  <dt>{escape(key)}</dt>\n  <dd>{escape(text)}</dd>\n"
        for key, text in explain(link.explanation)
    )
    return Markup(
        f'<details><summary>Why it is here{score}</summary>\n<dl class="why">\n{rows}'
        "</dl>\n</details>\n"
    )
