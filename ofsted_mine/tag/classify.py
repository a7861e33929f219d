"""classify IN.jsonl -> OUT.jsonl: the interface any evaluation uses."""

from __future__ import annotations

import json


def classify_file(infile, out, *, taxonomy=None, model="default", batch: int = 2000, tagger=None) -> int:
    """Tag each ``{"id", "text"}`` line of ``infile``; write the results to ``out`` (a path, or an
    open text file such as ``sys.stdout``). A missing or unreadable input is an InputError."""
    from .evaluate import read_jsonl_lines
    from .tagger import Tagger

    lines = read_jsonl_lines(infile)
    tg = tagger or Tagger(taxonomy, model=model)
    rows = []
    for n, line in enumerate(lines, 1):
        if line.strip():
            try:
                d = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{infile}:{n}: not JSON ({e})") from None
            if "text" not in d:
                raise ValueError(f'{infile}:{n}: no "text" field')
            rows.append(d)
    import contextlib

    with contextlib.nullcontext(out) if hasattr(out, "write") else open(out, "w", encoding="utf-8") as f:
        for i in range(0, len(rows), batch):
            chunk = rows[i : i + batch]
            for d, r in zip(chunk, tg.tag([d["text"] for d in chunk])):
                scores = {t.theme: t.score for t in r.tags}
                f.write(
                    json.dumps(
                        {
                            "id": d.get("id"),
                            "themes": [t.theme for t in r.tags],
                            "polarity": r.polarity,
                            "scores": {"themes": scores, "polarity": r.polarity_score},
                            "sources": {t.theme: t.source for t in r.tags},
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
    return len(rows)
