"""The tagger: rules (spaCy patterns) and model (scikit-learn) combined, with explanations.

How the two are combined (documented in the README):

* Themes. The model sees the rule hits as features and gives a calibrated probability per
  theme; a theme is tagged when that probability reaches the theme's threshold (chosen on
  out-of-fold training predictions). ``source`` is ``both`` when a cue phrase of the theme
  is in the sentence too, else ``model``. A theme the model does not know (a user's own
  taxonomy, or a theme with too few training examples) is tagged by its cue phrases alone:
  ``source = rule`` with score 0.6 (0.75 for two or more distinct cues).
* Polarity. The model's most probable class, with the rule cue counts among its features;
  without a model, a documented rule (concern cues or hedges beat strength cues; both
  with a contrast word -> mixed). Bullets under "What needs to improve" / "Areas for
  priority action" are ``concern`` (codebook rule).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..model import Document, Tag
from ..vocab import NON_FINDING_SECTIONS
from .rules import RuleHits, RuleMatcher
from .taxonomy import Taxonomy, load_taxonomy

SKIP_SECTIONS = set(NON_FINDING_SECTIONS)  # context, not findings (ofsted_mine/vocab.py)
CONCERN_SECTIONS = {"what_needs_to_improve", "priority_action", "recommendations"}


def is_concern_section(kind: str | None) -> bool:
    """A section whose items are things to improve (a recommendation, a priority action)."""
    if not kind:
        return False
    return kind in CONCERN_SECTIONS or "recommend" in kind or "priority_action" in kind


# Context rules for polarity (codebook rules, checked against the training labels; see the README):
#: a recommendation: an instruction to the council at the start of the sentence
RECOMMENDATION = re.compile(
    r"^(?:[•\-–]\s*)?(?:\(?[a-z0-9]{1,3}[.)]\s+)?"
    r"(?:ensure|improve|strengthen|develop|increase|make sure|reduce|establish|"
    r"take action|provide|continue to|implement|embed|address|consider|undertake|prioriti[sz]e|extend|enable|"
    r"clarify|raise|secure|build)\b",
    re.I,
)
#: a decline reported as having happened ("has declined", "have deteriorated", "a decline in")
DECLINE = re.compile(
    r"\b(?:has|have|is|are)\s+(?:\w+ly\s+)?(?:declined|deteriorated|worsened|fallen|weakened|slipped|"
    r"regressed|declining|deteriorating|worsening)\b|\b(?:deterioration|decline) in\b",
    re.I,
)
#: ... unless what fell is something whose fall is good news, or the decline was halted or is past
_DECLINE_GOOD = re.compile(
    r"\b(numbers?|rates?|proportion|percentage|caseloads?|vacanc\w+|turnover|delays?|waiting|"
    r"backlogs?|agency|reliance|incidence|re-referrals?|missing|offending|duration|timescales?|"
    r"length|figure|this|it)\b",
    re.I,
)
_DECLINE_UNDONE = re.compile(
    r"\b(not|no|never|halt\w*|revers\w*|arrest\w*|stopp\w*|prevent\w*|address\w*|tackl\w*|"
    r"prior to|previously|had)\b",
    re.I,
)
#: hedges that qualify a strength without making it a concern ("most plans are effective")
SOFT_HEDGES = {"most", "some", "many", "mostly", "the majority", "almost all", "nearly all"}
_NEGATION = re.compile(r"\b(not|no|never|nor|lack|lacks|lacking|without|unable|insufficient|too)\b", re.I)


def context_polarity(
    text: str,
    h: RuleHits,
    polarity: str,
    section_kind: str | None = None,
    heading: str | None = None,
    bullet: bool | None = None,
) -> tuple[str, str] | None:
    """A documented rule that overrides the sentence's polarity, as (polarity, reason), or None.

    1. An item of a "What needs to improve" / "Areas for priority action" / recommendations
       section is a concern (codebook rule). The section must be named by its own heading:
       a section that only inherits the kind from an earlier heading does not count (when the
       heading is not known, a bullet of such a section counts, as before).
    2. A recommendation (a sentence that opens with an instruction: "Ensure that …",
       "Improve …") is a concern wherever it stands.
    3. A decline reported as having happened ("has declined", "have deteriorated", "has
       fallen") makes a strength or neutral reading a concern, unless what fell is good news
       to fall (numbers, rates, caseloads, delays, …) or the decline was halted or is past.
    4. A hedge ("most", "some") alone does not make a strength a concern: a sentence whose
       only cues are strength cues and such hedges (no concern cue, negation or contrast)
       is a strength."""
    from ..headings import heading_kind

    if is_concern_section(section_kind):
        own = heading_kind(heading) if heading else None
        if (own is not None and is_concern_section(own)) or (heading is None and bullet):
            return "concern", "context:item to improve"
    if RECOMMENDATION.match(text):
        return "concern", "context:recommendation"
    if polarity in ("strength", "neutral"):
        m = DECLINE.search(text)
        if m and not _DECLINE_GOOD.search(text[: m.start()]) and not _DECLINE_UNDONE.search(text):
            return "concern", "context:decline"
    if polarity == "concern":
        P = h.polarity
        hedges = [c[0].lower() for c in P.get("hedge", [])]
        if (
            hedges
            and all(x in SOFT_HEDGES for x in hedges)
            and P.get("strength")
            and not P.get("concern")
            and not P.get("contrast")
            and not _NEGATION.search(text)
        ):
            return "strength", "context:hedged strength"
    return None


_POL_ORDER = ("concern", "hedge", "strength", "contrast")


def default_context_path() -> Path | None:
    """The context stage shipped beside the default model (``models/context.json``), if any;
    ``$OFSTED_MINE_CONTEXT=off`` turns it off."""
    if os.environ.get("OFSTED_MINE_CONTEXT", "").lower() in ("off", "none", "0"):
        return None
    p = Path(__file__).resolve().parents[2] / "models" / "context.json"
    return p if p.exists() else None


def default_model_path() -> Path | None:
    """``$OFSTED_MINE_MODEL`` if set (``none``/``off`` = no model), else the shipped model:
    ``models/tagger.joblib`` of a clone, or the copy inside an installed wheel."""
    env = os.environ.get("OFSTED_MINE_MODEL")
    if env is not None:
        return Path(env).expanduser() if env.lower() not in ("none", "off", "") else None
    from ..resources import model_path

    return model_path()


def model_disabled() -> bool:
    """True when the user switched the default model off (``OFSTED_MINE_MODEL=none``)."""
    env = os.environ.get("OFSTED_MINE_MODEL")
    return env is not None and env.lower() in ("none", "off", "")


def load_model(path):
    """Load a saved model; a missing, unreadable or foreign file is a :class:`ModelError`."""
    from ..errors import ModelError
    from .classifier import TaggerModel

    p = Path(path)
    if not p.exists():
        raise ModelError(f"{p}: no such model file")
    if p.is_dir():
        raise ModelError(f"{p}: is a folder, not a model file")
    try:
        return TaggerModel.load(p)
    except ModelError:
        raise
    except Exception as e:  # truncated, not a joblib file, another format
        reason = str(e).split("\n")[0] or type(e).__name__
        if reason.startswith(str(p) + ": "):
            reason = reason[len(str(p)) + 2 :]
        raise ModelError(f"{p}: cannot load the model ({reason})") from None


@dataclass
class TagResult:
    """One sentence's tags and polarity, with the polarity's score, cues and source."""

    tags: list[Tag] = field(default_factory=list)
    polarity: str = "neutral"
    polarity_score: float = 0.0
    polarity_cues: list[str] = field(default_factory=list)
    polarity_source: str = "rule"


class Tagger:
    """``Tagger(taxonomy=None, model="default")``: ``tag(texts)``, ``tag_document(doc)``, ``explain(text)``.

    ``model``: a path, a fitted TaggerModel, ``"default"`` (the shipped model, if present) or
    ``None`` (rules only)."""

    def __init__(
        self,
        taxonomy: Taxonomy | str | Path | None = None,
        model="default",
        mode: str = "combined",
        context="default",
    ):
        self.taxonomy = taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy)
        self.matcher = RuleMatcher(self.taxonomy)
        self.mode = mode  # combined | rules | model
        self.model = None
        self.context = None  # the learned context stage (ofsted_mine.tag.context), used when context is given
        shipped = model == "default"
        #: why the default model is not in use (None when it is, or when none was wanted);
        #: commands that tag print it on stderr and documents record it in their warnings
        self.model_problem: str | None = None
        if mode != "rules" and model == "default":
            path = default_model_path()
            if path is None:
                if not model_disabled():
                    from ..resources import candidates

                    self.model_problem = (
                        "no trained model found (looked for "
                        + ", ".join(str(p) for p in candidates("models", "tagger.joblib"))
                        + ")"
                    )
                model = None
            else:
                from ..errors import ModelError

                try:
                    model = load_model(path)
                except ModelError as e:
                    self.model_problem = str(e)
                    model = None
        if model is not None and mode != "rules":
            from .classifier import TaggerModel

            self.model = model if isinstance(model, TaggerModel) else load_model(model)
        self._model_themes = set()
        if self.model is not None:
            self._model_themes = {
                t for t in self.model.theme_ids if self.model.has_model(t) and self.taxonomy.get(t)
            }
            if context == "default":  # the context stage fitted for the shipped model goes with it only
                path = default_context_path() if shipped else None
                context = path
            if context is not None:
                from .context import ContextModel

                cm = context if isinstance(context, ContextModel) else ContextModel.load(context)
                if cm.theme_ids == list(self.model.theme_ids):
                    self.context = cm

    @property
    def description(self) -> str:
        """The taxonomy and what tags (model and rules, or rules only, and why)."""
        m = (
            "model+rules"
            if self.model is not None and self.mode == "combined"
            else ("model" if self.model is not None else "rules only")
        )
        if self.model_problem:
            m += " - the model was not loaded: " + self.model_problem
        return f"{self.taxonomy.name} ({len(self.taxonomy.themes)} themes; {m})"

    # ------------------------------------------------------------------
    def tag(
        self,
        texts: list[str],
        sections: list[str | None] | None = None,
        bullets: list[bool] | None = None,
        headings: list[str | None] | None = None,
        context_rules: bool = True,
        prev: list[int | None] | None = None,
        docs: list[str] | None = None,
    ) -> list[TagResult]:
        """Tag sentences. ``sections`` (section kinds), ``bullets`` and ``headings`` (the
        section headings as printed) give the context the polarity rules use
        (:func:`context_polarity`); ``context_rules=False`` leaves polarity to the model.
        With ``sections`` given, the learned context stage (if any) also sees ``prev`` (for
        each text, the index in ``texts`` of the finding before it in the same section, or
        None) and ``docs`` (each text's document "kind/framework")."""
        if not texts:
            return []
        hits = self.matcher.match_many(texts)
        P = Q = None
        ids = self.model.theme_ids if self.model is not None else []
        above: list[list[int]] = [[] for _ in texts]
        if self.model is not None:
            P, Q, thresholds, pol_classes = self.scores(texts, hits, sections, headings, prev, docs)
            thr = np.array([thresholds.get(t, 0.5) if t in self._model_themes else np.inf for t in ids])
            for i, j in zip(*np.nonzero(P >= thr)):
                above[i].append(int(j))
            qk = Q.argmax(axis=1).tolist()
            qp = Q.max(axis=1).tolist()
        model_only = self.mode == "model"
        out = []
        for i, (text, h) in enumerate(zip(texts, hits)):
            res = TagResult()
            # themes from the model
            for j in above[i]:
                t = ids[j]
                p = float(P[i, j])  # type: ignore[index]  # P is set whenever above[i] is not empty
                words = [c[0] for c in h.themes.get(t, ())]
                res.tags.append(Tag(t, round(p, 3), "model" if model_only or not words else "both", words))
            # themes from rules alone (no model for them, or rules-only mode)
            if not model_only:
                for t, cues in h.themes.items():
                    if t in self._model_themes or not self.taxonomy.get(t):
                        continue
                    distinct = {c[0].lower() for c in cues}
                    res.tags.append(Tag(t, 0.75 if len(distinct) > 1 else 0.6, "rule", [c[0] for c in cues]))
            res.tags.sort(key=lambda g: -g.score)
            # polarity
            pol = h.polarity
            if pol:
                res.polarity_cues = [f"{k}:{c[0]}" for k in _POL_ORDER if k in pol for c in pol[k]][:8]
            if Q is not None and self.mode != "rules":
                k = qk[i]
                res.polarity, res.polarity_score, res.polarity_source = (
                    pol_classes[k],
                    round(qp[i], 3),
                    "model",
                )
            else:
                res.polarity, res.polarity_score = rule_polarity(h)
            if context_rules and self.mode != "rules":
                ctx = context_polarity(
                    text,
                    h,
                    res.polarity,
                    sections[i] if sections else None,
                    headings[i] if headings else None,
                    bullets[i] if bullets else None,
                )
                if ctx and ctx[0] != res.polarity:
                    res.polarity, res.polarity_score, res.polarity_source = ctx[0], 0.9, "rule"
                    res.polarity_cues = [ctx[1]] + res.polarity_cues[:7]
            elif sections and is_concern_section(sections[i]) and (bullets is None or bullets[i]):
                res.polarity, res.polarity_score, res.polarity_source = "concern", 1.0, "rule"
            out.append(res)
        return out

    def scores(
        self,
        texts: list[str],
        hits: list[RuleHits],
        sections: list[str | None] | None = None,
        headings: list[str | None] | None = None,
        prev: list[int | None] | None = None,
        docs: list[str] | None = None,
    ) -> tuple[np.ndarray, np.ndarray, dict, list[str]]:
        """The model's theme probabilities, polarity probabilities, theme thresholds and
        polarity classes for ``texts`` (needs a model): the sentence model's, or, when the
        context is given (``sections``) and a context stage is loaded, the stage's."""
        assert self.model is not None
        cm = self.context
        if cm is None or sections is None:
            P, Q = self.model.predict_proba(texts, hits)
            return P, Q, self.model.thresholds, [str(c) for c in self.model.polarity_classes]
        from .context import heading_cues

        n = len(texts)
        themes_used = cm.info.get("themes_used", True)
        P, Q = self.model.predict_proba(texts, hits, raw=cm.raw_scores and themes_used)
        pv = prev or [None] * n
        has = np.array([j is not None for j in pv], dtype=bool)
        at = [j if j is not None else 0 for j in pv]
        secs, dks = list(sections), list(docs or ["?/?"] * n)
        thresholds = self.model.thresholds
        if themes_used:
            H = heading_cues(list(headings), self.matcher, cm.theme_ids) if headings and cm.extras else None
            P = cm.predict(P, P[at], has, secs, dks, H, texts)
            thresholds = cm.thresholds
        Qc = cm.predict_polarity(Q, Q[at], has, secs, dks, texts)
        if Qc is None:
            return P, Q, thresholds, [str(c) for c in self.model.polarity_classes]
        return P, Qc, thresholds, list(cm.pol_classes)

    def tag_document(self, doc: Document) -> Document:
        """Tag the document's findings in their context (skipping sections that are not findings)."""
        idx = [i for i, f in enumerate(doc.findings) if f.section_kind not in SKIP_SECTIONS]
        if doc.visit.kind in ("unknown",):
            idx = []
        from .context import doc_key

        F = doc.findings
        prev = [
            k - 1
            if k > 0 and F[idx[k - 1]].section == F[i].section and F[idx[k - 1]].seq == F[i].seq - 1
            else None
            for k, i in enumerate(idx)
        ]
        results = self.tag(
            [F[i].text for i in idx],
            [F[i].section_kind for i in idx],
            [F[i].is_bullet for i in idx],
            [F[i].section or "" for i in idx],
            prev=prev,
            docs=[doc_key(doc.visit.kind, doc.visit.framework)] * len(idx),
        )
        for i, r in zip(idx, results):
            f = doc.findings[i]
            f.tags, f.polarity, f.polarity_score, f.polarity_cues = (
                r.tags,
                r.polarity,
                r.polarity_score,
                r.polarity_cues,
            )
        doc.visit.focus_themes = self.focus_themes(doc.visit.focus_areas)
        if self.model_problem and idx and f"tagged by rules only: {self.model_problem}" not in doc.warnings:
            doc.warnings.append(f"tagged by rules only: {self.model_problem}")
        return doc

    def focus_themes(self, areas: list[str]) -> list[str]:
        """Themes named by a visit's areas covered (cue phrases or model), in taxonomy order."""
        if not areas:
            return []
        found: set[str] = set()
        for r, h in zip(self.tag(areas), self.matcher.match_many(areas)):
            found.update(t.theme for t in r.tags)
            found.update(h.themes)
        return [t for t in self.taxonomy.ids if t in found]

    def explain(self, text: str) -> dict:
        """Why a sentence gets its tags: cue spans, model scores and thresholds, top words."""
        h = self.matcher.match(text)
        r = self.tag([text])[0]
        out: dict = {
            "text": text,
            "tagger": self.description,
            "polarity": r.polarity,
            "polarity_score": r.polarity_score,
            "polarity_source": r.polarity_source,
            "polarity_cues": {k: [c[0] for c in v] for k, v in h.polarity.items()},
            "themes": [],
            "considered": [],
        }
        for t in r.tags:
            item: dict = {
                "theme": t.theme,
                "score": t.score,
                "source": t.source,
                "cues": [{"text": c[0], "start": c[1], "end": c[2]} for c in h.themes.get(t.theme, [])],
            }
            if self.model is not None and t.theme in self._model_themes:
                item["threshold"] = self.model.thresholds.get(t.theme)
                item["model_words"] = self.model.top_terms(text, t.theme)
            out["themes"].append(item)
        if self.model is not None:
            hits = [h]
            P, _ = self.model.predict_proba([text], hits)
            tagged = {t.theme for t in r.tags}
            for j, t in enumerate(self.model.theme_ids):
                if t not in tagged and P[0, j] >= 0.2 and t in self._model_themes:
                    out["considered"].append(
                        {
                            "theme": t,
                            "score": round(float(P[0, j]), 3),
                            "threshold": self.model.thresholds.get(t),
                            "cues": [c[0] for c in h.themes.get(t, [])],
                        }
                    )
        return out


def rule_polarity(h: RuleHits) -> tuple[str, float]:
    """Polarity from the rule cues alone: (polarity, score)."""
    s = len(h.polarity.get("strength", []))
    c = len(h.polarity.get("concern", [])) + len(
        [x for x in h.polarity.get("hedge", []) if x[0].lower().startswith("not")]
    )
    contrast = bool(h.polarity.get("contrast"))
    if s and c and contrast:
        return "mixed", 0.5
    if c > s or (c and c == s):
        return "concern", 0.6
    if s:
        return "strength", 0.6
    return "neutral", 0.5
