"""An export file as rows: CSV with a header line, or JSON lines, in UTF-8 (with or
without a byte-order mark) or Latin-1 (Windows-1252), as spreadsheets and CRMs write them."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Row:
    line: int  # where the record starts in the file, counting from 1
    values: dict[str, str]


@dataclass(frozen=True)
class Unreadable:
    line: int
    reason: str


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read as."""
    if data.startswith(BOM):
        return data[len(BOM) :].decode("utf-8", errors="replace"), "UTF-8 with BOM"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1"


def rows(text: str, file_format: str) -> Iterator[Row | Unreadable]:
    return _json_lines(text) if file_format == "jsonl" else _csv(text)


def _csv(text: str) -> Iterator[Row | Unreadable]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        return
    except csv.Error as exc:
        yield Unreadable(1, f"the header line is not CSV: {exc}")
        return
    start = reader.line_num + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Unreadable(start, f"not CSV: {exc}")
            return  # the reader cannot find the next record after a broken quote
        if not record or all(not field.strip() for field in record):
            start = reader.line_num + 1
            continue
        if len(record) != len(header):
            yield Unreadable(start, f"{len(record)} fields where the header has {len(header)}")
        else:
            yield Row(start, dict(zip(header, record, strict=True)))
        start = reader.line_num + 1


def _json_lines(text: str) -> Iterator[Row | Unreadable]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            yield Unreadable(number, f"not JSON: {exc}")
            continue
        if not isinstance(value, dict):
            yield Unreadable(number, "each line must be a JSON object")
            continue
        yield Row(number, {k: "" if v is None else str(v) for k, v in value.items()})
