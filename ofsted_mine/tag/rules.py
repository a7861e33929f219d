"""Transparent rule side of the tagger: spaCy tokenisation + PhraseMatcher/Matcher cue patterns.

Every theme's cue phrases (from the taxonomy file) become patterns; each match keeps its
character span so that a tag can always say which words triggered it. Polarity cues
(strength, concern, hedges, contrast) are matched the same way and summarised as counts.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .taxonomy import Taxonomy


@dataclass
class RuleHits:
    themes: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)   # theme -> [(cue, start, end)]
    polarity: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)  # strength/concern/hedge/contrast


def _blank_nlp():
    import spacy
    nlp = spacy.blank("en")
    return nlp


class RuleMatcher:
    """Match taxonomy cues in sentences. Build once, call :meth:`match_many` on batches."""

    def __init__(self, taxonomy: Taxonomy):
        from spacy.matcher import PhraseMatcher
        self.taxonomy = taxonomy
        self.nlp = _blank_nlp()
        self.phrases = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        # prefix cues ("assess*"): (label key, words before, prefix). Expanded lazily into
        # the PhraseMatcher as new words are seen: one fast phrase pass does all matching.
        self.prefix_cues: list[tuple[str, tuple[str, ...], str]] = []
        self._seen_words: set[int] = set()  # hashes of lower-case words already checked
        self.labels: dict[int, tuple[str, str]] = {}  # match id -> (group, label)
        for t in taxonomy.themes:
            self._add(("theme", t.id), t.cues)
            if t.exclude:
                self._add(("exclude", t.id), t.exclude)
        for pol, cues in taxonomy.polarity_cues.items():
            self._add(("polarity", pol), cues)

    def _add(self, label: tuple[str, str], cues) -> None:
        key = f"{label[0]}:{label[1]}"
        mid = self.nlp.vocab.strings.add(key)
        self.labels[mid] = label
        phrases = []
        for cue in cues:
            cue = cue.strip()
            if not cue:
                continue
            if cue.endswith("*"):
                toks = [t.text.lower() for t in self.nlp.make_doc(cue[:-1])]
                self.prefix_cues.append((key, tuple(toks[:-1]), toks[-1]))
            else:
                phrases.append(self.nlp.make_doc(cue))
                if cue.isalpha() and not cue.endswith("s") and " " not in cue:
                    phrases.append(self.nlp.make_doc(cue + "s"))
        if phrases:
            self.phrases.add(key, phrases)

    def _expand_prefixes(self, docs) -> None:
        if not self.prefix_cues:
            return
        import numpy as np
        from spacy.attrs import LOWER
        arrays = [d.to_array(LOWER) for d in docs if len(d)]
        if not arrays:
            return
        hashes = set(np.unique(np.concatenate(arrays)).tolist()) - self._seen_words
        self._seen_words |= hashes
        strings = self.nlp.vocab.strings
        for h in hashes:
            word = strings[h]
            for key, before, prefix in self.prefix_cues:
                if word.startswith(prefix):
                    self.phrases.add(key, [self.nlp.make_doc(" ".join(before + (word,)))])

    def match_many(self, texts: list[str]) -> list[RuleHits]:
        docs = list(self.nlp.tokenizer.pipe(texts, batch_size=256))
        self._expand_prefixes(docs)
        return [self._hits(doc) for doc in docs]

    def match(self, text: str) -> RuleHits:
        return self.match_many([text])[0]

    def _hits(self, doc) -> RuleHits:
        hits = RuleHits()
        excluded: dict[str, list[tuple[int, int]]] = {}
        matches = list(self.phrases(doc))
        matches.sort(key=lambda m: (m[1], -(m[2] - m[1])))
        for mid, s, e in matches:
            group, label = self.labels[mid]
            span = doc[s:e]
            item = (span.text, span.start_char, span.end_char)
            if group == "theme":
                hits.themes.setdefault(label, []).append(item)
            elif group == "exclude":
                excluded.setdefault(label, []).append((span.start_char, span.end_char))
            else:
                hits.polarity.setdefault(label, []).append(item)
        for theme, spans in excluded.items():
            if theme in hits.themes:
                keep = [c for c in hits.themes[theme] if not any(a <= c[1] < b for a, b in spans)]
                if keep:
                    hits.themes[theme] = keep
                else:
                    del hits.themes[theme]
        for theme, cues in hits.themes.items():  # drop cues inside a longer cue of the same theme
            cues.sort(key=lambda c: (c[1], -(c[2] - c[1])))
            kept, last_end = [], -1
            for c in cues:
                if c[1] >= last_end:
                    kept.append(c)
                    last_end = c[2]
            hits.themes[theme] = kept
        return hits

