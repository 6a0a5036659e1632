"""A CSV of links as merchants export it from a spreadsheet, read into rows (pure, no I/O).

The file: UTF-8 with or without a byte-order mark; cells separated by `,`, `;` or a tab;
quoted as Excel quotes (a cell in double quotes may hold the separator, a line break, and a
doubled `""` for a quote). The first line that is not blank names the columns, in any case and
spacing ("Variant ID", "variant_id", "VARIANT-ID" are one name); the separator is the one that
makes that line name the most known columns, which a header decides better than guessing
from the cells (csv.Sniffer) would.

Columns: the variant as its id (``44718400897`` or ``gid://shopify/ProductVariant/...``) or
its SKU (one of the two is needed on every row), the Amazon listing as a product URL or an
ASIN, and optionally the marketplace (needed for a bare ASIN) and a markup percent for that
product. Other columns are ignored and named in the report.

`read_links` raises `LinkFileError` for a file that cannot be read at all (not text, not
UTF-8, no header, no rows, too many rows) and otherwise gives every row with its physical line
in the file (the header's line counts; a quoted cell's line breaks count) and every problem a
cell has, each with its line, the column as its header is written, and a plain reason.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Final

from app.ingest.asin import (
    ASIN_PATTERN,
    MARKETPLACES,
    Listing,
    ListingError,
    normalize_marketplace,
    parse_listing,
)
from app.ingest.text_repair import clean_pasted

DELIMITERS: Final = (",", ";", "\t")
MAX_SKU_LENGTH: Final = 255  # Shopify's limit for a variant's SKU
_VARIANT_GID = re.compile(r"gid://shopify/ProductVariant/([1-9][0-9]{0,18})")
_VARIANT_ID = re.compile(r"[1-9][0-9]{0,18}")
# What Excel shows a long number as once a column is formatted as a number: 4.47184E+13.
_EXCEL_NUMBER = re.compile(r"[0-9]+(?:[.,][0-9]+)?E\+?[0-9]+", re.IGNORECASE)
_DECIMAL_COMMA = re.compile(r"[0-9]+,[0-9]+")

#: field -> header names (normalised by `header_key`) that mean it.
ALIASES: Final[dict[str, frozenset[str]]] = {
    "variant": frozenset(
        {
            "variant",
            "variant id",
            "variant gid",
            "shopify variant",
            "shopify variant id",
            "shopify variant gid",
            "product variant id",
        }
    ),
    "sku": frozenset({"sku", "variant sku", "shopify sku"}),
    "listing": frozenset(
        {
            "amazon",
            "amazon url or asin",
            "amazon asin or url",
            "asin or url",
            "url or asin",
            "amazon url",
            "amazon link",
            "amazon product url",
            "url",
            "asin",
            "amazon asin",
        }
    ),
    "marketplace": frozenset({"marketplace", "amazon marketplace", "amazon domain"}),
    "markup": frozenset({"markup", "markup percent", "markup override", "markup override percent"}),
}
_FIELD_OF: Final = {name: field for field, names in ALIASES.items() for name in names}
#: The columns a merchant is shown and given in the template.
TEMPLATE_HEADER: Final = ("Variant ID", "SKU", "Amazon URL or ASIN", "Marketplace", "Markup %")
# The BOM makes Excel open the file as UTF-8 (without it, Excel reads the system code page).
TEMPLATE: Final = (
    "\ufeff"
    + ",".join(TEMPLATE_HEADER)
    + "\r\n44718400897,,https://www.amazon.com/dp/B0CYVN8CCQ,,30\r\n"
    + ",TSHIRT-BLUE-M,B084Y7CHX5,co.uk,\r\n"
)


# problem(field, code, reason, header=None): records one problem of the row being read.
_Problem = Callable[..., None]


class LinkFileError(ValueError):
    """The file as a whole cannot be read; ``code`` is stable, the message is for merchants."""

    def __init__(self, code: str, message: str, details: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with one row: its physical line, the column as its header is written
    (None for the row as a whole), a stable code and a reason a merchant can act on."""

    line: int
    column: str | None
    code: str
    reason: str

    def to_json(self) -> dict[str, object]:
        return {"line": self.line, "column": self.column, "code": self.code, "reason": self.reason}


@dataclass(frozen=True)
class LinkRow:
    """A row that names its variant (by GID, by SKU, or both) and, when readable, its listing.
    ``markup`` is the percent as typed, made decimal ("12,5 %" -> "12.5"); unchecked."""

    line: int
    variant_gid: str | None
    sku: str | None
    listing: Listing | None
    markup: str | None


@dataclass(frozen=True)
class Columns:
    """Where each field is: field -> (cell index, header as written); listing may be several."""

    single: dict[str, tuple[int, str]]
    listings: list[tuple[int, str]]
    ignored: list[str]

    def header(self, name: str) -> str | None:
        if name == "listing":
            return self.listings[0][1] if self.listings else None
        found = self.single.get(name)
        return found[1] if found else None


@dataclass
class LinkFile:
    rows: list[LinkRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    columns: Columns = field(default_factory=lambda: Columns({}, [], []))


def header_key(text: str) -> str:
    """A header cell as compared: any case, `%` read as "percent", punctuation as spaces."""
    lowered = clean_pasted(text).casefold().replace("%", " percent ")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", lowered).split())


def decode(data: bytes) -> str:
    """The file's text (UTF-8, a BOM dropped), or LinkFileError saying what the file is."""
    if not data.strip().strip(b"\xef\xbb\xbf"):
        raise LinkFileError("empty_file", "The file is empty.")
    if data.startswith(b"PK\x03\x04"):
        raise LinkFileError(
            "not_csv",
            "This is an Excel workbook (or another zip file), not a CSV file. In Excel choose"
            " File > Save As > CSV UTF-8, and upload that.",
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LinkFileError(
            "invalid_encoding",
            'The file is UTF-16 text (Excel\'s "Unicode Text"). Save it as CSV UTF-8.',
        )
    if b"\x00" in data:
        raise LinkFileError(
            "not_csv", "The file holds binary data, not CSV text. Upload a .csv file."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise LinkFileError(
            "invalid_encoding",
            f"The file is not UTF-8 text (line {line} has the byte {data[error.start]:#04x}):"
            " save it as CSV UTF-8 (Excel's plain \"CSV\" uses your computer's code page).",
            {"line": line},
        ) from None


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first physical line, cells) of each record; a quoted line break is a line too."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise LinkFileError(
                "malformed_csv",
                f"Line {previous + 1} cannot be read as CSV ({error}).",
                {"line": previous + 1},
            ) from None
        yield previous + 1, cells
        previous = reader.line_num


def _header(text: str) -> tuple[str, int, list[str]]:
    """The separator, the header's line and its cells: the separator naming most columns."""
    best: tuple[int, str, int, list[str]] | None = None
    for delimiter in DELIMITERS:
        for line, cells in _records(text, delimiter):
            if any(cell.strip() for cell in cells):
                known = sum(header_key(cell) in _FIELD_OF for cell in cells)
                if best is None or known > best[0]:
                    best = (known, delimiter, line, cells)
                break
    assert best is not None  # decode() refused a file with no text
    known, delimiter, line, cells = best
    if known == 0:
        raise LinkFileError(
            "missing_columns",
            "The first line must name the columns, such as: " + ", ".join(TEMPLATE_HEADER) + ".",
            {"expected": list(TEMPLATE_HEADER), "found": [c.strip() for c in cells]},
        )
    return delimiter, line, cells


def columns_of(cells: list[str]) -> Columns:
    single: dict[str, tuple[int, str]] = {}
    listings: list[tuple[int, str]] = []
    ignored: list[str] = []
    for index, cell in enumerate(cells):
        written = " ".join(clean_pasted(cell).split())
        name = _FIELD_OF.get(header_key(cell))
        if name is None:
            if written:
                ignored.append(written)
        elif name == "listing":
            listings.append((index, written))
        elif name in single:
            raise LinkFileError(
                "duplicate_columns",
                f'Columns "{single[name][1]}" and "{written}" say the same thing; keep one.',
                {"columns": [single[name][1], written]},
            )
        else:
            single[name] = (index, written)
    missing = []
    if not listings:
        missing.append("Amazon URL or ASIN")
    if "variant" not in single and "sku" not in single:
        missing.append("Variant ID or SKU")
    if missing:
        raise LinkFileError(
            "missing_columns",
            f"The file has no {' and no '.join(missing)} column.",
            {"missing": missing, "found": [clean_pasted(c) for c in cells if c.strip()]},
        )
    return Columns(single, listings, ignored)


def read_links(data: bytes, *, max_rows: int) -> LinkFile:
    """Every row of the file with its problems; LinkFileError when the file cannot be read."""
    text = decode(data)
    delimiter, header_line, header = _header(text)
    columns = columns_of(header)
    result = LinkFile(columns=columns)
    for line, cells in _records(text, delimiter):
        if line <= header_line or not any(cell.strip() for cell in cells):
            continue
        if len(result.rows) == max_rows:
            raise LinkFileError(
                "too_many_rows",
                f"The file has more than {max_rows:,} rows; split it into files of at most"
                f" {max_rows:,} rows.",
                {"max_rows": max_rows},
            )
        row, problems = _row(line, cells, columns, len(header))
        result.rows.append(row)
        result.problems.extend(problems)
    if not result.rows:
        raise LinkFileError("no_rows", "The file has its header but no rows to import.")
    return result


def _cell(cells: list[str], index: int) -> str:
    return clean_pasted(cells[index]) if index < len(cells) else ""


def _row(
    line: int, cells: list[str], columns: Columns, width: int
) -> tuple[LinkRow, list[RowProblem]]:
    problems: list[RowProblem] = []

    def problem(name: str | None, code: str, reason: str, header: str | None = None) -> None:
        column = header or (columns.header(name) if name else None)
        problems.append(RowProblem(line, column, code, reason))

    if any(cell.strip() for cell in cells[width:]):
        problem(
            None,
            "extra_cells",
            f"This row has {len(cells)} cells but the header names {width}: a value holding the"
            " separator must be in double quotes.",
        )
    variant_gid = _variant(cells, columns, problem)
    sku = _cell(cells, columns.single["sku"][0]) if "sku" in columns.single else ""
    if len(sku) > MAX_SKU_LENGTH:
        problem("sku", "invalid_sku", f"A SKU has at most {MAX_SKU_LENGTH} characters.")
        sku = ""
    variant_header = columns.header("variant")
    if variant_gid is None and not sku and not any(p.column == variant_header for p in problems):
        name = "variant" if "variant" in columns.single else "sku"
        problem(name, "missing_variant", "Give the Shopify variant's id or its SKU.")
    listing = _listing(cells, columns, problem)
    markup = _markup(cells, columns)
    return LinkRow(line, variant_gid, sku or None, listing, markup), problems


def _variant(cells: list[str], columns: Columns, problem: _Problem) -> str | None:
    if "variant" not in columns.single:
        return None
    text = _cell(cells, columns.single["variant"][0])
    if not text:
        return None
    if _VARIANT_ID.fullmatch(text):
        return f"gid://shopify/ProductVariant/{text}"
    if _VARIANT_GID.fullmatch(text):
        return text
    if _EXCEL_NUMBER.fullmatch(text):
        problem(
            "variant",
            "excel_number",
            f"The spreadsheet turned the variant id into {text}: format the column as Text and"
            " paste the ids again.",
        )
    else:
        problem(
            "variant",
            "invalid_variant_id",
            f'"{text}" is not a Shopify variant id (a number such as 44718400897, or'
            " gid://shopify/ProductVariant/44718400897).",
        )
    return None


def _listing(cells: list[str], columns: Columns, problem: _Problem) -> Listing | None:
    marketplace: str | None = None
    if "marketplace" in columns.single:
        typed = _cell(cells, columns.single["marketplace"][0])
        if typed:
            try:
                marketplace = normalize_marketplace(typed)
            except ListingError:
                known = ", ".join(sorted(MARKETPLACES))
                problem(
                    "marketplace",
                    "unknown_marketplace",
                    f'"{typed}" is not an Amazon marketplace PriceBridge reads (one of: {known}).',
                )
                return None
    found: list[tuple[str, Listing]] = []
    for index, header in columns.listings:
        text = _cell(cells, index)
        if not text:
            continue
        if ASIN_PATTERN.fullmatch(text.upper()) and marketplace is None:
            where = "marketplace" if "marketplace" in columns.single else "listing"
            problem(
                where,
                "missing_marketplace",
                f"Say which Amazon marketplace ASIN {text} is on (com, co.uk, de, ...), or give"
                " its product URL.",
            )
            return None
        if "/" not in text and "." not in text and not ASIN_PATTERN.fullmatch(text.upper()):
            problem(
                "listing",
                "invalid_listing",
                f'"{text}" is not an ASIN (10 letters or digits, such as B0CYVN8CCQ) nor an'
                " Amazon product URL.",
                header,
            )
            return None
        try:
            found.append((header, parse_listing(text, marketplace)))
        except ListingError as error:
            problem("listing", "invalid_listing", str(error), header)
            return None
    if not found:
        problem("listing", "missing_listing", "Give the Amazon product URL or the ASIN.")
        return None
    first = found[0][1]
    for header, other in found[1:]:
        if other != first:
            problem(
                "listing",
                "listing_mismatch",
                f'"{header}" names {other.marketplace}/{other.asin} but "{found[0][0]}" names'
                f" {first.marketplace}/{first.asin}.",
                header,
            )
            return None
    return first


def _markup(cells: list[str], columns: Columns) -> str | None:
    if "markup" not in columns.single:
        return None
    text = _cell(cells, columns.single["markup"][0]).removesuffix("%").strip()
    if _DECIMAL_COMMA.fullmatch(text):
        text = text.replace(",", ".")
    return text or None
