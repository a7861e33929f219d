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
    """The codebook cues found in one sentence: per theme and per polarity, ``(cue, start, end)``."""

    themes: dict[str, list[tuple[str, int, int]]] = field(
        default_factory=dict
    )  # theme -> [(cue, start, end)]
    polarity: dict[str, list[tuple[str, int, int]]] = field(
        default_factory=dict
    )  # strength/concern/hedge/contrast


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

    #: sentences tokenised together as one spaCy Doc (joined by a blank line, which is a
    #: token of its own, so no cue can match across two sentences)
    BATCH = 400
    _SEP = "\n\n"

    def match_many(self, texts: list[str]) -> list[RuleHits]:
        """Rule hits for each text. Texts are tokenised in batches joined into one Doc, so
        the per-Doc cost is paid once per batch rather than once per sentence."""
        out: list[RuleHits] = []
        for b in range(0, len(texts), self.BATCH):
            out.extend(self._match_batch(texts[b : b + self.BATCH]))
        return out

    def match(self, text: str) -> RuleHits:
        """The cues found in one sentence (:meth:`match_many` for many)."""
        return self.match_many([text])[0]

    def _match_batch(self, texts: list[str]) -> list[RuleHits]:
        from bisect import bisect_right

        from spacy.attrs import IDX, LENGTH

        starts, pos = [], 0
        for t in texts:
            starts.append(pos)
            pos += len(t) + len(self._SEP)
        joined = self._SEP.join(texts)
        doc = self.nlp.tokenizer(joined)
        self._expand_prefixes([doc])
        per: list[list[tuple[int, int, int]]] = [[] for _ in texts]
        matches = self.phrases(doc) if len(doc) else []
        if matches:
            at = doc.to_array([IDX, LENGTH])
            idx, ln = at[:, 0].tolist(), at[:, 1].tolist()
            for mid, s, e in matches:
                a = idx[s]
                z = idx[e - 1] + ln[e - 1]
                k = bisect_right(starts, a) - 1
                per[k].append((mid, a - starts[k], z - starts[k]))
        return [self._hits(text, m) for text, m in zip(texts, per)]

    def _hits(self, text: str, matches: list[tuple[int, int, int]]) -> RuleHits:
        """Group one sentence's matches (match id, start char, end char) by theme/polarity."""
        hits = RuleHits()
        excluded: dict[str, list[tuple[int, int]]] = {}
        matches.sort(key=lambda m: (m[1], -(m[2] - m[1])))
        for mid, a, z in matches:
            group, label = self.labels[mid]
            item = (text[a:z], a, z)
            if group == "theme":
                hits.themes.setdefault(label, []).append(item)
            elif group == "exclude":
                excluded.setdefault(label, []).append((a, z))
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
