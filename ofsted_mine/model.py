"""Plain data types passed between the stages: read -> parse -> tag -> store.

Offsets: every Finding keeps ``(page, start, end)`` where ``start``/``end`` index
into ``Document.text`` (the cleaned text of the whole document, pages joined with
``PAGE_SEP``), so a quote can always be cited and shown in context.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

PAGE_SEP = "\n\f\n"

# the document kinds are declared in ofsted_mine/kinds (one module per kind); their ids are
# ``vocab.DOC_KINDS`` (model imports nothing from the pipeline, so every stage can import it)

GRADES = ("outstanding", "good", "requires improvement", "inadequate")


@dataclass
class Page:
    """One page of a document: its number and cleaned text."""

    number: int  # 1-based
    text: str  # cleaned text of the page
    continues: bool = False  # its first block carries on the paragraph that the previous page ends with


@dataclass
class ReadResult:
    """What a reader returns: cleaned pages plus facts about the file."""

    path: str
    sha256: str
    format: str  # pdf | html | text
    pages: list[Page]
    warnings: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The whole cleaned text: the pages joined with ``PAGE_SEP``."""
        return PAGE_SEP.join(p.text for p in self.pages)

    def page_starts(self) -> list[int]:
        """Each page's start offset in ``text``."""
        starts, pos = [], 0
        for p in self.pages:
            starts.append(pos)
            pos += len(p.text) + len(PAGE_SEP)
        return starts


@dataclass
class Tag:
    """A theme given to a finding, with its score, where it came from and the cues that gave it."""

    theme: str
    score: float
    source: str  # rule | model | both
    cues: list[str] = field(default_factory=list)


@dataclass
class Finding:
    """A sentence or bullet: the unit that is quoted, tagged and searched."""

    seq: int  # order in the document
    text: str
    page: int
    start: int  # offsets into Document.text
    end: int
    section: str | None = None  # heading as printed
    section_kind: str | None = None  # normalised section kind
    paragraph: str | None = None  # printed paragraph number, or "¶n" when unnumbered
    is_bullet: bool = False
    tags: list[Tag] = field(default_factory=list)
    polarity: str | None = None
    polarity_score: float | None = None
    polarity_cues: list[str] = field(default_factory=list)


@dataclass
class Section:
    """A section of a document: its heading as printed, its normalised kind, page and offsets."""

    heading: str
    kind: str
    page: int
    start: int
    end: int


@dataclass
class Visit:
    """Metadata of the event a document reports on."""

    kind: str = "unknown"
    framework: str | None = None  # ilacs | sif | other (inspections); visit framework otherwise
    la_name: str | None = None  # council as printed
    la: str | None = None  # canonical council name
    la_urn: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    published: date | None = None
    visit_number: int | None = None
    inadequate_date: str | None = None  # e.g. "2019-05" (month precision as printed)
    lead_inspector: str | None = None
    inspectors: list[str] = field(default_factory=list)
    focus_areas: list[str] = field(default_factory=list)
    focus_themes: list[str] = field(default_factory=list)  # themes the areas covered name
    judgements: dict[str, str] = field(default_factory=dict)
    progress_verdict: str | None = None  # monitoring/focused visits: overall verdict class
    theme: str | None = None  # a JTAI's subject: "the multi-agency response to …"
    partners: list[str] = field(default_factory=list)  # a JTAI's local agencies, as addressed
    inspectorates: list[str] = field(default_factory=list)  # a JTAI's inspectorates (Ofsted, CQC…)


@dataclass
class Document:
    """A parsed document: its text and pages, its visit metadata, sections and findings."""

    path: str
    sha256: str
    format: str
    text: str
    pages: list[Page]
    visit: Visit
    sections: list[Section] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: the database rows of pages, sections, findings and tags, made by ``store.db.pack_document``
    #: in an ingest worker (plain tuples: far cheaper to send between processes than objects)
    packed: dict | None = None

    @property
    def n_pages(self) -> int:
        """How many pages the document has (also once packed for storage)."""
        return self.packed["n_pages"] if self.packed is not None else len(self.pages)

    def page_of(self, offset: int) -> int:
        """The number of the page that holds a character offset of ``text``."""
        pos = 0
        for p in self.pages:
            end = pos + len(p.text)
            if offset <= end:
                return p.number
            pos = end + len(PAGE_SEP)
        return self.pages[-1].number if self.pages else 1


class ReadError(Exception):
    """A file that cannot be read; the message is one line naming the reason."""
