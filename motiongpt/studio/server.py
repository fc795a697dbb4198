"""The studio served from a thread (uvicorn on 127.0.0.1, a free port unless given): what the browser test and
the screenshot script start, and what a notebook can use.

    >>> with serve(create_app("my_dances")) as url:
    ...     print(url)          # http://127.0.0.1:PORT
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@contextmanager
def serve(app, port: int | None = None, timeout: float = 30.0):
    """Serve ``app`` on this machine only until the block ends; yields its URL."""
    import uvicorn

    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host=HOST, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="studio-server", daemon=True)
    thread.start()
    end = time.time() + timeout
    while not server.started:
        if time.time() > end or not thread.is_alive():
            raise RuntimeError(f"the studio did not start on {HOST}:{port}")
        time.sleep(0.05)
    try:
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
