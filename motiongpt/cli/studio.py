"""``motiongpt studio``: the co-creation loop as a local web page (``motiongpt.studio``).

    motiongpt studio                              # http://127.0.0.1:8765, the folder ./motiongpt-studio
    motiongpt studio --port 9000 --folder my_dances --model runs/base/model
    motiongpt studio --adapters ~/style_adapters     # offer these style adapters (motiongpt train --lora)

The server listens on this machine only (127.0.0.1) and fetches nothing from elsewhere; Ctrl-C stops it (what
was written is whole: every write is atomic).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from laban.errors import LabanError

from . import common

port = common.number("a port", low=1024, high=65535, low_inclusive=True, integer=True)
HOST = "127.0.0.1"


def add_parser(commands) -> None:
    studio = commands.add_parser("studio", help="make dances in a web page on this machine (no terminal needed)",
                                 description="Serve the studio at http://127.0.0.1:PORT: ask for dances in words "
                                             "and music, see the options side by side, pick one, regenerate bars, "
                                             "vary, continue, blend, edit the score, take the files away. Every "
                                             "dance is a folder under FOLDER/dances with its lineage.")
    studio.add_argument("--port", type=port, default=8765, help="the port (default 8765)")
    studio.add_argument("--folder", type=Path, default=Path("motiongpt-studio"),
                        help="where the dances, uploads and history are kept (default ./motiongpt-studio)")
    studio.add_argument("--model", type=Path, help="a model folder (default: the built-in model)")
    studio.add_argument("--adapters", type=Path,
                        help="a folder of style adapters or of training runs (motiongpt train --lora -o "
                             "runs/NAME: offered as NAME), or one of them, offered as styles besides "
                             "FOLDER/adapters (where the page's uploads of adapter zips go)")
    studio.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from importlib.util import find_spec

    for name in ("starlette", "uvicorn"):
        if find_spec(name) is None:
            raise LabanError(f"the studio needs {name}: pip install \"motiongpt[studio]\"")
    common.model_folder(args.model)
    if args.adapters is not None:
        _check_adapters(args.adapters)
    _port_free(args.port)
    if args.model is not None:  # a damaged model is one line now, not a page whose every ask fails
        from motiongpt.cocreate import load_model

        load_model(args.model)
    common.output_folder(args.folder)
    import uvicorn

    from motiongpt.studio import create_app

    app = create_app(args.folder, args.model, adapters=args.adapters)
    print(f"motiongpt studio: http://{HOST}:{args.port}  (folder {args.folder.resolve()}; Ctrl-C stops it)")
    uvicorn.run(app, host=HOST, port=args.port, log_level="warning")
    return 0


def _check_adapters(folder: Path) -> None:
    """Refuse a --adapters folder that offers no adapter: a mistyped or empty one would start a studio without
    the styles its user came for, and say nothing."""
    from motiongpt.studio.files import ADAPTER_FILES, offered

    if not folder.is_dir():
        raise LabanError(f"{folder}: {'a file, not a' if folder.exists() else 'no such'} folder of style adapters")
    if not offered(folder):
        raise LabanError(f"{folder}: no style adapter in it (an adapter is a folder holding "
                         f"{' and '.join(ADAPTER_FILES)}, as motiongpt train --lora writes it)")


def _port_free(number: int) -> None:
    """Refuse, before anything is written, a port another program listens on. The probe binds as uvicorn will
    (SO_REUSEADDR), which a listener still refuses: without it, the connections a studio just stopped leaves
    closing (TIME_WAIT, a minute) made the port "in use", and the studio could not be started again at once."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, number))
        except OSError:
            raise LabanError(f"port {number} is in use on {HOST}: give another with --port") from None
