"""A local web app over the library: search, documents, councils, packs, tag review, ingest.

``ofsted-mine serve --db qa.db`` (see :mod:`ofsted_mine.web.cli`). Pages take their data from
:mod:`ofsted_mine.web.library`, the one adapter between the app and the library.
"""
