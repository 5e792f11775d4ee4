# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Advisory file locks that serialise the creates of one object on one controller.

PRIVATE to the aep.platform collection: this API may change at any time.

Two tasks that ensure the same object at the same time (two playbook runs, or
the forks of one play that delegates to localhost) would both look the name
up, both find nothing and both create it. ``create_lock`` makes them take
turns around look-up and create: the task that waited then finds the object
and converges. Nothing is sent for it; the lock is a file in a private
directory of the user (mode 0700), named by a hash of what identifies the
object (API, org, sandbox, kind, name), and it holds nothing.

The lock is ``flock``: the kernel releases it when the process ends, however it
ends, so a killed task never leaves a stale lock. The file is removed by the
holder before it releases the lock; a task that then gets the lock on the
removed file notices and takes it again on the new one.

Only tasks on one machine (and sharing its temporary directory) see each
other's locks; tasks on other machines are reconciled after the create (see
``Resource._settle_race``).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import stat
import tempfile
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no flock.
    # Without it there is no lock: concurrent creates on one controller are then reconciled after the
    # create, as those of separate controllers are. Ansible's controller does not run on Windows anyway.
    fcntl = None

from ansible_collections.aep.platform.plugins.module_utils._errors import AepError

# TEST ONLY: set to 1 to take no lock, so that a test can show that the check after the create alone
# leaves one object when tasks race. Not an option and not documented for users: without the lock,
# concurrent creates on one controller cost a create and a delete each.
DISABLE_ENV = "AEP_TEST_DISABLE_CREATE_LOCK"

_POLL_FIRST = 0.01
_POLL_MAX = 0.1


def lock_directory():
    """The private directory of this user that holds the lock files."""
    return os.path.join(tempfile.gettempdir(), "aep.platform-locks-%d" % os.getuid())


def lock_file_name(key):
    """The lock file's name for ``key`` (a tuple of strings): a hash, so that no name or org shows."""
    digest = hashlib.sha256(json.dumps([str(part) for part in key]).encode("utf-8")).hexdigest()
    return "create-%s.lock" % digest[:40]


def _private_directory():
    path = lock_directory()
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise AepError("Cannot create %s, the folder that holds the locks that keep two tasks on this controller "
                       "from creating the same object at once: %s." % (path, exc.strerror or exc)) from None
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise AepError("%s must be a folder of the user running the task (uid %d), and it is not; remove it. It "
                       "holds the locks that keep two tasks on this controller from creating the same object at "
                       "once." % (path, os.getuid()))
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(path, 0o700)
    return path


def _same_file(fd, path):
    try:
        on_disk = os.lstat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)


def _acquire(path, wait, what):
    """An open descriptor of ``path`` holding its lock; waits at most ``wait`` seconds for one holder.

    The wait starts again whenever the lock changes hands (the holder removed the file): the limit is
    on one task's look-up and create, not on a queue of tasks that each take their turn.
    """
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    while True:
        deadline = time.monotonic() + wait
        pause = _POLL_FIRST
        fd = os.open(path, flags, 0o600)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    locked = True
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                        raise
                if not _same_file(fd, path):
                    locked = False  # the holder is done and removed the file: take turns on the new one
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AepError(
                        "Another task on this controller has been creating %s for more than %g s and still holds "
                        "the lock that keeps two tasks from creating it at once (%s); nothing was sent. Run the "
                        "task again once the other one has finished." % (what, wait, path))
                time.sleep(min(pause, remaining))
                pause = min(pause * 2, _POLL_MAX)
            # The task before us removes the file before it releases the lock: a lock on a removed file
            # keeps no one out, so take it again on the file that is there now.
            if locked and _same_file(fd, path):
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)


def _release(path, fd):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def create_lock(key, wait, what):
    """Hold the lock for ``key`` for the ``with`` block; wait at most ``wait`` seconds for it.

    ``what`` names the object in the message of a timeout. Without ``fcntl``,
    or with the test-only ``AEP_TEST_DISABLE_CREATE_LOCK=1``, no lock is taken.
    """
    if fcntl is None or os.environ.get(DISABLE_ENV) == "1":
        yield None
        return
    path = os.path.join(_private_directory(), lock_file_name(key))
    try:
        fd = _acquire(path, wait, what)
    except OSError as exc:
        raise AepError("Cannot lock %s, which keeps two tasks on this controller from creating %s at once: %s."
                       % (path, what, exc.strerror or exc)) from None
    try:
        yield path
    finally:
        _release(path, fd)
