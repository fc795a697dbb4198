"""Long work off the request path: one worker thread runs the jobs in order (the model is one object, and the
machine's cores are better spent on one generation at a time), while the page follows a job's progress and can
cancel it.

A job is a function of the ``Job`` it runs as. It says how far it has got with ``job.step(share, message)`` and
what it has made so far with ``job.publish(result)`` (the first variation shows before the last is sampled);
each bumps ``job.version``, which the page waits on (``Jobs.changed``: a request that returns as soon as the job
moves, so the page hears of a new dance at once rather than at its next poll).

A cancel takes effect at the job's next step, and inside sampling at the model's next token: ``Jobs.stop``, a
logits processor the studio's models carry (``motiongpt.cocreate.Loaded.processors``, which every operation hands
to ``variations``), raises ``Cancelled`` once the running job is cancelled, so sampling stops within a token's
time (milliseconds), before anything is written. A dance is
written atomically (``Dance.save``) only after its sampling, so a cancel never leaves half a dance folder.
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
    """Raised inside a job at its next step, or its sampling's next token, after a cancel."""


@dataclass
class Job:
    id: str
    kind: str
    asked: dict = field(default_factory=dict)  # what it was asked (the page follows a job it did not start)
    state: str = "queued"  # queued, running, done, failed, cancelled
    progress: float = 0.0
    message: str = "waiting for the work before it"
    result: dict = field(default_factory=dict)
    error: str | None = None
    started: float | None = None
    finished: float | None = None
    cpu: float = 0.0  # seconds of the worker thread's CPU the job has used (what one idle core would take)
    version: int = 0  # bumped whenever what the page is shown changes
    marks: list = field(default_factory=list)  # (message, wall s, CPU s) at each step and result: where time goes
    _cpu0: float = 0.0
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def step(self, progress: float, message: str) -> None:
        """Say how far the job has got (0..1); raises ``Cancelled`` once the job has been cancelled."""
        if self._cancel.is_set():
            raise Cancelled()
        self.progress, self.message = float(progress), message
        self._mark(message)

    def publish(self, result: dict) -> None:
        """What the job has made so far (the page shows it as soon as it is told)."""
        self.result = result
        self._mark("made " + ", ".join(result.get("dances") or []))

    def _mark(self, what: str) -> None:
        self.cpu = time.thread_time() - self._cpu0
        self.marks.append((what, round(time.time() - self.started, 3), round(self.cpu, 3)))
        self.version += 1

    def cpu_now(self) -> float:
        """The job's CPU seconds so far (called from the job itself, on the worker thread)."""
        return time.thread_time() - self._cpu0

    def cancel(self) -> None:
        self._cancel.set()
        if self.state == "queued":
            self.state, self.message = "cancelled", "cancelled before it started: nothing was written"
        self.version += 1

    def as_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "asked": self.asked, "state": self.state,
                "progress": round(self.progress, 3), "message": self.message, "result": self.result,
                "error": self.error,
                "seconds": round((self.finished or time.time()) - self.started, 3) if self.started else None,
                "cpu_seconds": round(self.cpu, 3), "version": self.version, "marks": self.marks[-40:]}


class Jobs:
    """The queue and its worker thread (a daemon: the server's end ends it)."""

    def __init__(self):
        self._jobs: dict[str, Job] = {}
        self._queue: queue.Queue = queue.Queue()
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self.current: Job | None = None  # the job running now (the sampling hook asks it)
        self._worker = threading.Thread(target=self._run, name="studio-jobs", daemon=True)
        self._worker.start()

    def submit(self, kind: str, work, asked: dict | None = None) -> Job:
        """Queue ``work(job)``; returns the job at once. ``asked``: its settings, for a page that follows it
        without having asked (reloaded, or another tab)."""
        with self._lock:
            job = Job(f"j{next(self._numbers)}", kind, dict(asked or {}))
            self._jobs[job.id] = job
            for old in [j for j in self._jobs.values() if j.finished][:-KEEP]:
                del self._jobs[old.id]
        self._queue.put((job, work))
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def all(self) -> list[Job]:
        return list(self._jobs.values())

    async def changed(self, job: Job, version: int, timeout: float = 10.0) -> Job:
        """``job`` once its version differs from ``version`` (or it has ended), or after ``timeout`` seconds: a
        request that waits for news instead of the page asking again and again."""
        import asyncio

        end = time.monotonic() + timeout
        while job.version == version and job.state in ("queued", "running") and time.monotonic() < end:
            await asyncio.sleep(0.01)
        return job

    def stop(self, input_ids, scores):
        """A logits processor (``transformers``' call form) that raises ``Cancelled`` once the running job is
        cancelled, and otherwise leaves the scores as they are: sampling stops at its next token."""
        job = self.current
        if job is not None and job.cancelled:
            raise Cancelled()
        return scores

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
            self.current = job
            try:
                work(job)
                job.state, job.progress, job.message = "done", 1.0, "done"
            except Cancelled:
                made = job.result.get("dances") or []
                job.state, job.message = "cancelled", ("cancelled: nothing was written" if not made else
                                                       f"cancelled: kept {', '.join(made)}, nothing more written")
            except LabanError as error:
                job.state, job.error = "failed", " ".join(str(error).split())
                job.message = "failed"
            except Exception as error:  # a bug must not kill the worker: the page hears one line, the log more
                traceback.print_exc()
                job.state, job.message = "failed", "failed"
                job.error = f"{error.__class__.__name__}: {' '.join(str(error).split())[:300]}"
            finally:
                self.current = None
                job.cpu = time.thread_time() - job._cpu0
                job.finished = time.time()
                job.version += 1
