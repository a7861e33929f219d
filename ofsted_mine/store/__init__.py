"""Stage 4, store: SQLite (WAL, migrations, FTS5) and the queries over it."""

from .db import default_db_path, open_db  # noqa: F401
from .search import Quote, fts_query, get_visit, quotes, visits  # noqa: F401
from .write import write_document  # noqa: F401
