"""The one guard against formula injection, for every file the portal writes (CSV, .xlsx).

A spreadsheet runs a cell whose text starts with =, +, - or @ (also after a
tab or a line break) as a formula: a note such as `=HYPERLINK("http://x","y")`
would become a live link, `+cmd|' /C calc'!A0` a command. So:

- in an .xlsx, such text is stored as a string cell with Excel's quote prefix:
  it shows exactly what was typed, never runs, and reads back unchanged when
  the workbook is uploaded again;
- in a CSV, which has no cell types, it gets a leading apostrophe (the
  convention spreadsheets understand as "text").

A number in a numeric column is left as it is, negative or not.
"""

import re
from copy import copy

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START)


def safe_text(value, *, numeric: bool = False):
    """`value` for a CSV field (or any text-only sink): numbers unchanged, formula-like text with an apostrophe.

    `numeric`: the column holds numbers, so a well-formed number such as "-2" stays a number.
    """
    if value is None or isinstance(value, (int, float)):
        return value
    text = str(value)
    if numeric and _NUMBER.fullmatch(text):
        return text
    return "'" + text if formula_like(text) else text


def safe_cell(cell):
    """Make an openpyxl cell (normal or write-only) that holds formula-like text show it as plain text."""
    if isinstance(cell.value, str) and formula_like(cell.value):
        cell.data_type = "s"  # openpyxl took the leading "=" for a formula
        cell._style = copy(cell._style)  # a write-only cell may share its style array with others
        cell.quotePrefix = True
    return cell
