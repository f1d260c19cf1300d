"""A progress bar for commands on a terminal; silent when output goes to a file or a pipe."""

import sys
import time


class ProgressBar:
    def __init__(self, total: int, *, label: str = "", stream=None, enabled: bool | None = None):
        self.total = max(total, 0)
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.started = time.monotonic()

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        width = 30
        fraction = done / self.total if self.total else 1.0
        filled = int(width * fraction)
        elapsed = time.monotonic() - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] "
            f"{done:,}/{self.total:,} ({fraction:4.0%}) {rate:,.0f}/s"
        )
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
