"""Start the bundled AEP emulator for the integration targets, or reuse the one already running.

Prints the emulator's URL (platform and IMS alike) on stdout.

ansible-test runs every target in a playbook of its own, from a temporary copy of the target that holds
neither the emulator nor the collection's other tests. So the first target that needs the emulator starts
it as a detached process; later targets of the same run find it through the state folder and reuse it.
The emulator stops itself once no request (and no reuse) has come for --idle-timeout seconds, so a run
leaves nothing behind; whoever starts ansible-test may also stop it at once with --stop.

The emulator's source is looked up in the folders above this file: ansible-test's temporary copies live
inside the collection (tests/output/.tmp/...), and the collection holds tests/emulator.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request

EMULATOR_PACKAGE = os.path.join("tests", "emulator", "aep_emulator", "__init__.py")
STATE_FOLDER = os.path.join("tests", "output", ".tmp", "aep-emulator")
START_TIMEOUT = 30.0
CHECK_INTERVAL = 0.5


def find_collection_root(start):
    """The nearest folder at or above start that holds the emulator's package."""
    folder = os.path.abspath(start)
    while True:
        if os.path.isfile(os.path.join(folder, EMULATOR_PACKAGE)):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            raise SystemExit("No %s in any folder above %s" % (EMULATOR_PACKAGE, start))
        folder = parent


def read_text(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError:
        return ""


def write_atomically(path, text):
    temporary = "%s.%d" % (path, os.getpid())
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
    os.replace(temporary, path)


def process_alive(pid_text):
    if not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except OSError:
        return False
    return True


def answers(url):
    """Whether an emulator answers at url (its health check is not counted as API traffic)."""
    try:
        with urllib.request.urlopen(url + "/_emulator/health", timeout=5) as reply:
            return reply.status == 200
    except OSError:
        return False


def running_url(state):
    """The URL of the emulator of this state folder when it is up, else an empty string."""
    url = read_text(os.path.join(state, "url"))
    if url and process_alive(read_text(os.path.join(state, "pid"))) and answers(url):
        return url
    return ""


def renew_lease(state):
    """Tell a running emulator that a target is about to use it, so that it does not stop meanwhile."""
    with open(os.path.join(state, "lease"), "a", encoding="utf-8"):
        pass
    os.utime(os.path.join(state, "lease"))


def serve(args, root, state):
    """Run the emulator in this process until it has been idle for args.idle_timeout seconds."""
    sys.path.insert(0, os.path.join(root, "tests", "emulator"))
    from aep_emulator import Emulator  # pylint: disable=import-outside-toplevel  # found at run time

    stopping = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *unused: stopping.append(True))
    emulator = Emulator(page_size=args.page_size, run_seconds=args.run_seconds, time_scale=args.time_scale)
    emulator.start()
    url = emulator.url
    last_activity = time.time()
    try:
        write_atomically(os.path.join(state, "pid"), str(os.getpid()))
        write_atomically(os.path.join(state, "url"), url)
        while not stopping:
            time.sleep(CHECK_INTERVAL)
            # Every API request is journalled; the journal is emptied as it is read so that it stays small.
            if emulator.journal():
                emulator.clear_journal()
                last_activity = time.time()
            try:
                last_activity = max(last_activity, os.path.getmtime(os.path.join(state, "lease")))
            except OSError:
                pass
            if time.time() - last_activity > args.idle_timeout:
                break
            # Another emulator took this state folder over, or the folder (the collection copy) is gone.
            if read_text(os.path.join(state, "pid")) != str(os.getpid()):
                break
    finally:
        emulator.stop()
        # Leave the files of an emulator that took over alone.
        for name, mine in (("url", url), ("pid", str(os.getpid()))):
            if read_text(os.path.join(state, name)) == mine:
                os.unlink(os.path.join(state, name))
    return 0


def start(args, root, state):
    """Start a detached emulator process (this script with --serve) and return its URL once it answers."""
    for name in ("url", "pid"):
        if os.path.exists(os.path.join(state, name)):
            os.unlink(os.path.join(state, name))
    command = [sys.executable, os.path.abspath(__file__), "--serve", "--collection-root", root,
               "--idle-timeout", str(args.idle_timeout), "--run-seconds", str(args.run_seconds),
               "--time-scale", str(args.time_scale), "--page-size", str(args.page_size)]
    with open(os.path.join(state, "emulator.log"), "ab") as log, open(os.devnull, "rb") as nothing:
        # A session of its own: the emulator outlives the task (and the playbook) that started it.
        process = subprocess.Popen(command, stdin=nothing, stdout=log, stderr=log,  # pylint: disable=consider-using-with
                                   start_new_session=True, close_fds=True)
    deadline = time.time() + START_TIMEOUT
    while time.time() < deadline:
        url = running_url(state)
        if url:
            return url
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise SystemExit("The emulator did not start; see %s" % os.path.join(state, "emulator.log"))


def stop(state):
    pid_text = read_text(os.path.join(state, "pid"))
    if process_alive(pid_text):
        os.kill(int(pid_text), signal.SIGTERM)
        deadline = time.time() + 10
        while process_alive(pid_text) and time.time() < deadline:
            time.sleep(0.1)
    return 0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle-timeout", type=float, default=120.0,
                        help="stop after this many seconds without a request (default: 120)")
    parser.add_argument("--run-seconds", type=float, default=0.2, help="how long a dataflow run takes (default: 0.2)")
    parser.add_argument("--time-scale", type=float, default=1.0, help="multiplies schedule intervals (default: 1)")
    parser.add_argument("--page-size", type=int, default=20, help="list page size (default: 20)")
    parser.add_argument("--collection-root", help="the collection (default: found above this file)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--stop", action="store_true", help="stop the running emulator, if any")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    root = find_collection_root(args.collection_root or os.path.dirname(os.path.abspath(__file__)))
    state = os.path.join(root, STATE_FOLDER)
    os.makedirs(state, exist_ok=True)
    if args.stop:
        return stop(state)
    if args.serve:
        return serve(args, root, state)
    # The lease first: an emulator about to stop for idleness then stays up for this target.
    renew_lease(state)
    url = running_url(state) or start(args, root, state)
    print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
