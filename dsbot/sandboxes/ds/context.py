"""What every resolver can reach through `info.context`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dsbot.sandboxes.ds.auth import Token
    from dsbot.sandboxes.ds.store import Store
    from dsbot.sandboxes.ds.uploads import Uploads


@dataclass
class RequestContext:
    store: Store
    uploads: Uploads
    token: Token
    base_url: str
    now: int  # µs, the time of the request: every write of one request shares it
    changed: list[int] = field(default_factory=list)  # dossiers written by this request
