"""Stage 3, tag: themes and polarity per finding (rules + model), with explanations."""

from .taxonomy import POLARITIES, Taxonomy, TaxonomyError, load_taxonomy  # noqa: F401


def __getattr__(name):  # lazy: the tagger pulls in numpy; reading a taxonomy (timeline, track) must not
    if name in ("Tagger", "TagResult", "default_model_path"):
        from . import tagger

        return getattr(tagger, name)
    raise AttributeError(name)
