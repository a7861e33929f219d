import pytest

from ofsted_mine.model import ReadError
from ofsted_mine.read import read_bytes, read_file
from ofsted_mine.read.clean import clean_pages

from .conftest import LETTER_LINES, make_pdf


def test_clean_joins_broken_lines_and_normalises_characters():
    raw = [
        "1\r\nInspection of Wyvern Vale local authority children’s services\r\n"
        "Some text about multi\ufffeagency work that runs on to the next line and keeps going for a while "
        "\r\n"
        "until the sentence ends here.\r\n"
        "\uf06e A bullet about pre\u00adproceedings work.\r\n"
        "\u25fc Another bullet.\r\n",
        "Inspection of Wyvern Vale local authority children’s services\r\n2\r\nPage two text continues with "
        "more words "
        "in it so that it is long enough to be a paragraph line here.\r\n",
        "Inspection of Wyvern Vale local authority children’s services\r\n3\r\nPage three.\r\n",
    ]
    pages = clean_pages(raw)
    assert (
        "multi-agency work that runs on to the next line and keeps going for a while until the sentence "
        "ends here." in pages[0]
    )
    assert "• A bullet about pre-proceedings work." in pages[0].split("\n")
    assert "• Another bullet." in pages[0].split("\n")
    # running header and page numbers removed from later pages
    assert "Inspection of Wyvern Vale" not in pages[1] and not pages[1].startswith("2")
    assert pages[2] == "Page three."


def test_clean_mends_words_hyphenated_across_lines_only_when_known():
    raw = [
        "The assessment was thorough and the assess-\nment of risk was clear, and the pre-\nproceedings "
        "letters "
        "were sent, as the assessment and the proceedings showed.\n"
    ]
    text = clean_pages(raw)[0]
    assert "assessment of risk" in text
    assert "pre-proceedings" in text


def test_footnote_markers_and_footnote_text_removed():
    raw = [
        "Review of the effectiveness of the local safeguarding children board1 is here and it runs on.\n"
        "Another line of the body text that is long enough to be a full line of prose.\n"
        "1\nOfsted produces this report under its power to combine reports.\n"
    ]
    text = clean_pages(raw)[0]
    assert "board1" not in text and "board is here" in text
    assert "Ofsted produces" not in text


def test_pdf_letter_reads_back(letter_pdf):
    rr = read_file(letter_pdf)
    assert rr.format == "pdf" and len(rr.pages) >= 1
    assert "Managers’ oversight of children’s cases is not consistently effective" in rr.text
    assert len(rr.sha256) == 64


@pytest.mark.parametrize(
    "name,data,reason",
    [
        ("empty.pdf", b"", "empty file"),
        (
            "page.pdf",
            b"<!DOCTYPE html><html><head><title>x</title></head><body>Report</body></html>",
            "HTML web page saved with a .pdf name",
        ),
        ("junk.pdf", b"this is not a pdf at all", "not a PDF"),
        ("latin1.txt", "Caf\xe9 children's services".encode("latin-1"), "not UTF-8"),
    ],
)
def test_bad_bytes_give_one_line_reasons(tmp_path, name, data, reason):
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(ReadError) as e:
        read_file(p)
    assert reason in str(e.value) and "\n" not in str(e.value)


def test_truncated_and_corrupt_pdfs(tmp_path, letter_pdf):
    data = letter_pdf.read_bytes()
    t = tmp_path / "truncated.pdf"
    t.write_bytes(data[: len(data) // 3])
    with pytest.raises(ReadError) as e:
        read_file(t)
    assert "PDF" in str(e.value)
    c = tmp_path / "corrupt.pdf"
    c.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 20)
    with pytest.raises(ReadError) as e:
        read_file(c)
    assert "corrupt" in str(e.value) or "truncated" in str(e.value)


def test_password_protected_pdf(tmp_path):
    p = make_pdf(tmp_path / "locked.pdf", LETTER_LINES[:8], encrypt="secret")
    with pytest.raises(ReadError) as e:
        read_file(p)
    assert "password" in str(e.value)


def test_scan_without_text_layer(tmp_path):
    p = make_pdf(tmp_path / "scan.pdf", [], blank=True)
    with pytest.raises(ReadError) as e:
        read_file(p)
    assert str(e.value) == "no text layer: needs OCR"


def test_html_file_is_read_as_html(tmp_path):
    html = (
        b"<html><head><script>alert(1)</script><style>p{}</style></head><body>"
        b"<h1>Monitoring visit to Wyvern Vale "
        b"children&rsquo;s services</h1><p>Most plans are effective.</p><ul><li>One</li></ul></body></html>"
    )
    rr = read_bytes(html, str(tmp_path / "letter.html"))
    assert rr.format == "html"
    assert "Monitoring visit to Wyvern Vale children’s services" in rr.text
    assert "alert" not in rr.text and "• One" in rr.text


def test_missing_path_and_directory(tmp_path):
    with pytest.raises(ReadError, match="no such file"):
        read_file(tmp_path / "nope.pdf")
    with pytest.raises(ReadError, match="directory"):
        read_file(tmp_path)
