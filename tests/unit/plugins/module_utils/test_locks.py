"""The advisory file lock that serialises creates of one object on one controller (real flock, real files)."""

import os
import stat
import threading
import time

import pytest

from ansible_collections.aep.platform.plugins.module_utils import _locks
from ansible_collections.aep.platform.plugins.module_utils._errors import AepError

KEY = ("https://platform.example.test/data/foundation/flowservice", "ORG@AdobeOrg", "dev", "S3 connection", "landing")


def test_the_lock_is_a_file_in_a_private_folder_named_by_a_hash(private_tmp):
    with _locks.create_lock(KEY, 5, "an S3 connection named 'landing'") as path:
        folder = os.path.dirname(path)
        assert folder == str(private_tmp / ("aep.platform-locks-%d" % os.getuid()))
        assert stat.S_IMODE(os.lstat(folder).st_mode) == 0o700
        assert stat.S_IMODE(os.lstat(path).st_mode) & 0o077 == 0
        assert os.path.basename(path) == _locks.lock_file_name(KEY)
        assert not any(part in path for part in ("landing", "ORG", "dev", "flowservice"))
        assert os.path.getsize(path) == 0  # it holds nothing
    assert not os.path.exists(path)  # removed by its holder on release
    assert os.listdir(folder) == []


def test_keys_that_differ_in_any_part_are_different_locks():
    names = {_locks.lock_file_name(KEY[:index] + ("other",) + KEY[index + 1:]) for index in range(len(KEY))}
    assert len(names | {_locks.lock_file_name(KEY)}) == len(KEY) + 1


def test_a_held_lock_times_out_with_a_clear_message():
    with _locks.create_lock(KEY, 5, "an S3 connection named 'landing'"):
        start = time.monotonic()
        with pytest.raises(AepError) as info:
            with _locks.create_lock(KEY, 0.3, "an S3 connection named 'landing'"):
                pytest.fail("the lock was taken twice")
        waited = time.monotonic() - start
    assert 0.3 <= waited < 2
    assert info.value.msg.startswith("Another task on this controller has been creating an S3 connection named "
                                     "'landing' for more than 0.3 s and still holds the lock")
    assert "nothing was sent" in info.value.msg
    # Released: the next one takes it at once.
    with _locks.create_lock(KEY, 0.3, "x"):
        pass


def test_a_waiting_task_gets_the_lock_once_the_holder_is_done():
    order = []
    holding = threading.Event()

    def holder():
        with _locks.create_lock(KEY, 5, "x"):
            holding.set()
            time.sleep(0.3)
            order.append("holder done")

    thread = threading.Thread(target=holder)
    thread.start()
    assert holding.wait(5)
    with _locks.create_lock(KEY, 5, "x"):
        order.append("waiter in")
    thread.join()
    assert order == ["holder done", "waiter in"]


def test_never_two_holders_although_each_holder_removes_the_file():
    """Many threads taking and releasing one lock: a holder removes the file, a waiter on the removed file
    must notice and take the lock on the new one, or two would hold it at once."""
    inside = []
    overlaps = []
    entries = []
    guard = threading.Lock()

    def worker():
        for _unused in range(25):
            with _locks.create_lock(KEY, 30, "x"):
                with guard:
                    inside.append(1)
                    if len(inside) > 1:
                        overlaps.append(len(inside))
                    entries.append(1)
                time.sleep(0.001)
                with guard:
                    inside.pop()

    threads = [threading.Thread(target=worker) for _unused in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(entries) == 200
    assert overlaps == []


def test_the_test_only_switch_takes_no_lock(monkeypatch):
    monkeypatch.setenv(_locks.DISABLE_ENV, "1")
    with _locks.create_lock(KEY, 5, "x") as first:
        with _locks.create_lock(KEY, 0.1, "x") as second:
            assert first is None and second is None
    assert not os.path.exists(_locks.lock_directory())


def test_a_folder_left_open_to_others_is_made_private_again():
    folder = _locks.lock_directory()
    os.mkdir(folder, 0o700)
    os.chmod(folder, 0o777)
    with _locks.create_lock(KEY, 5, "x"):
        assert stat.S_IMODE(os.lstat(folder).st_mode) == 0o700


def test_a_symlink_in_place_of_the_folder_is_refused(private_tmp):
    elsewhere = private_tmp / "elsewhere"
    elsewhere.mkdir()
    os.symlink(str(elsewhere), _locks.lock_directory())
    with pytest.raises(AepError) as info:
        with _locks.create_lock(KEY, 5, "x"):
            pytest.fail("locked in a folder that is not ours")
    assert "must be a folder of the user running the task" in info.value.msg
    assert list(elsewhere.iterdir()) == []


@pytest.mark.skipif(os.getuid() != 0, reason="giving a folder to another user needs root")
def test_a_folder_of_another_user_is_refused():
    folder = _locks.lock_directory()
    os.mkdir(folder, 0o700)
    os.chown(folder, 65534, -1)
    with pytest.raises(AepError) as info:
        with _locks.create_lock(KEY, 5, "x"):
            pytest.fail("locked in another user's folder")
    assert "remove it" in info.value.msg


def test_without_fcntl_no_lock_is_taken(monkeypatch):
    monkeypatch.setattr(_locks, "fcntl", None)
    with _locks.create_lock(KEY, 5, "x") as path:
        assert path is None


def test_the_wait_is_per_holder_not_for_the_whole_queue():
    """Another task takes its turn three times in a row, 0.3 s each: a waiter with a wait of 0.4 s waits
    about 0.9 s and is not refused, since the lock changed hands in between."""
    holding = threading.Event()

    def other_tasks():
        for _unused in range(3):
            with _locks.create_lock(KEY, 5, "x"):
                holding.set()
                time.sleep(0.3)

    thread = threading.Thread(target=other_tasks)
    thread.start()
    assert holding.wait(5)
    start = time.monotonic()
    with _locks.create_lock(KEY, 0.4, "x"):
        waited = time.monotonic() - start
    thread.join()
    assert waited > 0.4
