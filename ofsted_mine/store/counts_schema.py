"""The benchmark's counts per document, kept by triggers: the schema migration that creates them.

A module of its own so that ``store/db.py`` (the migrations) and ``store/benchmark.py`` (their
reader) can both import it without importing each other.
"""

# national scale (a migration of store/db.py; bench/scale.py): the counts per document, kept by
# triggers whatever writes (ingest, tag, corrections, the web app). doc_findings: findings outside
# vocab.NON_FINDING_SECTIONS; theme_concerns: per theme, concern 1 + mixed 0.5 per tagged finding
# (same sections). Change either rule only with a new migration that drops and refills both.
COUNTS_MIGRATION = """
    CREATE TABLE IF NOT EXISTS doc_findings (doc_id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS theme_concerns (
        doc_id INTEGER NOT NULL, theme TEXT NOT NULL, weight REAL NOT NULL,
        PRIMARY KEY (doc_id, theme)
    ) WITHOUT ROWID;
    DELETE FROM doc_findings;
    DELETE FROM theme_concerns;
    INSERT INTO doc_findings SELECT doc_id, COUNT(*) FROM findings
        WHERE section_kind NOT IN ('header', 'closing', 'about', 'opening', 'areas_covered') GROUP BY doc_id;
    INSERT INTO theme_concerns SELECT f.doc_id, t.theme,
        SUM(CASE f.polarity WHEN 'concern' THEN 1.0
            WHEN 'mixed' THEN 0.5 ELSE 0 END)
        FROM findings f JOIN tags t ON t.finding_id = f.id
        WHERE f.polarity IN ('concern', 'mixed')
        AND f.section_kind NOT IN ('header', 'closing', 'about', 'opening', 'areas_covered') GROUP BY 1, 2;
    CREATE TRIGGER IF NOT EXISTS counts_findings_ai AFTER INSERT ON findings
        WHEN new.section_kind NOT IN ('header', 'closing', 'about', 'opening', 'areas_covered') BEGIN
        INSERT INTO doc_findings VALUES (new.doc_id, 1) ON CONFLICT(doc_id) DO UPDATE SET n = n + 1;
    END;
    CREATE TRIGGER IF NOT EXISTS counts_findings_bd BEFORE DELETE ON findings
        WHEN old.section_kind NOT IN ('header', 'closing', 'about', 'opening', 'areas_covered') BEGIN
        UPDATE doc_findings SET n = n - 1 WHERE doc_id = old.doc_id;
        UPDATE theme_concerns SET weight = weight - (CASE old.polarity WHEN 'concern' THEN 1.0
            WHEN 'mixed' THEN 0.5 ELSE 0 END)
            WHERE doc_id = old.doc_id AND theme IN (SELECT theme FROM tags WHERE finding_id = old.id);
    END;
    CREATE TRIGGER IF NOT EXISTS counts_findings_au
        AFTER UPDATE OF polarity, section_kind, doc_id ON findings BEGIN
        UPDATE doc_findings SET n = n - 1
            WHERE doc_id = old.doc_id
            AND old.section_kind NOT IN ('header', 'closing', 'about', 'opening', 'areas_covered');
        INSERT INTO doc_findings SELECT new.doc_id, 1
            WHERE new.section_kind NOT IN ('header', 'closing', 'about', 'opening', 'areas_covered')
            ON CONFLICT(doc_id) DO UPDATE SET n = n + 1;
        UPDATE theme_concerns SET weight = weight - (CASE old.polarity WHEN 'concern' THEN 1.0
            WHEN 'mixed' THEN 0.5 ELSE 0 END)
            WHERE doc_id = old.doc_id
            AND old.section_kind NOT IN ('header', 'closing', 'about', 'opening', 'areas_covered')
            AND theme IN (SELECT theme FROM tags WHERE finding_id = old.id);
        INSERT INTO theme_concerns SELECT new.doc_id, theme, (CASE new.polarity WHEN 'concern' THEN 1.0
            WHEN 'mixed' THEN 0.5 ELSE 0 END)
            FROM tags WHERE finding_id = new.id AND new.polarity IN ('concern', 'mixed')
            AND new.section_kind NOT IN ('header', 'closing', 'about', 'opening', 'areas_covered')
            ON CONFLICT(doc_id, theme) DO UPDATE SET weight = weight + excluded.weight;
    END;
    CREATE TRIGGER IF NOT EXISTS counts_tags_ai AFTER INSERT ON tags BEGIN
        INSERT INTO theme_concerns SELECT f.doc_id, new.theme, (CASE f.polarity WHEN 'concern' THEN 1.0
            WHEN 'mixed' THEN 0.5 ELSE 0 END)
            FROM findings f WHERE f.id = new.finding_id AND f.polarity IN ('concern', 'mixed')
            AND f.section_kind NOT IN ('header', 'closing', 'about', 'opening', 'areas_covered')
            ON CONFLICT(doc_id, theme) DO UPDATE SET weight = weight + excluded.weight;
    END;
    CREATE TRIGGER IF NOT EXISTS counts_tags_ad AFTER DELETE ON tags BEGIN
        UPDATE theme_concerns SET weight = weight - (SELECT (CASE f.polarity WHEN 'concern' THEN 1.0
            WHEN 'mixed' THEN 0.5 ELSE 0 END)
            FROM findings f WHERE f.id = old.finding_id)
            WHERE theme = old.theme AND doc_id = (SELECT f.doc_id FROM findings f
                WHERE f.id = old.finding_id AND f.polarity IN ('concern', 'mixed')
                AND f.section_kind NOT IN ('header', 'closing', 'about', 'opening', 'areas_covered'));
    END;
    CREATE TRIGGER IF NOT EXISTS counts_tags_au AFTER UPDATE OF finding_id, theme ON tags BEGIN
        UPDATE theme_concerns SET weight = weight - (SELECT (CASE f.polarity WHEN 'concern' THEN 1.0
            WHEN 'mixed' THEN 0.5 ELSE 0 END)
            FROM findings f WHERE f.id = old.finding_id)
            WHERE theme = old.theme AND doc_id = (SELECT f.doc_id FROM findings f
                WHERE f.id = old.finding_id AND f.polarity IN ('concern', 'mixed')
                AND f.section_kind NOT IN ('header', 'closing', 'about', 'opening', 'areas_covered'));
        INSERT INTO theme_concerns SELECT f.doc_id, new.theme, (CASE f.polarity WHEN 'concern' THEN 1.0
            WHEN 'mixed' THEN 0.5 ELSE 0 END)
            FROM findings f WHERE f.id = new.finding_id AND f.polarity IN ('concern', 'mixed')
            AND f.section_kind NOT IN ('header', 'closing', 'about', 'opening', 'areas_covered')
            ON CONFLICT(doc_id, theme) DO UPDATE SET weight = weight + excluded.weight;
    END;
    CREATE TRIGGER IF NOT EXISTS counts_documents_ad AFTER DELETE ON documents BEGIN
        DELETE FROM doc_findings WHERE doc_id = old.id;
        DELETE FROM theme_concerns WHERE doc_id = old.id;
    END;
"""
