"""Taxonomies as data: the default codebook ships as TOML; users can pass their own."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

POLARITIES = ("strength", "concern", "mixed", "neutral")


@dataclass(frozen=True)
class Theme:
    """One theme of a taxonomy: id, name, group, definition, and its cue phrases."""

    id: str
    name: str
    group: str = "theme"
    definition: str = ""
    cues: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    """A named, versioned set of themes with the polarity cues (the codebook, or the user's TOML/.qdc)."""

    name: str
    version: str
    themes: tuple[Theme, ...]
    polarity_cues: dict = field(default_factory=dict, hash=False, compare=False)
    source: str = "default"

    @property
    def ids(self) -> list[str]:
        """The theme ids, in the taxonomy's order."""
        return [t.id for t in self.themes]

    def get(self, theme_id: str) -> Theme | None:
        """The theme with this id, or None."""
        return next((t for t in self.themes if t.id == theme_id), None)

    def fingerprint(self) -> str:
        """A hash of the themes and their cues, stored with a model trained on this taxonomy."""
        import hashlib

        h = hashlib.sha1()
        for t in self.themes:
            h.update(repr((t.id, t.cues, t.exclude)).encode())
        h.update(repr(sorted((k, tuple(v)) for k, v in self.polarity_cues.items())).encode())
        return h.hexdigest()[:12]


class TaxonomyError(ValueError):
    """A taxonomy file that cannot be read or is not valid (one line, names the file and the reason)."""


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load a taxonomy TOML file; ``None`` loads the default codebook shipped in the package."""
    if path is None:
        data = tomllib.loads(resources.files("ofsted_mine.data").joinpath("codebook.toml").read_text("utf-8"))
        source = "default"
    else:
        p = Path(path)
        try:
            if p.suffix.lower() in (
                ".qdc",
                ".qde",
            ):  # a REFI-QDA codebook (NVivo, ATLAS.ti, MAXQDA, QualCoder …)
                from ..read.qdc import qdc_to_taxonomy_data

                try:
                    data = qdc_to_taxonomy_data(p)
                except ValueError as e:
                    raise TaxonomyError(str(e)) from None
                except Exception as e:  # InputError and friends: one line
                    raise TaxonomyError(str(e)) from None
            else:
                data = tomllib.loads(p.read_text("utf-8"))
        except FileNotFoundError:
            raise TaxonomyError(f"{p}: taxonomy file not found") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise TaxonomyError(f"{p}: not valid TOML: {e}") from None
        source = str(p)
    themes = []
    seen = set()
    for i, t in enumerate(data.get("theme", [])):
        tid = t.get("id", "")
        if not re.fullmatch(r"[a-z][a-z0-9_]*", tid or ""):
            raise TaxonomyError(f"{source}: theme #{i + 1} needs an id in snake_case (got {tid!r})")
        if tid in seen:
            raise TaxonomyError(f"{source}: theme id {tid!r} appears twice")
        seen.add(tid)
        themes.append(
            Theme(
                id=tid,
                name=t.get("name", tid),
                group=t.get("group", "theme"),
                definition=t.get("definition", ""),
                cues=tuple(t.get("cues", [])),
                exclude=tuple(t.get("exclude", [])),
            )
        )
    if not themes:
        raise TaxonomyError(f"{source}: no [[theme]] entries")
    info = data.get("taxonomy", {})
    default_pol = {} if path is None else load_taxonomy(None).polarity_cues
    pol = data.get("polarity", default_pol)
    return Taxonomy(
        name=info.get("name", Path(source).stem),
        version=str(info.get("version", "1")),
        themes=tuple(themes),
        polarity_cues=pol,
        source=source,
    )
