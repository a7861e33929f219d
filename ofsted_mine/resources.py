"""Where the shipped files are: the trained model and the sample corpus.

In a clone (editable install) they live in the top-level ``models/`` and ``corpus/``
folders, where they are developed. A wheel carries copies in ``ofsted_mine/bundled/``
(``setup.py`` copies them there at build time), so an installed package finds them
wherever it is run from. The clone's folders win when both exist.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
CHECKOUT_DIR = PACKAGE_DIR.parent  # the clone's root (for an editable install)
BUNDLED_DIR = PACKAGE_DIR / "bundled"  # copies inside a wheel

#: what a wheel carries from the top-level folders (globs relative to each folder)
BUNDLE = {
    "models": ["tagger.joblib", "README.md", "evaluation.json"],
    "corpus": [
        "README.md",
        "truth.json",
        "storylines.json",
        "pdf/**/*.pdf",
        "sources/**/*.txt",
        "papers/*.txt",
    ],
}


def candidates(folder: str, *parts: str) -> list[Path]:
    """Where ``folder/parts`` may be, in the order they are tried."""
    return [CHECKOUT_DIR / folder / Path(*parts), BUNDLED_DIR / folder / Path(*parts)]


def find(folder: str, *parts: str) -> Path | None:
    """The first existing ``folder/parts`` (checkout, then wheel copy), else None."""
    for p in candidates(folder, *parts):
        if p.exists():
            return p
    return None


def model_path() -> Path | None:
    """The shipped tagger model, or None when this installation has none."""
    return find("models", "tagger.joblib")


def corpus_dir() -> Path | None:
    """The bundled sample corpus (a folder holding ``pdf/``), or None."""
    for p in candidates("corpus"):
        if (p / "pdf").is_dir():
            return p
    return None
