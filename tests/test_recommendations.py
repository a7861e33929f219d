"""Recommendation extraction on fictional report text, one test per heading form."""

from ofsted_mine.parse.recommendations import extract_recommendations, split_tail

PROSE = (
    "Leaders in Wyvern Vale have a clear understanding of the strengths and weaknesses of practice, "
    "and they have acted on most of the areas identified at the last inspection."
)


def _texts(recs, who="council"):
    return [r.text for r in recs if r.addressee == who]


def test_ilacs_what_needs_to_improve_with_footnote_marker_and_tails():
    text = "\n".join(
        [
            PROSE,
            "What needs to improve?",
            "1",
            "• The timeliness of assessments for disabled children. (outcome 1, national framework)",
            "• The quality of pathway plans for care leavers [Enabler two].",
            "The experiences and progress of children who need help and protection: good",
            "1. Children in Wyvern Vale receive help at the right time. Leaders know their services well.",
        ]
    )
    recs = extract_recommendations(text)
    assert _texts(recs) == [
        "The timeliness of assessments for disabled children.",
        "The quality of pathway plans for care leavers",
    ]
    assert [r.tail for r in recs] == ["(outcome 1, national framework)", "[Enabler two]."]
    assert all(r.group is None and r.section == "What needs to improve?" for r in recs)
    assert [r.paragraph for r in recs] == ["•1", "•2"]


def test_glued_footnote_marker_and_sub_bullets_on_one_line():
    text = "\n".join(
        [
            PROSE,
            "What needs to improve in this local authority?1",
            "• The help for young people who are homeless, including:",
            "– the sufficiency of accommodation – the support available to them",
            "• Management oversight of private fostering arrangements.",
            "The experiences and progress of children in care: requires improvement to be good",
        ]
    )
    recs = extract_recommendations(text)
    assert _texts(recs) == [
        "The help for young people who are homeless, including: the sufficiency of accommodation; "
        "the support available to them",
        "Management oversight of private fostering arrangements.",
    ]


def test_sif_recommendations_and_lscb_part():
    text = "\n".join(
        [
            "Contents",
            "Recommendations 7",
            "The Local Safeguarding Children Board (LSCB) 30",
            "Information about this inspection 35",
            "\f",
            "The local authority",
            "Recommendations",
            "1. Ensure that all children in need have a plan that is reviewed regularly (paragraph 12).",
            "2. Implement the following areas for improvement from the previous inspection:",
            "• improve the timeliness of health assessments (paragraph 40)",
            "• improve the quality of personal education plans (paragraph 41).",
            "3. Strengthen the recruitment of foster carers so that more children live",
            "\f",
            "near their families (paragraph 52).",
            "Summary for children and young people",
            "Inspectors found that most of you are safe.",
            "The Local Safeguarding Children Board (LSCB)",
            "Executive summary",
            "The board is well chaired.",
            "Recommendations",
            "30. Ensure that the board evaluates the impact of its training (paragraph 61).",
            "Inspection findings – the Local Safeguarding Children Board",
            "31. The board has a clear business plan. Partners attend well. Challenge is evident in minutes.",
        ]
    )
    recs = extract_recommendations(text)
    assert _texts(recs) == [
        "Ensure that all children in need have a plan that is reviewed regularly (paragraph 12).",
        "Implement the following areas for improvement from the previous inspection: improve the "
        "timeliness of health "
        "assessments (paragraph 40); improve the quality of personal education plans (paragraph 41).",
        "Strengthen the recruitment of foster carers so that more children live near their families "
        "(paragraph 52).",
    ]
    assert [r.page for r in recs if r.addressee == "council"] == [2, 2, 2]
    assert _texts(recs, "lscb") == [
        "Ensure that the board evaluates the impact of its training (paragraph 61)."
    ]
    assert [r.paragraph for r in recs] == ["1", "2", "3", "30"]


def test_time_groups_are_not_items_and_intro_is_dropped():
    text = "\n".join(
        [
            PROSE,
            "Areas for improvement",
            "15. In order to improve the quality of services for children looked after, the local "
            "authority should take "
            "the following action.",
            "Immediately:",
            "• ensure every child looked after has an up-to-date care plan",
            "Within three months:",
            "• ensure that all care leavers have a pathway plan",
            "• review the sufficiency of local placements",
            "Outcomes for children looked after",
            "Grade 3 (Adequate)",
            "16. Outcomes for children looked after are adequate.",
        ]
    )
    recs = extract_recommendations(text)
    assert [(r.group, r.text) for r in recs] == [
        ("Immediately", "ensure every child looked after has an up-to-date care plan"),
        ("Within three months", "ensure that all care leavers have a pathway plan"),
        ("Within three months", "review the sufficiency of local placements"),
    ]


def test_early_sif_lists_with_topic_subheadings_and_lscb_heading():
    text = "\n".join(
        [
            PROSE,
            "What does the local authority need to improve?",
            "Priority and immediate action",
            "The inspection did not find any areas for priority and immediate action Areas for improvement "
            "9. Ensure "
            "that managers oversee all cases regularly.",
            "Help and protection",
            "10. Improve the quality of chronologies.",
            "Adoption 11. Reduce the time children wait for adoption.",
            "The local authority’s strengths",
            "12. Social workers know their children well.",
            "What does the LSCB need to improve?",
            "Priority and immediate action",
            "40.Ensure that partners attend the board.",
            "Areas for improvement",
            "41.Evaluate the training offer. 42.Publish the annual report on time.",
            "Key strengths and weaknesses of the LSCB",
            "43. The board is effective.",
        ]
    )
    recs = extract_recommendations(text)
    assert [(r.group, r.text) for r in recs if r.addressee == "council"] == [
        ("Areas for improvement", "Ensure that managers oversee all cases regularly."),
        ("Areas for improvement", "Improve the quality of chronologies."),
        ("Areas for improvement", "Reduce the time children wait for adoption."),
    ]
    assert [(r.group, r.text) for r in recs if r.addressee == "lscb"] == [
        ("Priority and immediate action", "Ensure that partners attend the board."),
        ("Areas for improvement", "Evaluate the training offer."),
        ("Areas for improvement", "Publish the annual report on time."),
    ]


def test_focused_visit_areas_for_priority_action():
    text = "\n".join(
        [
            "Dear Ms Smithfield",
            "Focused visit to Wyvern Vale children’s services",
            PROSE,
            "Areas for priority action",
            "• The response to children who go missing from home, so that every child is offered a return "
            "interview.",
            "What needs to improve in this area of social work practice",
            "• The recording of management decisions.",
            "Main findings",
            "Most children are seen quickly. Some plans lack detail.",
        ]
    )
    recs = extract_recommendations(text)
    assert [(r.group, r.text) for r in recs] == [
        (
            "Areas for priority action",
            "The response to children who go missing from home, so that every child is "
            "offered a return interview.",
        ),
        (None, "The recording of management decisions."),
    ]


def test_findings_under_a_misplaced_heading_are_not_items():
    text = "\n".join(
        [
            "Recommendations",
            "30. The board is well established. It holds partners to account. Its minutes show challenge.",
            "31. Partners attend well. Sub-groups are effective. Training is well regarded by staff.",
            "Information about this inspection",
        ]
    )
    assert extract_recommendations(text) == []


def test_split_tail():
    assert split_tail("Help for young carers. (outcome 1, national framework)") == (
        "Help for young carers.",
        "(outcome 1, national framework)",
    )
    assert split_tail("Improve plans (paragraph 25).") == ("Improve plans (paragraph 25).", None)


def test_footnote_marker_under_a_heading_is_not_a_section():
    from ofsted_mine.model import Page
    from ofsted_mine.parse.segment import segment

    text = "\n".join(
        [
            PROSE,
            "What needs to improve?",
            "1",
            "• The timeliness of assessments.",
            "What needs to improve?1",
            "• The quality of plans.",
        ]
    )
    sections, findings = segment([Page(1, text)], first_kind="summary")
    assert [s.heading for s in sections] == ["(summary)", "What needs to improve?", "What needs to improve?"]
    assert [f.section for f in findings[-2:]] == ["What needs to improve?", "What needs to improve?"]
    assert {f.section_kind for f in findings[-2:]} == {"what_needs_to_improve"}


def test_saved_text_copy_with_markdown_heading_and_dash_bullets():
    text = "\n".join(
        [
            PROSE,
            "# What needs to improve?",
            "",
            "- The timeliness of assessments.",
            "- The quality of plans.",
            "",
            "# The experiences and progress of children in care: good",
        ]
    )
    recs = extract_recommendations(text)
    assert [r.text for r in recs] == ["The timeliness of assessments.", "The quality of plans."]
    assert text[recs[0].start : recs[0].start + 8] == "The time"


def test_numbered_item_continued_as_a_sentence_after_a_page_break():
    text = "\n".join(
        [
            "Recommendations",
            "10. When children go missing, ensure that managers understand the risks.",
            "\f",
            "Ensure that return interviews inform planning.",
            "11. Develop a sufficiency strategy.",
            "Summary for children and young people",
            "We found that you are safe.",
        ]
    )
    recs = extract_recommendations(text)
    assert [r.text for r in recs] == [
        "When children go missing, ensure that managers understand the risks. "
        "Ensure that return interviews inform planning.",
        "Develop a sufficiency strategy.",
    ]
    assert [r.page for r in recs] == [1, 2]
