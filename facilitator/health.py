"""The server process's own health: how long its loop stalls, and when it runs
full garbage collections (so that they do not stall it mid-burst)."""
import collections
import gc
import time

from .extensions import socketio


class FullCollections:
    """Keep full garbage collections out of the way of the phones.

    With 2,000 phones connected a full collection scans every object their
    connections hold and takes 100-300 ms, during which nothing else runs: no
    ack, no broadcast. Python starts one whenever enough objects have
    survived, often mid-burst. Once `take_over()` is called (run.py does),
    Python no longer starts them; instead, from the heartbeat:

    - every `every` seconds, collect the young generations (a few
      milliseconds) and freeze what survived: it is long-lived (connected
      phones), and frozen objects are skipped by every later collection;
    - every `rescan` seconds, on a beat that follows a beat without any client
      event (or after twice as long whatever the load), unfreeze everything
      and collect it all, so reference cycles among frozen objects (phones
      that left) are freed too.
    """

    def __init__(self, every=5.0, rescan=600.0):
        self.every, self.rescan = every, rescan
        self.active = False
        self.events = 0  # client events since the last beat
        self.last = self.last_rescan = time.monotonic()
        self.collections = []  # (wall time, ms, "young" or "full") of the recent ones
        self.idle_beat = False

    def take_over(self):
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, 1 << 30)  # never reached: no automatic full collection
        self.active = True

    def beat(self):
        """On each beat: freeze survivors now and then; rescan everything when calm."""
        quiet, self.events = self.events == 0, 0
        calm, self.idle_beat = quiet and self.idle_beat, quiet
        if not self.active:
            return
        now = time.monotonic()
        since_rescan = now - self.last_rescan
        if since_rescan >= 2 * self.rescan or (calm and since_rescan >= self.rescan):
            self._collect("full")
        elif now - self.last >= self.every:
            self._collect("young")

    def _collect(self, kind: str):
        start = time.monotonic()
        if kind == "full":
            gc.unfreeze()
            gc.collect()
        else:
            gc.collect(1)
        gc.freeze()
        self.last = time.monotonic()
        if kind == "full":
            self.last_rescan = self.last
        self.collections = [*self.collections[-9:], (round(time.time(), 3),
                                                     round((self.last - start) * 1000, 1), kind)]


full_collections = FullCollections()


class LoopMonitor:
    """How long the server loop stalled: a task asks to wake every `period`
    seconds and records how late it woke, keeping the recent stalls."""

    def __init__(self, period=0.02, threshold=0.02, keep=200):
        self.period, self.threshold = period, threshold
        self.started = False
        self.stalls = collections.deque(maxlen=keep)  # (wall time, ms late)
        self.longest_ms = 0.0

    def run(self):
        while True:
            start = time.monotonic()
            socketio.sleep(self.period)
            late = time.monotonic() - start - self.period
            if late >= self.threshold:
                ms = round(late * 1000, 1)
                self.stalls.append((round(time.time(), 3), ms))
                self.longest_ms = max(self.longest_ms, ms)

    def report(self) -> dict:
        """The longest stall since start and the recent ones, and the recent full
        garbage collections as [time, ms], for /healthz."""
        return {"longest_ms": self.longest_ms, "recent": list(self.stalls),
                "full_collections": full_collections.collections}


loop_monitor = LoopMonitor()
