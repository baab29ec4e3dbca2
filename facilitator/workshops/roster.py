"""Reading a roster CSV (name, organisation, role, optional sector).

Rosters come out of spreadsheets: UTF-8 with or without a byte-order mark
(Excel's "CSV UTF-8"), Windows' cp1252 (Excel's plain "CSV"; Latin-1 reads the
same), or UTF-16 with a byte-order mark (Excel's "Unicode Text", tab-separated);
cells are separated by commas, semicolons (Excel where the comma is the decimal
mark) or tabs, whichever the first line uses. A file that cannot be read whole
is refused whole (`Refused`), with a message saying why and what to do: so is a
UTF-8 file with some lines in another encoding, which neither reading would
import without garbling names.
"""
import codecs
import csv
import io
import re

from ..validation import clean_text, name_key, name_skeleton

MAX_ROWS = 5000
MAX_BYTES = 1024 * 1024
MAX_LINE = 20_000  # characters in one line, or in one cell
LIMITS = {"name": 80, "organisation": 120, "role": 80, "sector": 80}
PAUSE_EVERY = 200  # rows between two pauses, so a large file lets others through
MAX_PROBLEMS = 50  # skipped lines described one by one; the rest are counted

SAVE_AS = "In your spreadsheet, choose Save As › “CSV UTF-8” and import that file."

# A character of two to four bytes as UTF-8 writes it (a surrogate, which UTF-8 does
# not allow, too). Text in cp1252 or Latin-1 has one only where an accented capital or
# lower-case letter is followed by one or more symbols such as ’ “ € ©: hardly ever in
# names, while a UTF-8 file has one for every letter outside ASCII.
UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|"
                           rb"[\xe1-\xef][\x80-\xbf]{2}|\xf0[\x90-\xbf][\x80-\xbf]{2}|"
                           rb"[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}")


class Refused(Exception):
    """A file that is not imported at all, with a message a person can act on."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code  # too_large, or invalid


def decode(raw: bytes) -> str:
    """The file's text: UTF-16 by its byte-order mark, else UTF-8, else cp1252 (for a
    file with no character written as UTF-8 would write it)."""
    if raw.startswith(b"PK\x03\x04"):
        raise Refused("This is a spreadsheet workbook (.xlsx), not a CSV file. " + SAVE_AS)
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    elif raw.startswith(codecs.BOM_UTF8):
        encodings = ["utf-8-sig"]
    elif len(raw) >= 4 and not any(raw[1:200:2]) and all(raw[0:200:2]):
        encodings = ["utf-16-le"]  # no byte-order mark, but every other byte is zero
    elif len(raw) >= 4 and not any(raw[0:200:2]) and all(raw[1:200:2]):
        encodings = ["utf-16-be"]
    elif b"\x00" in raw:
        raise Refused("The file is not a text file. " + SAVE_AS)
    else:
        encodings = ["utf-8", "cp1252"]
    for encoding in encodings:
        try:
            content = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            if encoding.startswith("utf-8") and (
                    encoding == "utf-8-sig" or UTF8_SEQUENCE.search(raw)):
                raise _partly_utf8(raw) from None
    else:
        raise Refused("The file's text is in an encoding this app cannot read. " + SAVE_AS)
    if "\x00" in content:
        raise Refused("The file is not a text file. " + SAVE_AS)
    return content


def _partly_utf8(raw: bytes) -> Refused:
    """A file in UTF-8 but for some lines (pasted from elsewhere, or written by a
    program that stored a byte of its own): read as cp1252, every accented letter of
    the UTF-8 lines would be garbled, and the rest cannot be read as UTF-8."""
    newline = b"\n" if b"\n" in raw else b"\r"
    bad, first = [], b""
    for number, line in enumerate(raw.split(newline), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            first = first or line
            bad.append(number)
    if len(bad) == 1:
        which = f"Line {bad[0]} is"
    elif len(bad) <= 5:
        which = f"Lines {', '.join(map(str, bad[:-1]))} and {bad[-1]} are"
    else:
        which = f"Lines {', '.join(map(str, bad[:5]))} and {len(bad) - 5:,} more are"
    shown = "".join(c for c in first.decode("utf-8", "replace") if c.isprintable()).strip()
    shown = shown if len(shown) <= 60 else shown[:59] + "…"
    it = "it" if len(bad) == 1 else f"line {bad[0]}"
    return Refused(f"{which} not valid UTF-8 (the rest of the file is): {it} reads "
                   f"“{shown}”. Retype the letters shown as � and save the file as UTF-8 "
                   "(in a spreadsheet: Save As › “CSV UTF-8”), then import it again.")


def delimiter(first_line: str) -> str:
    """What separates the cells: a comma, semicolon or tab, as the header line shows."""
    try:
        return csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _check_lines(content: str):
    lines = content.splitlines()
    if max(map(len, lines), default=0) > MAX_LINE:
        number = next(n for n, line in enumerate(lines, start=1) if len(line) > MAX_LINE)
        raise Refused(f"Line {number} is longer than {MAX_LINE:,} characters: this does not "
                      "look like a roster. Each line should hold one delegate's name, "
                      "organisation, role and sector.")


def read(raw: bytes, pause=None) -> tuple[list[dict], list[str]]:
    """Rows to import and readable problems, one per skipped line; `Refused` for a file
    that cannot be imported at all. `pause()`, if given, is called every few hundred
    rows (the server passes socketio.sleep, so that other requests run meanwhile)."""
    if len(raw) > MAX_BYTES:
        raise Refused(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB "
                      f"(at most {MAX_ROWS:,} delegates): split it, or remove extra "
                      "columns.", "too_large")
    content = decode(raw)
    _check_lines(content)
    first = content.lstrip("\ufeff").splitlines()[0] if content.strip() else ""
    sep = delimiter(first)
    reader = csv.reader(io.StringIO(content.lstrip("\ufeff"), newline=""), delimiter=sep)
    try:
        header = [clean_text(h, name=True).casefold() for h in next(reader, [])]
        if not any(header):
            raise Refused("The file is empty. The first line must name the columns "
                          "(e.g. name,organisation,role,sector), one delegate a line after it.")
        missing = [c for c in ("name", "organisation") if c not in header]
        if missing:
            raise Refused("The first line must name the columns, including "
                          + " and ".join(missing) + " (e.g. name,organisation,role,sector).")
        index = {c: header.index(c) for c in LIMITS if c in header}
        rows, problems, seen, skipped = [], [], {}, 0

        def skip(message):
            nonlocal skipped
            skipped += 1
            if len(problems) < MAX_PROBLEMS:
                problems.append(message)

        for line, cells in enumerate(reader, start=2):
            if pause and line % PAUSE_EVERY == 0:
                pause()
            if not any(c.strip() for c in cells):
                continue
            if len(rows) + skipped >= MAX_ROWS:
                raise Refused(f"The file has more than {MAX_ROWS:,} delegates: this app "
                              f"imports at most {MAX_ROWS:,} at a time. Split the file, "
                              "and import each part.", "too_large")
            if any(len(c) > MAX_LINE for c in cells) or any(
                    "\n" in cells[i] and sep in cells[i] for i in index.values()
                    if i < len(cells)):
                # A quotation mark opened and never closed takes in the lines after it.
                raise Refused(f"Line {line} runs on over the lines after it: a quotation "
                              "mark may be missing its partner.")
            row = {c: clean_text(cells[i], name=True) if i < len(cells) else ""
                   for c, i in index.items()}
            row.setdefault("role", "")
            row.setdefault("sector", "")
            if not row["name"]:
                skip(f"Line {line}: no name.")
                continue
            too_long = [c for c, limit in LIMITS.items() if len(row[c]) > limit]
            if too_long:
                skip(f"Line {line}: {too_long[0]} is too long "
                     f"(at most {LIMITS[too_long[0]]} characters).")
                continue
            # Names that read the same (see name_skeleton) are one person.
            row["name_key"] = name_key(row["name"])
            row["name_skeleton"] = name_skeleton(row["name"])
            key = (row["name_skeleton"] or row["name_key"], name_key(row["organisation"]))
            if key in seen:
                skip(f"Line {line}: {row['name']} ({row['organisation']}) repeats "
                     f"line {seen[key]}; skipped.")
                continue
            seen[key] = line
            rows.append(row)
    except csv.Error as exc:
        if "field larger" in str(exc):
            raise Refused(f"Reading stopped at line {reader.line_num}, in a cell of more "
                          f"than {MAX_LINE:,} characters: a quotation mark may be missing "
                          "its partner.") from None
        raise Refused(f"The file could not be read as CSV (line {reader.line_num}: "
                      f"{exc}). " + SAVE_AS) from None
    if skipped > len(problems):
        problems.append(f"…and {skipped - len(problems)} more lines were skipped.")
    return rows, problems


def parse(raw: bytes, pause=None) -> tuple[list[dict], list[str]]:
    """`read`, with a refused file as no rows and its one problem."""
    try:
        return read(raw, pause)
    except Refused as refused:
        return [], [refused.message]
