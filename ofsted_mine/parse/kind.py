"""What is this document? The registered document kinds decide (``ofsted_mine.kinds``): an Ofsted
letter or report (and which framework), a council paper, or the visible "unknown" fallback."""

from __future__ import annotations

from .. import kinds


def detect_kind(text: str) -> tuple[str, str | None]:
    """Return (kind, framework) from the cleaned text of a document."""
    k, framework = kinds.detect(text)
    return k.kind, framework
