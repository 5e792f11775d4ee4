"""Command line: ``PYTHONPATH=tests/emulator python -m aep_emulator [options]``.

Runs until SIGTERM or SIGINT.  ``--url-file`` lets a shell script wait for
the server: the file appears (atomically) once the port is listening.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import threading

from .server import DEFAULT_ACCESS_TOKEN, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator
from .tokens import DEFAULT_EXPIRES_IN


def _write_atomically(path: str, text: str) -> None:
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m aep_emulator",
                                     description="Adobe Experience Platform (Flow Service, Catalog, Schema Registry, Data Prep) and IMS emulator.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default)")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a throwaway CA (needs trustme)")
    parser.add_argument("--ca-out", metavar="PATH", help="with --tls, write the CA certificate (PEM) here")
    parser.add_argument("--state-file", metavar="PATH",
                        help="JSON file to load at start and save after each write (holds secrets in clear)")
    parser.add_argument("--page-size", type=int, default=20, help="default list page size (default: 20)")
    parser.add_argument("--buckets", metavar="DIR",
                        help="folder whose sub-directories are the emulated S3 buckets "
                             "(default: the bundled tests/emulator/buckets)")
    parser.add_argument("--run-seconds", type=float, default=2.0,
                        help="how long a flow run takes, pending then inProgress (default: 2)")
    parser.add_argument("--time-scale", type=float, default=1.0,
                        help="multiplies every schedule interval, e.g. 0.001 (default: 1)")
    parser.add_argument("--url-file", metavar="PATH", help="write the base URL here once listening")
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET)
    parser.add_argument("--access-token", action="append", dest="access_tokens", metavar="TOKEN",
                        help="static access token always accepted (repeatable; default: %s)" % DEFAULT_ACCESS_TOKEN)
    parser.add_argument("--token-expires-in", type=int, default=DEFAULT_EXPIRES_IN,
                        help="lifetime in seconds of tokens the IMS endpoint issues (default: %d)"
                        % DEFAULT_EXPIRES_IN)
    parser.add_argument("--verbose", action="store_true", help="log each request (method, path, status)")
    args = parser.parse_args(argv)
    if args.ca_out and not args.tls:
        parser.error("--ca-out needs --tls")
    if args.page_size < 1:
        parser.error("--page-size must be at least 1")
    if args.run_seconds < 0 or args.time_scale <= 0:
        parser.error("--run-seconds must be >= 0 and --time-scale > 0")
    if args.buckets and not os.path.isdir(args.buckets):
        parser.error("--buckets must be an existing directory")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    emulator = Emulator(tls=args.tls, page_size=args.page_size, state_file=args.state_file,
                        client_id=args.client_id, client_secret=args.client_secret,
                        access_tokens=args.access_tokens or (DEFAULT_ACCESS_TOKEN,),
                        host=args.host, port=args.port, token_expires_in=args.token_expires_in,
                        verbose=args.verbose, buckets_dir=args.buckets, run_seconds=args.run_seconds,
                        time_scale=args.time_scale)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_unused: stopping.set())

    emulator.start()
    try:
        if args.ca_out:
            shutil.copyfile(emulator.ca_path, args.ca_out)
        if args.url_file:
            _write_atomically(args.url_file, emulator.url + "\n")
        print(emulator.url, flush=True)
        # wait() with a timeout so signals are handled promptly on every Python.
        while not stopping.wait(0.5):
            pass
    finally:
        emulator.stop()
        if args.url_file and os.path.exists(args.url_file):
            os.unlink(args.url_file)  # a stale URL would point at a dead port
    return 0


if __name__ == "__main__":
    sys.exit(main())
