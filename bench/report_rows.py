"""A target row and the reading of nested results, shared by the report's modules."""

from __future__ import annotations

from typing import Any


class Rows:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(
        self,
        name: str,
        value: float | None,
        limit: float | None,
        unit: str,
        at_least: bool = False,
        note: str = "",
    ) -> None:
        """A target row; ``value`` None: not measured (``note`` says why)."""
        row: dict[str, Any] = {
            "target": name,
            "unit": unit,
            "direction": ">=" if at_least else "<=",
            "note": note,
        }
        if value is None or limit is None or limit <= 0:
            self.rows.append({**row, "measured": value, "limit": limit, "ratio": None, "met": False})
            return
        ratio = value / limit
        met = ratio >= 1 if at_least else ratio <= 1
        self.rows.append(
            {
                **row,
                "measured": round(value, 3),
                "limit": round(limit, 3),
                "ratio": round(ratio, 3),
                "met": met,
            }
        )


def pick(data: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data
