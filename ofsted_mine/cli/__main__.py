"""``python -m ofsted_mine.cli``: the same as the ``ofsted-mine`` command."""

from . import main

main()
