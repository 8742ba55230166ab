"""Background work started by listeners after their ack.

Bolt runs listeners on a small pool; if DS work ran there, 20 slow requests would delay the
ack of the 21st past Slack's 3 seconds. Listeners ack, hand the work to this pool, and return.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from typing import Any

from dsbot.logs import get_logger

log = get_logger(__name__)


class Jobs:
    def __init__(self, max_workers: int = 32) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="dsbot-job")
        self._lock = threading.Lock()
        self._pending: set[Future[Any]] = set()

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

        future = self._pool.submit(run)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)

    def shutdown(self, wait: bool = True, timeout: float | None = None) -> None:
        """Stop taking jobs. With `timeout`, the jobs already running get that long to finish
        (a person's click half done: its answer, its audit line) and the queued ones are
        cancelled; without, `wait` as ThreadPoolExecutor.shutdown."""
        if timeout is None:
            self._pool.shutdown(wait=wait)
            return
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            running = set(self._pending)
        _, unfinished = wait_for(running, timeout=timeout)
        if unfinished:
            log.warning("jobs.left_running", count=len(unfinished))
