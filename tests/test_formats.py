"""Letter and report formats the parser had not seen (issue 12, items 3 and 4).

Every text here is fictional (councils of the sample corpus, invented inspectors)."""

from datetime import date

import pytest

from ofsted_mine.model import Page, ReadResult
from ofsted_mine.parse import parse
from ofsted_mine.parse.dates import parse_range
from ofsted_mine.read import read_bytes, read_file
from ofsted_mine.read.clean import clean_pages

from .conftest import make_pdf


def _doc(pages: list[str], name: str = "x.pdf"):
    """Parse raw page texts as the PDF reader would hand them over (cleaning included)."""
    cleaned = clean_pages(pages)
    rr = ReadResult(
        path=name, sha256="0" * 64, format="pdf", pages=[Page(i + 1, t) for i, t in enumerate(cleaned)]
    )
    return parse(rr)


# ------------------------------------------------------------------ kind before header cleaning

TITLE = "Inspection of Wyvern Vale local authority children’s services"
PROSE = (
    "Children in Wyvern Vale are helped by social workers who know them well, and most plans are reviewed "
    "regularly by managers who understand the risks that children face at home."
)


def _ilacs_pages(n: int = 6) -> list[str]:
    first = "\r\n".join(
        [
            TITLE,
            "Inspection dates: 3 to 14 March 2025",
            "Lead inspector: Tamsin Oakridge, His Majesty’s Inspector",
            "Judgement Grade",
            "The impact of leaders on social work practice with children and families Good",
            "The experiences and progress of children who need help and protection Good",
            "The experiences and progress of children in care Requires improvement",
            "to be good",
            "The experiences and progress of care leavers Good",
            "Overall effectiveness Good",
            PROSE,
        ]
    )
    pages = [first]
    for k in range(2, n + 1):
        pages.append(
            "\r\n".join(
                [TITLE, "3 March 2025 to 14 March 2025", str(k), f"{k}. " + PROSE, f"{k + 20}. " + PROSE]
            )
        )
    return pages


def test_ilacs_title_that_repeats_as_running_header_still_decides_the_kind():
    d = _doc(_ilacs_pages(6))
    v = d.visit
    assert (v.kind, v.framework) == ("inspection", "ilacs")
    assert v.la == "Wyvern Vale"
    assert (v.start_date, v.end_date) == (date(2025, 3, 3), date(2025, 3, 14))
    assert v.lead_inspector == "Tamsin Oakridge"
    assert v.judgements == {
        "leaders": "good",
        "help_protection": "good",
        "in_care": "requires improvement",
        "care_leavers": "good",
        "overall": "good",
    }
    # the running header is still removed from the other pages
    assert all(TITLE not in p.text for p in d.pages[1:])


# ------------------------------------------------------------------ inspectors in every phrasing


def _letter(opening: str, signature: str = "Yours sincerely\nAlex Thornbury\nHer Majesty’s Inspector") -> str:
    body = " ".join(
        f"{i}. Managers review children’s plans every month and record their decisions clearly."
        for i in range(1, 2)
    )
    return "\n".join(
        [
            "14 March 2017",
            "Ms Jo Smithfield",
            "Director of Children’s Services",
            "Wyvern Vale Council",
            "",
            "Dear Ms Smithfield",
            "",
            "Monitoring visit of Wyvern Vale children’s services",
            "",
            opening,
            "",
            "Areas covered by the visit",
            "",
            "Inspectors reviewed the quality of assessments and plans for children in need.",
            "",
            "Findings and evaluation of progress",
            "",
            body + " " * 200,
            "",
            "Ofsted will take the findings from this monitoring visit into account when planning your next "
            "inspection or visit.",
            "",
            signature,
        ]
    )


A, B, C = "Alex Thornbury", "Priya Castellan", "Tomasz Ellery"
_VISIT = (
    "This letter summarises the findings of the monitoring visit to Wyvern Vale children’s services on "
    "5 and 6 April 2017. The visit was the second monitoring visit since the local authority was judged "
    "inadequate in May 2016. "
)


@pytest.mark.parametrize(
    "sentence,inspectors",
    [
        (f"The inspectors were {A} and {B}, Her Majesty’s Inspectors.", [A, B]),
        (f"The inspectors were {A}, Her Majesty’s Inspector (HMI), and {B}, HMI.", [A, B]),
        (f"The visit was carried out by {A}, {B} and {C}, Her Majesty’s Inspectors.", [A, B, C]),
        (f"The visit was carried out by Her Majesty’s Inspectors {A}, {B} and {C}.", [A, B, C]),
        (
            f"The visit was conducted by {A} and {B}, His Majesty’s Inspectors, and {C}, Ofsted Inspector.",
            [A, B, C],
        ),
        (f"Her Majesty’s Inspectors {A} and {B} carried out the visit.", [A, B]),
        (f"{A}, Her Majesty’s Inspector, and {B}, Her Majesty’s Inspector, carried out the visit.", [A, B]),
        (f"The lead inspector was {A}. The visit was also attended by {B}, Her Majesty’s Inspector.", [A, B]),
        (f"Inspectors for this visit were {A}, {B} and {C}.", [A, B, C]),
        (f"The visit was undertaken by {A} (lead inspector) and {B}, HMI.", [A, B]),
        (
            f"The visit was carried out by {A} and {B}, Her Majesty’s Inspectors, with the Care Quality "
            "Commission.",
            [A, B],
        ),
        (
            f"The visit was led by Her Majesty’s Inspector {A}, supported by {B}, Her Majesty’s Inspector.",
            [A, B],
        ),
        (f"The visit was led by {A}, HMI, and {B}, HMI, assisted by {C}, Ofsted Inspector.", [A, B, C]),
        (f"Inspectors: {A} (lead), {B} and {C}.", [A, B, C]),
    ],
)
def test_inspectors_in_every_phrasing(sentence, inspectors):
    text = _letter(_VISIT + sentence)
    d = parse(read_bytes(text.encode(), "letter.txt"))
    assert d.visit.kind == "monitoring_visit"
    assert d.visit.inspectors == inspectors
    assert d.visit.lead_inspector == A


def test_lead_named_in_the_opening_wins_over_the_signature():
    text = _letter(
        _VISIT
        + f"The visit was led by Her Majesty’s Inspector {B}, supported by {A}, Her Majesty’s Inspector.",
        signature=f"Yours sincerely\n{A}\nHer Majesty’s Inspector",
    )
    v = parse(read_bytes(text.encode(), "letter.txt")).visit
    assert v.lead_inspector == B and v.inspectors == [B, A]


def test_lead_inspector_label_in_a_letter():
    text = _letter(
        _VISIT + f"Lead inspector: {B}. The visit was carried out by {B} and {A}, Her Majesty’s Inspectors.",
        signature="Yours sincerely\nOfsted",
    )
    d = parse(read_bytes(text.encode(), "letter.txt"))
    assert d.visit.lead_inspector == B and d.visit.inspectors == [B, A]


# ------------------------------------------------------------------ paragraph numbers glued to text


def test_paragraph_number_glued_to_its_text_starts_a_new_paragraph():
    pages = [
        "\r\n".join(
            [
                TITLE,
                "Inspection dates: 3 to 14 March 2025",
                "Lead inspector: Tamsin Oakridge",
                PROSE,
                "53. Managers know their teams well and review the work of newly qualified staff",
                "every week.",
                "54.Leaders prioritise the recruitment of permanent social workers. Caseloads are now",
                "lower in every team.",
                "55.\u2018Staying close\u2019 support helps young people who leave care at 18.",
            ]
        ),
    ]
    d = _doc(pages)
    labelled = [(f.paragraph, f.text) for f in d.findings if f.paragraph and f.paragraph.isdigit()]
    assert labelled == [
        ("53", "Managers know their teams well and review the work of newly qualified staff every week."),
        ("54", "Leaders prioritise the recruitment of permanent social workers."),
        ("54", "Caseloads are now lower in every team."),
        ("55", "\u2018Staying close\u2019 support helps young people who leave care at 18."),
    ]
    assert all(d.text[f.start : f.end] == f.text for f in d.findings)


def test_decimals_and_sub_numbers_are_not_paragraph_numbers():
    pages = [
        "\r\n".join(
            [
                TITLE,
                "Inspection dates: 3 to 14 March 2025",
                PROSE,
                "12. Caseloads average 18 children and",
                "3.5 children per worker are waiting for allocation.",
            ]
        )
    ]
    d = _doc(pages)
    assert [f.paragraph for f in d.findings if f.paragraph and f.paragraph.isdigit()] == ["12"]


# ------------------------------------------------------------------ visit dates in every form


@pytest.mark.parametrize(
    "text,start,end",
    [
        ("16 and 17 October 2019", date(2019, 10, 16), date(2019, 10, 17)),
        ("28 February to 1 March 2023", date(2023, 2, 28), date(2023, 3, 1)),
        ("30 November 2021 to 1 December 2021", date(2021, 11, 30), date(2021, 12, 1)),
        ("31 May 2023 to 1 June 2023", date(2023, 5, 31), date(2023, 6, 1)),
        ("16th and 17th October 2019", date(2019, 10, 16), date(2019, 10, 17)),
        ("5, 6 and 7 April 2017", date(2017, 4, 5), date(2017, 4, 7)),
        ("16, 17 and 18 October 2019", date(2019, 10, 16), date(2019, 10, 18)),
        ("Tuesday 16 and Wednesday 17 October 2019", date(2019, 10, 16), date(2019, 10, 17)),
        ("Tuesday 16 October 2019 to Thursday 18 October 2019", date(2019, 10, 16), date(2019, 10, 18)),
        ("30 November and 1 December 2021", date(2021, 11, 30), date(2021, 12, 1)),
        ("1 and 2 March and 4 March 2020", date(2020, 3, 1), date(2020, 3, 4)),
    ],
)
def test_visit_date_forms(text, start, end):
    assert parse_range(text) == (start, end)


@pytest.mark.parametrize(
    "opening,start,end",
    [
        (
            "This letter summarises the findings of the monitoring visit to Wyvern Vale children’s services "
            "on "
            "5, 6 and 7 April 2017.",
            date(2017, 4, 5),
            date(2017, 4, 7),
        ),
        (
            "This letter summarises the findings of the assurance visit to Wyvern Vale children’s services "
            "on "
            "Tuesday 13 and Wednesday 14 October 2020.",
            date(2020, 10, 13),
            date(2020, 10, 14),
        ),
        (
            "Inspectors carried out a monitoring visit to Wyvern Vale children’s services between 30 "
            "November 2021 and "
            "1 December 2021.",
            date(2021, 11, 30),
            date(2021, 12, 1),
        ),
        (
            "The monitoring visit to Wyvern Vale children’s services took place on 16th and 17th October "
            "2019.",
            date(2019, 10, 16),
            date(2019, 10, 17),
        ),
    ],
)
def test_visit_dates_found_in_the_opening(opening, start, end):
    text = _letter(opening + f" The visit was carried out by {A} and {B}, Her Majesty’s Inspectors.")
    v = parse(read_bytes(text.encode(), "letter.txt")).visit
    assert (v.start_date, v.end_date) == (start, end)


# ------------------------------------------------------------------ page citations


def _page_words(pdf):
    import re

    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    out = [re.sub(r"[^a-z0-9]", "", doc[i].get_textpage().get_text_range().lower()) for i in range(len(doc))]
    doc.close()
    return out


def test_finding_page_is_where_its_sentence_starts(tmp_path):
    from ofsted_mine.evaluate_cite import sentence_on_page

    teams = ["Alder", "Birch", "Cedar", "Damson", "Elm", "Fir", "Gorse", "Hazel", "Ivy", "Juniper", "Larch"]
    templates = [
        "Managers in the {t} team check the plans of children in care every {n} weeks.",
        "Social workers in {t} visit children regularly, and {n} of them were seen alone.",
        "Some assessments written by the {t} team are too brief and do not consider the family history.",
        "Leaders have recruited {n} permanent managers to the {t} front door service.",
        "Independent reviewing officers challenge drift in the plans of the {t} team.",
        "The {t} team holds {n} regular reflective discussions about risk each month.",
    ]
    lines = [
        "# Inspection of Wyvern Vale local authority children’s services",
        "Inspection dates: 3 to 14 March 2025",
        "Lead inspector: Tamsin Oakridge",
    ]
    for i in range(1, 25):
        lines.append(
            f"{i}. "
            + " ".join(tp.format(t=teams[(i + k) % len(teams)], n=i + k) for k, tp in enumerate(templates))
        )
    pdf = make_pdf(tmp_path / "r.pdf", lines)
    d = parse(read_file(pdf))
    pages = _page_words(pdf)
    assert len(pages) >= 3
    wrong = [f for f in d.findings if not sentence_on_page(f.text, pages[f.page - 1], (pages + [""])[f.page])]
    assert not wrong, [(f.page, f.paragraph, f.text) for f in wrong]
    # the test can fail: some sentences start on a later page than their paragraph
    first_page = {}
    for f in d.findings:
        first_page.setdefault(f.paragraph, f.page)
    assert any(f.page > first_page[f.paragraph] for f in d.findings)


def test_inspection_team_listed_after_the_lead():
    pages = _ilacs_pages(2)
    pages[-1] += "\r\n".join(
        [
            "",
            "Information about this inspection",
            "Inspection team",
            "Lead inspector: Tamsin Oakridge",
            "Deputy lead inspector: Gwilym Ashdown",
            "Team inspectors: Marisol Penhale HMI, Odhran Castellane (Seconded Inspector), Beatrix",
            "Fenwright and Ivo Stanmer AI",
            "Shadow inspector: Corin Blakewell",
            "Senior data analyst: Lys Hartigan",
        ]
    )
    v = _doc(pages).visit
    assert v.lead_inspector == "Tamsin Oakridge"
    assert v.inspectors == [
        "Tamsin Oakridge",
        "Gwilym Ashdown",
        "Marisol Penhale",
        "Odhran Castellane",
        "Beatrix Fenwright",
        "Ivo Stanmer",
    ]


@pytest.mark.parametrize(
    "sentence,number,inadequate",
    [
        (
            "This visit was the seventh monitoring visit since the local authority was judged inadequate in "
            "May 2016.",
            7,
            "2016-05",
        ),
        (
            "This was the local authority’s seventh monitoring visit since it was judged to be inadequate "
            "in May 2016.",
            7,
            "2016-05",
        ),
        (
            "This was the 7th monitoring visit since the local authority was judged inadequate for overall "
            "effectiveness in "
            "May 2016.",
            7,
            "2016-05",
        ),
        (
            "The local authority was judged inadequate at its inspection in May 2016, and this was its "
            "seventh monitoring visit.",
            7,
            "2016-05",
        ),
        (
            "Since the inspection published in May 2016, which judged services to be inadequate, this is "
            "the seventh "
            "monitoring visit.",
            7,
            None,
        ),
    ],
)
def test_visit_number_and_inadequate_date_phrasings(sentence, number, inadequate):
    opening = (
        "This letter summarises the findings of the monitoring visit to Wyvern Vale children’s services on "
        "5 and 6 April 2017. "
        + sentence
        + f" The visit was carried out by {A} and {B}, Her Majesty’s Inspectors."
    )
    v = parse(read_bytes(_letter(opening).encode(), "letter.txt")).visit
    assert v.visit_number == number
    if inadequate:
        assert v.inadequate_date == inadequate


def test_citation_check_itself():
    from ofsted_mine.evaluate_cite import sentence_on_page, squash

    p1 = squash("3\nManagers review plans every month. Leaders have recruited permanent")
    p2 = squash(
        "Inspection of Wyvern Vale local authority children’s services\n4\nmanagers to the front door. "
        "Caseloads are lower."
    )
    assert sentence_on_page("Managers review plans every month.", p1)
    assert sentence_on_page(
        "Leaders have recruited permanent managers to the front door.", p1, p2
    )  # runs over
    assert not sentence_on_page("Leaders have recruited permanent managers to the front door.", p2, "")
    assert sentence_on_page("Caseloads are lower.", p2) and not sentence_on_page(
        "Caseloads are lower.", p1, p2
    )
