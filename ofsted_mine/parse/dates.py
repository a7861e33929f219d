"""Dates as printed in Ofsted letters and reports -> datetime.date (None when unknown)."""

from __future__ import annotations

import re
from datetime import date

MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        1,
    )
}
MONTHS.update({k[:3]: v for k, v in list(MONTHS.items())})
MONTHS["sept"] = 9

_M = (
    r"(January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)"
)
_D = r"(\d{1,2})(?:st|nd|rd|th)?"
_Y = r"(\d{4})"
DATE_RE = re.compile(_D + r"\s+" + _M + r",?\s+" + _Y, re.I)
# a range: "16 and 17 October 2019", "28 February to 1 March 2023", "8 – 12 July 2013",
# "30 November 2021 to 1 December 2021", "16 September – 8 October 2014"
RANGE_RE = re.compile(
    _D
    + r"(?:\s+"
    + _M
    + r")?(?:,?\s+"
    + _Y
    + r")?\s*(?:to|and|–|-|—|─|‒|―|until)\s*"
    + _D
    + r"\s+"
    + _M
    + r",?\s+"
    + _Y,
    re.I,
)
ORDINALS = {
    w: i
    for i, w in enumerate(
        [
            "first",
            "second",
            "third",
            "fourth",
            "fifth",
            "sixth",
            "seventh",
            "eighth",
            "ninth",
            "tenth",
            "eleventh",
            "twelfth",
            "thirteenth",
            "fourteenth",
            "fifteenth",
        ],
        1,
    )
}


def make_date(d: str, m: str, y: str) -> date | None:
    """A date from day, month name (or abbreviation) and year as printed; None when impossible."""
    month = MONTHS.get(m.lower()) or MONTHS.get(m.lower()[:3])
    try:
        return date(int(y), month, int(d)) if month else None
    except ValueError:
        return None


def parse_date(s: str) -> date | None:
    """The first date written out in ``s`` ("16 October 2019"), or None."""
    m = DATE_RE.search(s)
    return make_date(*m.groups()) if m else None


NUMERIC_RE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")


def _numeric(s: str) -> list[date]:
    out = []
    for d, m, y in NUMERIC_RE.findall(s):
        try:
            out.append(date(int(y), int(m), int(d)))
        except ValueError:
            pass
    return out


_WEEKDAY = re.compile(r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?\s+", re.I)
# a list of days before one month: "5, 6 and 7 April 2017" -> "5 to 7 April 2017"
_DAY_LIST = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)?(?:,\s*\d{1,2}(?:st|nd|rd|th)?)+,?\s+and\s+(?=\d{1,2}(?:st|nd|rd|th)?\s+"
    + _M
    + ")",
    re.I,
)
# days of one month followed by more days: "1 and 2 March and 4 March 2020" -> "1 March 2020 to 4 March 2020"
_DAYS_NO_YEAR = re.compile(
    _D
    + r"\s+(?:and|to|–|-)\s+"
    + _D
    + r"\s+"
    + _M
    + r"\s+(?:and|to|–|-)\s+"
    + _D
    + r"\s+"
    + _M
    + r",?\s+"
    + _Y,
    re.I,
)


def _normalise_range(s: str) -> str:
    s = _WEEKDAY.sub("", s)
    s = _DAY_LIST.sub(lambda m: m.group(1) + " to ", s)
    s = _DAYS_NO_YEAR.sub(
        lambda m: f"{m.group(1)} {m.group(3)} {m.group(6)} to {m.group(4)} {m.group(5)} {m.group(6)}", s
    )
    return s


def parse_range(s: str) -> tuple[date | None, date | None]:
    """First date range (or single date) in ``s``; for several ranges ("... and ...") the span of all."""
    s = _normalise_range(s)
    nums = _numeric(s[:60])
    if nums:
        return min(nums), max(nums)
    spans = []
    for m in RANGE_RE.finditer(s):
        d1, m1, y1, d2, m2, y2 = m.groups()
        end = make_date(d2, m2, y2)
        start = make_date(d1, m1 or m2, y1 or y2)
        if start and end and start > end and not y1:  # "30 December to 3 January 2020"
            start = make_date(d1, m1 or m2, str(int(y2) - 1))
        if start and end:
            spans.append((m.start(), m.end(), start, end))
    if spans:
        # ranges joined by "and" (inspections in two parts): take the whole span
        starts = [sp[2] for sp in spans]
        ends = [sp[3] for sp in spans]
        return min(starts), max(ends)
    d = parse_date(s)
    return d, d


def parse_ordinal(s: str) -> int | None:
    """A visit number from an ordinal as printed: "seventh" or "7th" -> 7; None when not one."""
    s = s.strip().lower()
    if s in ORDINALS:
        return ORDINALS[s]
    m = re.fullmatch(r"(\d{1,2})(st|nd|rd|th)?", s)
    return int(m.group(1)) if m else None
