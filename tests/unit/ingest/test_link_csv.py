"""Reading a CSV of links as spreadsheets write it: BOM, `;` or `,`, Excel quoting, line
breaks inside quoted cells, and each problem with its physical line and column."""

from __future__ import annotations

import csv
import io

import pytest

from app.ingest.asin import Listing
from app.ingest.link_csv import TEMPLATE, LinkFileError, LinkRow, RowProblem, read_links

GID = "gid://shopify/ProductVariant/"


def read(text: str | bytes, max_rows: int = 100) -> tuple[list[LinkRow], list[RowProblem]]:
    data = text.encode() if isinstance(text, str) else text
    links = read_links(data, max_rows=max_rows)
    return links.rows, links.problems


def refused(data: bytes, max_rows: int = 100) -> LinkFileError:
    with pytest.raises(LinkFileError) as caught:
        read_links(data, max_rows=max_rows)
    return caught.value


def test_the_template_reads_as_two_good_rows() -> None:
    rows, problems = read(TEMPLATE)
    assert problems == []
    assert rows == [
        LinkRow(2, f"{GID}44718400897", None, Listing("B0CYVN8CCQ", "com"), "30"),
        LinkRow(3, None, "TSHIRT-BLUE-M", Listing("B084Y7CHX5", "co.uk"), None),
    ]
    assert TEMPLATE.startswith("\ufeff")  # Excel opens it as UTF-8


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_bom_and_every_separator_read_alike(bom: bytes, delimiter: str) -> None:
    lines = [
        ["variant_id", "Amazon URL", "MARKUP (%)"],
        ["111", "https://www.amazon.de/dp/B0CYVN8CCQ?th=1", "12,5 %"],
        [f"{GID}222", "amazon.co.uk/dp/B084Y7CHX5", ""],
    ]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(lines)  # Excel's dialect: "12,5 %" quoted
    rows, problems = read(bom + buffer.getvalue().encode())
    assert problems == []
    assert rows == [
        LinkRow(2, f"{GID}111", None, Listing("B0CYVN8CCQ", "de"), "12.5"),
        LinkRow(3, f"{GID}222", None, Listing("B084Y7CHX5", "co.uk"), None),
    ]


def test_excel_quoting_and_line_breaks_in_cells_keep_physical_line_numbers() -> None:
    text = (
        'SKU;"Amazon URL\nor ASIN";Marketplace;Notes\n'  # the header spans lines 1-2
        '"A;1";B0CYVN8CCQ;com;"said ""hi""\nover two lines"\n'  # lines 3-4
        "\n"  # line 5, blank: skipped
        "B2;not a listing;com;\n"  # line 6
        '"C\r\n3";B084Y7CHX5;xx;\r\n'  # lines 7-8, an unknown marketplace
        "D4;B084Y7CHX5;;\n"  # line 9
    )
    rows, problems = read(text)
    lines = [(row.line, row.sku) for row in rows]
    assert lines == [(3, "A;1"), (6, "B2"), (7, "C\r\n3"), (9, "D4")]
    assert rows[0].listing == Listing("B0CYVN8CCQ", "com")
    column = "Amazon URL or ASIN"  # as written, its line break read as a space
    assert [(p.line, p.column, p.code) for p in problems] == [
        (6, column, "invalid_listing"),
        (7, "Marketplace", "unknown_marketplace"),
        (9, "Marketplace", "missing_marketplace"),
    ]
    assert '"xx" is not' in problems[1].reason
    assert "co.uk" in problems[1].reason


def test_every_problem_of_a_row_is_reported_with_its_column() -> None:
    text = (
        "Variant ID,SKU,ASIN,Marketplace,Markup\n"
        "4.47184E+13,,B0CYVN8CCQ,com,10\n"
        "abc,,B0CYVN8CCQ,com,\n"
        ",,,com,\n"
        f"123,{'S' * 256},B0CYVN8CCQ,com,\n"
        "124,,B0CYVN8CCQ,com,x,extra\n"
    )
    _, problems = read(text)
    assert [(p.line, p.column, p.code) for p in problems] == [
        (2, "Variant ID", "excel_number"),
        (3, "Variant ID", "invalid_variant_id"),
        (4, "Variant ID", "missing_variant"),
        (4, "ASIN", "missing_listing"),
        (5, "SKU", "invalid_sku"),
        (6, None, "extra_cells"),
    ]
    assert "format the column as Text" in problems[0].reason


def test_two_listing_columns_must_agree_and_other_columns_are_ignored() -> None:
    # PriceBridge's own export names the listing twice (asin and amazon_url).
    text = (
        "id,asin,marketplace,amazon_url,shopify_variant_gid,title\n"
        f"1,B0CYVN8CCQ,com,https://www.amazon.com/dp/B0CYVN8CCQ,{GID}5,Mug\n"
        f"2,B0CYVN8CCQ,com,https://www.amazon.com/dp/B084Y7CHX5,{GID}6,Cup\n"
    )
    links = read_links(text.encode(), max_rows=10)
    assert links.columns.ignored == ["id", "title"]
    assert links.rows[0].listing == Listing("B0CYVN8CCQ", "com")
    assert [(p.line, p.column, p.code) for p in links.problems] == [
        (3, "amazon_url", "listing_mismatch")
    ]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (b"\xef\xbb\xbf \r\n", "empty_file"),
        (b"PK\x03\x04\x14\x00\x06\x00", "not_csv"),  # an .xlsx workbook
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_csv"),
        ("Variant ID,ASIN\r\n1,B0CYVN8CCQ".encode("utf-16"), "invalid_encoding"),
        ("SKU,ASIN\r\nCafé,B0CYVN8CCQ\r\n".encode("cp1252"), "invalid_encoding"),
        (b"Variant ID,ASIN,Marketplace\r\n", "no_rows"),
        (b"Variant ID,ASIN\r\n\r\n,\r\n", "no_rows"),
        (b"name,price\r\nMug,3\r\n", "missing_columns"),
        (b"Variant ID,Marketplace\r\n1,com\r\n", "missing_columns"),
        (b"ASIN,Marketplace\r\nB0CYVN8CCQ,com\r\n", "missing_columns"),
        (b"SKU,Variant SKU,ASIN\r\na,b,B0CYVN8CCQ\r\n", "duplicate_columns"),
    ],
)
def test_files_that_cannot_be_read_say_why(data: bytes, code: str) -> None:
    assert refused(data).code == code


def test_a_byte_that_is_not_utf8_is_located() -> None:
    error = refused("SKU,ASIN\r\nA,B0CYVN8CCQ\r\nCafé,B0CYVN8CCQ\r\n".encode("cp1252"))
    assert error.details == {"line": 3}
    assert "CSV UTF-8" in error.message


def test_rows_beyond_the_limit_are_refused_blank_lines_aside() -> None:
    head = "SKU,ASIN,Marketplace\n"
    assert len(read(head + "a,B0CYVN8CCQ,com\n\n" * 3, max_rows=3)[0]) == 3
    assert refused((head + "a,B0CYVN8CCQ,com\n" * 4).encode(), max_rows=3).code == "too_many_rows"


def test_a_listing_that_is_neither_an_asin_nor_a_url_says_so_as_typed() -> None:
    _, problems = read("SKU,ASIN,Marketplace\nA,B0CSV0000,com\nB,amazon.com/gp/help,com\n")
    assert [(p.line, p.code) for p in problems] == [(2, "invalid_listing"), (3, "invalid_listing")]
    assert problems[0].reason == (
        '"B0CSV0000" is not an ASIN (10 letters or digits, such as B0CYVN8CCQ) nor an Amazon'
        " product URL."
    )
    assert "No product (ASIN) found" in problems[1].reason
