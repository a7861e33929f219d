"""Build hook: copy the trained model and the sample corpus into the wheel.

They live in the top-level ``models/`` and ``corpus/`` folders of the repository (where
they are developed and where an editable install reads them); a wheel gets copies in
``ofsted_mine/bundled/`` so that ``pip install ofsted-mine-*.whl`` works from any folder.
What is copied is listed in ``ofsted_mine/resources.py`` (``BUNDLE``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


def _bundle() -> dict:
    ns: dict = {}
    src = (ROOT / "ofsted_mine" / "resources.py").read_text(encoding="utf-8")
    start = src.index("BUNDLE = {")
    exec(src[start : src.index("}\n", start) + 2], ns)  # the dict literal only
    return ns["BUNDLE"]


class build_py_with_bundle(build_py):
    """``build_py`` that also copies the bundle (model, sample corpus) into a wheel's build."""

    def run(self):
        """Build as usual, then copy the bundle (an editable install reads the folders in place)."""
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the top-level folders themselves
        dest = Path(self.build_lib) / "ofsted_mine" / "bundled"
        n = 0
        for folder, patterns in _bundle().items():
            for pattern in patterns:
                for f in sorted((ROOT / folder).glob(pattern)):
                    if f.is_file():
                        target = dest / folder / f.relative_to(ROOT / folder)
                        target.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(f, target)
                        n += 1
        if not (dest / "models" / "tagger.joblib").exists():
            raise SystemExit("setup.py: models/tagger.joblib is missing; the wheel would tag by rules only")
        print(f"bundled {n} files from models/ and corpus/ into ofsted_mine/bundled/")


setup(cmdclass={"build_py": build_py_with_bundle})
