"""Which paths are for machines, and path segments as the database can take them.

`<int:...>` in every route is a row id: werkzeug's own converter takes any number of digits, and a
number past what the database's INTEGER holds (PostgreSQL: 2^31 - 1) made the query itself fail
with a 500. Checked here, once for every route, such an id is simply not found: 404.
"""

from __future__ import annotations

from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from monitor.db.models import MAX_ROW_ID

__all__ = ["MAX_ROW_ID", "RowIdConverter", "for_machines"]


def for_machines(path: str) -> bool:
    """The paths scripts and Prometheus read: they take Bearer tokens, and a refusal or an error
    is answered in JSON (401, not a redirect to the login page)."""
    return path.startswith("/api/") or path == "/metrics"


class RowIdConverter(IntegerConverter):
    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_ROW_ID:
            # NotFound rather than werkzeug's ValidationError, which would make the matcher try
            # the other routes of this path and answer 405 when one of them has another method.
            raise NotFound()
        return number
