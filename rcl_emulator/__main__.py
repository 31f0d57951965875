"""Command line: ``python -m rcl_emulator serve --port 4566 --state-dir DIR`` and
``python -m rcl_emulator sample-images DIR``."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # main imports it late, to report a missing extra
    from .server import EmulatorServer

# What `pip install 'rcl-resources[emulator]'` adds to a base install.
EXTRA = ("moto", "werkzeug", "numpy", "PIL", "sklearn")


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``rcl-emulator``."""
    try:
        from . import digits
        from .server import EmulatorServer
    except ModuleNotFoundError as err:
        missing = (err.name or "").split(".")[0]
        if missing not in EXTRA:
            raise
        print(
            f"rcl-emulator: the emulator needs the 'emulator' extra ({missing} is not "
            "installed); install it with: pip install 'rcl-resources[emulator]'",
            file=sys.stderr,
        )
        return 2
    args = _parser(digits).parse_args(argv)
    if args.command == "sample-images":
        return digits.run(args)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr)

    server = EmulatorServer(
        host=args.host,
        port=args.port,
        state_dir=args.state_dir,
        training_seconds=args.training_seconds,
        start_seconds=args.start_seconds,
        stop_seconds=args.stop_seconds,
    )
    return _serve(server, args.bucket)


def _parser(digits: ModuleType) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rcl-emulator", description="Local Rekognition Custom Labels + S3."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve Rekognition and S3 on one port")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=4566)
    serve.add_argument(
        "--state-dir", default=None, help="persist state here and restore it at start"
    )
    serve.add_argument("--training-seconds", type=float, default=0)
    serve.add_argument("--start-seconds", type=float, default=0)
    serve.add_argument("--stop-seconds", type=float, default=0)
    serve.add_argument(
        "--bucket",
        action="append",
        default=[],
        metavar="NAME",
        help="create this S3 bucket unless it exists (repeatable)",
    )
    serve.add_argument("--log-level", default="WARNING")
    samples = sub.add_parser(
        "sample-images",
        help="write labelled images to train on (scikit-learn's digits)",
        description=digits.__doc__,
    )
    digits.add_arguments(samples)
    return parser


def _serve(server: EmulatorServer, buckets: list[str]) -> int:
    """Serve until SIGTERM or SIGINT, with ``buckets`` created once listening."""
    done = threading.Event()

    def _shutdown(signum: int, frame: object) -> None:
        done.set()

    signal.signal(signal.SIGTERM, _shutdown)
    signal.signal(signal.SIGINT, _shutdown)
    server.start()
    from .s3io import ensure_bucket

    for bucket in buckets:
        try:
            ensure_bucket(bucket)
        except Exception as err:  # moto's InvalidBucketName and kin
            print(f"rcl-emulator: --bucket {bucket}: {err}", file=sys.stderr)
            server.stop()
            return 2
    print(f"rcl-emulator listening on {server.url}", flush=True)
    done.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
