"""NextToken/MaxResults pagination for the listing operations."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from . import exceptions as exc


def paginate(
    items: list[Any], p: dict[str, Any], default_max: int, key: str
) -> tuple[list[Any], str | None]:
    """One page of ``items`` for NextToken/MaxResults; tokens are bound to ``key``."""
    start = 0
    token = p.get("NextToken")
    digest = hashlib.sha1(key.encode()).hexdigest()[:12]
    if token:
        try:
            data = json.loads(base64.urlsafe_b64decode(token.encode()).decode())
            if data["k"] != digest:
                raise ValueError
            start = int(data["o"])
            if start < 0:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            raise exc.InvalidPaginationTokenException(
                "The pagination token is invalid or belongs to another request."
            ) from None
    size = p.get("MaxResults") or default_max
    page = items[start : start + size]
    if start + size < len(items):
        nxt = base64.urlsafe_b64encode(
            json.dumps({"o": start + size, "k": digest}).encode()
        ).decode()
        return page, nxt
    return page, None


def with_token(out: dict[str, Any], token: str | None) -> dict[str, Any]:
    """``out`` with ``NextToken`` when there is a next page."""
    if token:
        out["NextToken"] = token
    return out
