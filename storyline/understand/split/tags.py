"""Rule-based parts of a listing line: text normalisation, media tags, kickers, truncation.

These are closed, explicit conventions ("[Video]", "WATCH:", "Pakistan:"), so rules beat a
model: they are exact, cheap and explainable. The learnt model only places the
headline/teaser boundary in what remains.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from storyline.model import MediaType

_SPACE = re.compile(r"\s+")
# Characters that break the "one token = one whitespace-separated word" view: zero-width
# spaces and joiners, BOM, soft hyphen, and C0/C1 controls other than whitespace.
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad\x00-\x08\x0e-\x1f\x7f-\x9f]")
# AG-News-style entities that lost their "&" ("#39;" for "&#39;").
_BARE_ENTITY = re.compile(r"(?<![&\w])#(\d{2,4});")

_MEDIA_WORDS: dict[str, MediaType] = {
    "video": MediaType.VIDEO,
    "vídeo": MediaType.VIDEO,
    "videos": MediaType.VIDEO,
    "vídeos": MediaType.VIDEO,
    "watch": MediaType.VIDEO,
    "live": MediaType.VIDEO,
    "en vivo": MediaType.VIDEO,
    "audio": MediaType.AUDIO,
    "áudio": MediaType.AUDIO,
    "listen": MediaType.AUDIO,
    "podcast": MediaType.AUDIO,
    "radio": MediaType.AUDIO,
    "photo": MediaType.IMAGE,
    "photos": MediaType.IMAGE,
    "foto": MediaType.IMAGE,
    "fotos": MediaType.IMAGE,
    "gallery": MediaType.IMAGE,
    "galería": MediaType.IMAGE,
    "galeria": MediaType.IMAGE,
    "bildergalerie": MediaType.IMAGE,
    "in pictures": MediaType.IMAGE,
    "pictures": MediaType.IMAGE,
    "slideshow": MediaType.IMAGE,
    "infographic": MediaType.IMAGE,
}
_MEDIA_ALT = "|".join(sorted((re.escape(w) for w in _MEDIA_WORDS), key=len, reverse=True))
# "[Video] ", "(Audio) ", "VIDEO: ", "Watch: ", "PODCAST | ", "VIDEO - ": only with brackets
# or a separator, so a headline that merely starts with "Watch" keeps its word.
_LEADING_MEDIA = re.compile(
    rf"^(?:[\[(]\s*(?P<b>{_MEDIA_ALT})\s*[\])]\s*[:|\-–—]?|(?P<s>{_MEDIA_ALT})\s*(?::|\||\s[-–—]))\s+",
    re.IGNORECASE,
)
# "... | PHOTOS", "... (VIDEO)", "... – video", "... [Audio]" at the end of a headline.
_TRAILING_MEDIA = re.compile(
    rf"(?:\s[|\-–—]\s*(?P<s>{_MEDIA_ALT})|\s[\[(](?P<b>{_MEDIA_ALT})[\])])$", re.IGNORECASE
)
# A kicker: one or two capitalised words (or an acronym) and a colon at the very start,
# e.g. "Pakistan:", "USA:", "New Zealand:". Longer or lower-case prefixes ("Femicides in
# Mexico:") are part of the headline.
_WORD = r"[A-ZÀ-ÖØ-Þ][\w.&'’\-]*"
_KICKER = re.compile(rf"^(?P<k>{_WORD}(?: {_WORD})?):\s+(?=\S)")
# An all-capitals label with a bar or dash ("DIRECTO | ...", "EXCLUSIVE - ...").
_CAPS_KICKER = re.compile(r"^(?P<k>[A-ZÀ-ÖØ-Þ]{2,}(?: [A-ZÀ-ÖØ-Þ]{2,})?)\s+[|–—]\s+(?=\S)")
_TRUNCATED = re.compile(r"(?:\.\.\.|…|\[\s*(?:\.\.\.|…)\s*\])[\s\"'”’»)\]]*$")


def normalise(line: str) -> str:
    """The line as the splitter reads it: entities decoded, invisible characters dropped,
    whitespace collapsed to single spaces. Every split is a cut of this string."""
    if "&" in line or "#" in line:
        line = html.unescape(_BARE_ENTITY.sub(r"&#\1;", line))
    line = _INVISIBLE.sub("", line)
    return " ".join(line.split())  # str.split() splits on the same whitespace as \s, faster


@dataclass(frozen=True, slots=True)
class Prefix:
    """What was peeled off the front of a line, and where the rest starts."""

    media_type: MediaType
    kicker: str | None
    rest: str


def _media_of(word: str) -> MediaType:
    return _MEDIA_WORDS.get(_SPACE.sub(" ", word.lower()), MediaType.TEXT)


def peel_prefix(text: str, *, allow_caps_kicker: bool = True) -> Prefix:
    """Peel a leading media tag and then a kicker off an already normalised text.

    A peel never leaves less than two words behind: a line that is only "Pakistan: protests"
    keeps its kicker as part of the headline rather than become an empty split.
    """
    media = MediaType.TEXT
    rest = text
    m = _LEADING_MEDIA.match(rest)
    if m and len(rest[m.end() :].split()) >= 2:
        media = _media_of(m.group("b") or m.group("s"))
        rest = rest[m.end() :]
    kicker: str | None = None
    m = _KICKER.match(rest)
    if m is None and allow_caps_kicker:
        m = _CAPS_KICKER.match(rest)
    if m and len(rest[m.end() :].split()) >= 2:
        word = m.group("k")
        if _media_of(word) is not MediaType.TEXT:
            # "Video: ..." after "[Audio]" is odd, but it is still a media label, not a kicker.
            media = media if media is not MediaType.TEXT else _media_of(word)
        else:
            kicker = word
        rest = rest[m.end() :]
    return Prefix(media, kicker, rest)


def trailing_media(headline: str) -> MediaType:
    """Media type announced at the end of a headline ("... | PHOTOS", "... – video")."""
    m = _TRAILING_MEDIA.search(headline)
    if m is None:
        return MediaType.TEXT
    return _media_of(m.group("b") or m.group("s"))


def is_truncated(text: str) -> bool:
    """True when the text ends in an ellipsis (``...``, ``…``, ``[…]``): it was cut off."""
    return bool(_TRUNCATED.search(text))
