"""CSV downloads that are safe to open in a spreadsheet."""
import csv
import io

from flask import Response

from .validation import valid_unicode

# A cell starting with one of these is read as a formula by spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def exportable(value):
    """A value (text, or lists and dicts holding text) that every encoding can write.

    Text is checked as it comes in (see validation.clean_text), but a database
    from an older version may still hold lone UTF-16 surrogates in its JSON: each
    becomes U+FFFD on the way out, so no download fails on it. Every file the
    app writes (CSV, the report, the export's data.json) goes through this.
    """
    if isinstance(value, str):
        return valid_unicode(value)
    if isinstance(value, dict):
        return {exportable(k): exportable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [exportable(v) for v in value]
    return value


def safe_cell(value):
    """Neutralise a text cell that a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def download(filename: str, header: list[str], rows) -> Response:
    """A CSV file download (UTF-8 with a byte-order mark, so Excel reads accents)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(exportable(v)) for v in row])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
