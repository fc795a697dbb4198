"""Long work off the request path: one worker thread runs the jobs in order (the model is one object, and the
machine's cores are better spent on one generation at a time), while the page polls a job's progress and can
cancel it.

A job is a function of the ``Job`` it runs as. It says how far it has got with ``job.step(share, message)``,
which is also where a cancel takes effect: the next step after ``cancel`` raises ``Cancelled``, so a job stops
between dances, never inside a write (every write is atomic anyway). Sampling itself is one call into the model
and is not interrupted; a cancel during it takes effect when it returns, and nothing more is written. What a job
made so far it lists in ``job.result`` as it goes (the first variation shows before the last is decoded).
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
import traceback
from dataclasses import dataclass, field

from laban.errors import LabanError

KEEP = 200  # finished jobs remembered


class Cancelled(Exception):
    """Raised inside a job at its next step after a cancel."""


@dataclass
class Job:
    id: str
    kind: str
    state: str = "queued"  # queued, running, done, failed, cancelled
    progress: float = 0.0
    message: str = "waiting"
    result: dict = field(default_factory=dict)
    error: str | None = None
    started: float | None = None
    finished: float | None = None
    cpu: float = 0.0  # seconds of the worker thread's CPU the job has used (what one idle core would take)
    _cpu0: float = 0.0
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    def step(self, progress: float, message: str) -> None:
        """Say how far the job has got (0..1); raises ``Cancelled`` once the job has been cancelled."""
        if self._cancel.is_set():
            raise Cancelled()
        self.progress, self.message = float(progress), message
        self.cpu = time.thread_time() - self._cpu0

    def cpu_now(self) -> float:
        """The job's CPU seconds so far (called from the job itself, on the worker thread)."""
        return time.thread_time() - self._cpu0

    def cancel(self) -> None:
        self._cancel.set()
        if self.state == "queued":
            self.state, self.message = "cancelled", "cancelled before it started"

    def as_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "state": self.state, "progress": round(self.progress, 3),
                "message": self.message, "result": self.result, "error": self.error,
                "seconds": round((self.finished or time.time()) - self.started, 3) if self.started else None,
                "cpu_seconds": round(self.cpu, 3)}


class Jobs:
    """The queue and its worker thread (a daemon: the server's end ends it)."""

    def __init__(self):
        self._jobs: dict[str, Job] = {}
        self._queue: queue.Queue = queue.Queue()
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self._worker = threading.Thread(target=self._run, name="studio-jobs", daemon=True)
        self._worker.start()

    def submit(self, kind: str, work) -> Job:
        """Queue ``work(job)``; returns the job at once."""
        with self._lock:
            job = Job(f"j{next(self._numbers)}", kind)
            self._jobs[job.id] = job
            for old in [j for j in self._jobs.values() if j.finished][:-KEEP]:
                del self._jobs[old.id]
        self._queue.put((job, work))
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def all(self) -> list[Job]:
        return list(self._jobs.values())

    def wait(self, job_id: str, timeout: float = 60.0) -> Job:
        """The job once it has finished (for tests and scripts)."""
        end = time.time() + timeout
        job = self._jobs[job_id]
        while job.state in ("queued", "running") and time.time() < end:
            time.sleep(0.02)
        return job

    def _run(self) -> None:
        while True:
            job, work = self._queue.get()
            if job.state == "cancelled":
                job.finished = time.time()
                continue
            job.state, job.started, job.message = "running", time.time(), "starting"
            job._cpu0 = time.thread_time()
            try:
                work(job)
                job.state, job.progress, job.message = "done", 1.0, "done"
            except Cancelled:
                job.state, job.message = "cancelled", "cancelled"
            except LabanError as error:
                job.state, job.error = "failed", " ".join(str(error).split())
                job.message = "failed"
            except Exception as error:  # a bug must not kill the worker: the page hears one line, the log more
                traceback.print_exc()
                job.state, job.message = "failed", "failed"
                job.error = f"{error.__class__.__name__}: {' '.join(str(error).split())[:300]}"
            finally:
                job.cpu = time.thread_time() - job._cpu0
                job.finished = time.time()
