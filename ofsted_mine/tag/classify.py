"""classify IN.jsonl -> OUT.jsonl: the interface any evaluation uses."""
from __future__ import annotations

import json
from pathlib import Path


def classify_file(infile, out, *, taxonomy=None, model="default", batch: int = 2000) -> int:
    from .tagger import Tagger
    tg = Tagger(taxonomy, model=model)
    rows = []
    for n, line in enumerate(Path(infile).read_text("utf-8").splitlines(), 1):
        if line.strip():
            try:
                d = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{infile}:{n}: not JSON ({e})") from None
            if "text" not in d:
                raise ValueError(f"{infile}:{n}: no \"text\" field")
            rows.append(d)
    with open(out, "w", encoding="utf-8") as f:
        for i in range(0, len(rows), batch):
            chunk = rows[i:i + batch]
            for d, r in zip(chunk, tg.tag([d["text"] for d in chunk])):
                scores = {t.theme: t.score for t in r.tags}
                f.write(json.dumps({"id": d.get("id"), "themes": [t.theme for t in r.tags], "polarity": r.polarity,
                                    "scores": {"themes": scores, "polarity": r.polarity_score},
                                    "sources": {t.theme: t.source for t in r.tags}}, ensure_ascii=False) + "\n")
    return len(rows)
