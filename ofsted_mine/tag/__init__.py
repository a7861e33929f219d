"""Stage 3, tag: themes and polarity per finding (rules + model), with explanations."""
from .taxonomy import POLARITIES, Taxonomy, TaxonomyError, load_taxonomy  # noqa: F401
from .tagger import Tagger, TagResult, default_model_path  # noqa: F401
