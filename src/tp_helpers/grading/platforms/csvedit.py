"""A CSV file edited in place: only the bytes of the cells we fill change.

Canvas and Moodle read back the file they wrote, and some of what they wrote matters: the byte
order mark, the line endings, the quoting of every other cell, the columns Canvas marks
read-only. So a file is kept as text with every field's span (:class:`Table`), and an edit
replaces spans (:func:`with_cells`), never re-serialising the rest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from .gradebook import ExportError


@dataclass(frozen=True)
class Cell:
    """One field of a CSV file: where its text lies in the file, and what it says."""

    start: int
    end: int
    value: str
    quoted: bool


@dataclass
class Table:
    """A CSV file kept as text, with every field's span: editing a cell touches nothing else."""

    path: Path
    text: str
    delimiter: str
    rows: list[list[Cell]]

    @property
    def header(self) -> list[str]:
        return [cell.value.strip() for cell in self.rows[0]] if self.rows else []

    def line(self, cell: Cell) -> int:
        """The 1-based line of the file where ``cell`` starts (for messages)."""
        return self.text.count("\n", 0, cell.start) + 1

    def cell(self, row: list[Cell], index: int) -> Cell:
        """``row[index]``, or an error naming the line when the row is cut short."""
        if index >= len(row):
            raise ExportError(
                f"{self.path}, line {self.line(row[0])}: {len(row)} fields where the header has "
                f"{len(self.header)}; the file was cut or edited. Download it again."
            )
        return row[index]


def read_table(path: Path, how: str) -> Table:
    """The file at ``path`` as a :class:`Table` (UTF-8, with or without a byte order mark);
    ``how`` says where the platform gives that file (for the errors)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExportError(f"cannot read {path}: {exc.strerror}. {how}.") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ExportError(
            f"{path} is not UTF-8 text (a spreadsheet saved it in another encoding?). Download "
            f"it again and pass it as it came, or save it as 'CSV UTF-8'. {how}."
        ) from None
    delimiter = _delimiter(text)
    rows = _records(text, delimiter, path)
    if not rows:
        raise ExportError(f"{path} is empty. {how}.")
    return Table(path, text, delimiter, rows)


def _delimiter(text: str) -> str:
    """``,`` unless the header line holds more ``;`` or tabs (a spreadsheet in some locales)."""
    first = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=first.count)  # a tie keeps ","


def _records(text: str, delimiter: str, path: Path) -> list[list[Cell]]:
    """Every record's cells. Quoted fields may hold the delimiter, ``""`` and line breaks."""
    position = 1 if text.startswith("\ufeff") else 0
    records: list[list[Cell]] = []
    record: list[Cell] = []
    while position < len(text):
        cell, position = _field(text, position, delimiter, path)
        record.append(cell)
        if position < len(text) and text[position] == delimiter:
            position += 1
            if position == len(text):  # a last empty field
                record.append(Cell(position, position, "", False))
            continue
        position += 2 if text.startswith("\r\n", position) else 1
        records.append(record)
        record = []
    return records


def _field(text: str, start: int, delimiter: str, path: Path) -> tuple[Cell, int]:
    """The field at ``start`` and the position after it (a delimiter, a line break or the end)."""
    if not text.startswith('"', start):
        stop = start
        while stop < len(text) and text[stop] not in (delimiter, "\r", "\n"):
            stop += 1
        return Cell(start, stop, text[start:stop], False), stop
    close = start + 1
    while True:
        close = text.find('"', close)
        if close < 0:
            line = text.count("\n", 0, start) + 1
            raise ExportError(
                f"{path}, line {line}: a quoted field is never closed; the file was cut or "
                "edited. Download it again."
            )
        if not text.startswith('""', close):
            break
        close += 2
    stop = close + 1
    if stop < len(text) and text[stop] not in (delimiter, "\r", "\n"):
        line = text.count("\n", 0, start) + 1
        raise ExportError(
            f"{path}, line {line}: text after a closing quote; the file is not valid CSV. "
            "Download it again."
        )
    return Cell(start, stop, text[start + 1 : close].replace('""', '"'), True), stop


def cell_text(value: str, delimiter: str, old: Cell, quote_spaces: bool = False) -> str:
    """``value`` as a CSV field in the style of the cell it replaces.

    Quoted when the value needs it, or when the old cell was quoted though it did not need to be
    (a writer that quotes every field); ``quote_spaces`` follows PHP's ``fputcsv`` (Moodle),
    which quotes any field with a space.
    """
    special = (delimiter, '"', "\r", "\n", *((" ", "\t") if quote_spaces else ()))

    def needs_quotes(text: str) -> bool:
        return any(char in text for char in special)

    if needs_quotes(value) or (old.quoted and not needs_quotes(old.value)):
        return '"' + value.replace('"', '""') + '"'
    return value


def with_cells(text: str, edits: dict[Cell, str]) -> str:
    """``text`` with each edited cell's span replaced by its new field text, nothing else."""
    parts, position = [], 0
    for cell in sorted(edits, key=lambda c: c.start):
        parts += [text[position : cell.start], edits[cell]]
        position = cell.end
    return "".join([*parts, text[position:]])


def column_index(table: Table, names: tuple[str, ...]) -> int | None:
    """The index of the first header among ``names`` (case and spacing aside), else None."""
    wanted = {" ".join(name.split()).casefold() for name in names}
    for index, header in enumerate(table.header):
        if " ".join(header.split()).casefold() in wanted:
            return index
    return None


def number(text: str) -> float | None:
    """A number as a platform wrote it (``30.00``, or ``30,00`` in a French Moodle), else None."""
    text = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
