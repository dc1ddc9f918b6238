"""Calendar dates as the sources write them: ISO, DD/MM/YYYY, "1er mars 2023", "5 April 2023"."""

from __future__ import annotations

import re
from datetime import date, datetime

from indexer.readers.text import normalize_space, shorten
from semsearch.errors import InputError

_MONTHS = {
    "janvier": 1, "janv": 1, "février": 2, "fevrier": 2, "févr": 2, "fevr": 2, "mars": 3,
    "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "août": 8, "aout": 8,
    "septembre": 9, "sept": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11,
    "décembre": 12, "decembre": 12, "déc": 12, "dec": 12,
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sep": 9, "october": 10, "november": 11, "december": 12,
}  # fmt: skip

_ISO_START = re.compile(r"^\d{4}-\d{2}-\d{2}")
_NUMERIC_DATE = re.compile(r"^(\d{1,2})\s*([/.-])\s*(\d{1,2})\s*\2\s*(\d{4})$")
# An optional weekday ("mercredi 5 avril 2023"), "1er" / "1st", a month name, a year.
_WORDED_DATE = re.compile(
    r"^(?:[^\W\d_]+,?\s+)?(\d{1,2})(?:er|re|st|nd|rd|th)?\s+([^\W\d_]+)\.?,?\s+(\d{4})$", re.IGNORECASE
)


def _bad_date(value: object) -> InputError:
    return InputError(f"invalid date {shorten(value)}")


def parse_date(value: object) -> date:
    """A calendar date from ISO dates or datetimes, DD/MM/YYYY (also - and .), or "1er mars 2023"."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise _bad_date(value)
    text = normalize_space(value)
    try:
        if _ISO_START.match(text):
            if len(text) == 10:
                return date.fromisoformat(text)
            return datetime.fromisoformat(text).date()
        numeric = _NUMERIC_DATE.match(text)
        if numeric:
            return date(int(numeric.group(4)), int(numeric.group(3)), int(numeric.group(1)))
        worded = _WORDED_DATE.match(text)
        if worded:
            month = _MONTHS.get(worded.group(2).lower())
            if month is not None:
                return date(int(worded.group(3)), month, int(worded.group(1)))
    except ValueError:
        pass
    raise _bad_date(value)
