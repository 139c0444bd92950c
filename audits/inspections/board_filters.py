"""The quarter board's filters (project, function, cell state, search), read from GET parameters and applied to the
board already read: filtering costs no query, so the page's query count stays fixed whatever is chosen."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.http import QueryDict

from touchpoints.choices import Function

from .choices import CellState
from .selectors import Board, BoardRow

MAX_SEARCH = 100


@dataclass(frozen=True)
class BoardFilter:
    project: str = ""  # a project code
    function: str = ""  # a Function value
    state: str = ""  # a CellState value
    search: str = ""  # part of a project's name or code

    @classmethod
    def from_query(cls, query: QueryDict) -> BoardFilter:
        """Unknown functions and states are ignored (the whole board shows), never an error page."""
        function = query.get("function", "")
        state = query.get("state", "")
        return cls(
            project=query.get("project", "").strip()[:MAX_SEARCH],
            function=function if function in Function.values else "",
            state=state if state in CellState.values else "",
            search=" ".join(query.get("q", "").split())[:MAX_SEARCH],
        )

    @property
    def active(self) -> bool:
        return bool(self.project or self.function or self.state or self.search)

    @property
    def query_string(self) -> str:
        """The filters as a query string ("?…" or ""), for links that keep them (the quarter arrows)."""
        pairs = [("project", self.project), ("function", self.function), ("state", self.state), ("q", self.search)]
        text = urlencode([(k, v) for k, v in pairs if v])
        return f"?{text}" if text else ""


def _matches_search(row: BoardRow, needle: str) -> bool:
    needle = needle.casefold()
    return needle in row.project.name.casefold() or needle in row.project.code.casefold()


def filter_board(board: Board, chosen: BoardFilter) -> Board:
    """The board narrowed to the chosen project, function, state and search. The quarter's counts stay those of
    the whole board the reader may see; a cell hidden by the state filter shows as empty; rows left with no cell go."""
    if not chosen.active:
        return board
    functions = board.functions
    keep = list(range(len(functions)))
    if chosen.function:
        keep = [i for i, f in enumerate(functions) if f.value == chosen.function]
    rows = []
    for row in board.rows:
        if chosen.project and row.project.code != chosen.project:
            continue
        if chosen.search and not _matches_search(row, chosen.search):
            continue
        cells = tuple(row.cells[i] for i in keep)
        if chosen.state:
            cells = tuple(c if c is not None and c.state.value == chosen.state else None for c in cells)
        if not any(cells):
            continue
        rows.append(BoardRow(project=row.project, cells=cells))
    return replace(board, functions=tuple(functions[i] for i in keep), rows=tuple(rows))
