"""Reading a roster CSV (name, organisation, role, optional sector)."""
import csv
import io

from ..validation import clean_text, name_key

MAX_ROWS = 5000
MAX_BYTES = 1024 * 1024
LIMITS = {"name": 80, "organisation": 120, "role": 80, "sector": 80}


def parse(raw: bytes) -> tuple[list[dict], list[str]]:
    """Rows to import and readable problems, one per skipped line."""
    if len(raw) > MAX_BYTES:
        return [], ["The file is larger than 1 MB; split it or remove extra columns."]
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            content = raw.decode("cp1252")
        except UnicodeDecodeError:
            return [], ["The file is not text: save it as CSV (UTF-8)."]
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        header = [clean_text(h).casefold() for h in next(reader, [])]
    except csv.Error as exc:
        return [], [f"The file could not be read as CSV: {exc}."]
    missing = [c for c in ("name", "organisation") if c not in header]
    if missing:
        return [], ["The first line must name the columns, including "
                    + " and ".join(missing) + " (e.g. name,organisation,role,sector)."]
    index = {c: header.index(c) for c in LIMITS if c in header}
    rows, problems, seen = [], [], {}
    try:
        for line, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                problems.append(f"Only the first {MAX_ROWS} delegates were read.")
                break
            row = {c: clean_text(cells[i]) if i < len(cells) else ""
                   for c, i in index.items()}
            row.setdefault("role", "")
            row.setdefault("sector", "")
            if not row["name"]:
                problems.append(f"Line {line}: no name.")
                continue
            too_long = [c for c, limit in LIMITS.items() if len(row[c]) > limit]
            if too_long:
                problems.append(f"Line {line}: {too_long[0]} is too long "
                                f"(at most {LIMITS[too_long[0]]} characters).")
                continue
            key = (name_key(row["name"]), row["organisation"].casefold())
            if key in seen:
                problems.append(f"Line {line}: {row['name']} ({row['organisation']}) repeats "
                                f"line {seen[key]}; skipped.")
                continue
            seen[key] = line
            rows.append(row)
    except csv.Error as exc:
        problems.append(f"Reading stopped at line {reader.line_num}: {exc}.")
    return rows, problems
