"""Background work started by listeners after their ack.

Bolt runs listeners on a small pool; if DS work ran there, 20 slow requests would delay the
ack of the 21st past Slack's 3 seconds. Listeners ack, hand the work to this pool, and return.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from dsbot.logs import get_logger

log = get_logger(__name__)


class Jobs:
    def __init__(self, max_workers: int = 32) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="dsbot-job")

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_error: Callable[[BaseException], None] | None = None,
        **kwargs: Any,
    ) -> Future[Any]:
        """Run fn in the pool. An exception is logged and handed to on_error: never silent."""

        def run() -> Any:
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                log.exception("job.failed", job=getattr(fn, "__name__", str(fn)))
                if on_error is not None:
                    try:
                        on_error(exc)
                    except Exception:
                        log.exception(
                            "job.error_handler_failed", job=getattr(fn, "__name__", str(fn))
                        )
                raise

        return self._pool.submit(run)

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait)
