"""A progress bar for long commands, drawn on a terminal (stderr) only.

    bar = ProgressBar(sys.stderr.buffer)      # does nothing unless it is a terminal
    bar("files", 10, 200)                      # stage, done, total
    bar.finish()                               # erase it

Nothing is drawn during the first `delay` seconds (short runs stay quiet),
then at most every `interval` seconds.
"""
import time
from typing import BinaryIO, Callable, Optional

WIDTH = 30


class ProgressBar:
    """Draws ``stage [=====>      ] done/total`` on one line of a terminal."""

    def __init__(self, stream: BinaryIO, delay: float = 1.0, interval: float = 0.1,
                 clock: Callable[[], float] = time.monotonic, force: Optional[bool] = None):
        isatty = getattr(stream, "isatty", None)
        self.enabled = bool(isatty and isatty()) if force is None else force
        self.stream = stream
        self.interval = interval
        self.clock = clock
        self.start = clock()
        self.delay = delay
        self._last = 0.0
        self._drawn = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if now - self.start < self.delay or (self._drawn and now - self._last < self.interval):
            return
        self._last = now
        filled = WIDTH * done // total if total > 0 else WIDTH
        bar = "=" * max(filled - 1, 0) + (">" if 0 < filled < WIDTH else "=" if filled else "")
        line = "%s [%-*s] %d/%d" % (stage, WIDTH, bar, done, total)
        self._draw(line)

    def _draw(self, line: str) -> None:
        text = line.ljust(self._drawn)
        self.stream.write(b"\r" + text.encode("utf-8", "replace"))
        self.stream.flush()
        self._drawn = len(line)

    def finish(self) -> None:
        """Erase the bar (if one was drawn)."""
        if self._drawn:
            self.stream.write(b"\r" + b" " * self._drawn + b"\r")
            self.stream.flush()
            self._drawn = 0
