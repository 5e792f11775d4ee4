# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Whether a task's Python interpreter is the controller's own Python environment.

PRIVATE to the aep.platform collection: this API may change at any time.

A module run with ``ansible_python_interpreter`` imports what that interpreter
imports: its ``sys.prefix`` (a venv, or the installation itself) decides which
``site-packages`` it sees. The action plugins run a module's logic in the
controller's worker instead only when that would change nothing, so the
decision is made by the environment an interpreter gives, not by its name:

- ``/opt/venv/bin/python``, ``python3``, ``python3.11``, a symlink that Python
  resolves to the same venv, ``{{ ansible_playbook_python }}`` and the
  discovery modes (``auto``...) are the controller's Python;
- the base interpreter behind the controller's venv (the same file, other
  site-packages), another venv, another Python version, or a path that cannot
  be run are not.

Names that are the controller's executable, or another name for the same file
in the same directory (the same directory means the same ``pyvenv.cfg``, so the
same environment), are decided without starting anything. Anything else is
asked, once per worker process: it is run with ``-I -c`` and prints its
implementation, version and prefixes.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys

# The interpreter discovery modes (ansible-core's INTERPRETER_PYTHON choices): on the controller
# they mean "whichever Python Ansible finds", and the one running Ansible is the one to use.
DISCOVERY_MODES = frozenset(("auto", "auto_silent", "auto_legacy", "auto_legacy_silent"))

PROBE_TIMEOUT = 15

# Printed by the interpreter asked about: what decides what it imports. No site-packages path is
# compared (the controller's sys.path holds Ansible's own entries); prefix and exec_prefix are
# where site.py takes them from.
_PROBE = ("import json, sys; print(json.dumps([sys.implementation.cache_tag, list(sys.version_info[:3]), "
          "sys.prefix, sys.exec_prefix]))")

# Characters of a path that shlex would leave as one word, as it is.
_SIMPLE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+@%=,:~")

# (interpreter words, PATH) -> Environment or InterpreterError, for this process (a worker runs
# every item of one task's loop).
_CACHE = {}


class InterpreterError(Exception):
    """The interpreter could not be asked: it does not exist, cannot be run, or answered nonsense."""


class Environment:
    """What an interpreter imports: implementation, version, and its real prefixes."""

    def __init__(self, cache_tag, version, prefix, exec_prefix):
        self.cache_tag = cache_tag
        self.version = tuple(version)
        self.prefix = os.path.realpath(prefix)
        self.exec_prefix = os.path.realpath(exec_prefix)

    def _key(self):
        return (self.cache_tag, self.version, self.prefix, self.exec_prefix)

    def __eq__(self, other):
        return isinstance(other, Environment) and self._key() == other._key()

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self._key())

    def describe(self):
        return "Python %s in %s" % (".".join(str(part) for part in self.version), self.prefix)

    def __repr__(self):
        return "Environment(%r)" % (self._key(),)


def controller_environment():
    """The environment of the Python running this code."""
    return Environment(sys.implementation.cache_tag, sys.version_info[:3], sys.prefix, sys.exec_prefix)


def _search_path(environment):
    if environment is not None and "PATH" in environment:
        return environment["PATH"]
    return os.environ.get("PATH", os.defpath)


def _words(interpreter):
    try:
        words = shlex.split(str(interpreter))
    except ValueError as exc:
        raise InterpreterError("cannot be parsed (%s)" % exc) from None
    if not words:
        raise InterpreterError("is empty")
    return words


def _same_file_as_controller(executable, search_path):
    """True when ``executable`` is ``sys.executable``, or another name for that file in its directory.

    Python looks for ``pyvenv.cfg`` beside the name it was started by (and one level up), and
    otherwise takes its prefix from the real file: the same file in the same directory gives the same
    environment, for a venv and for an installation alike. Anything else is left to the probe.
    """
    executable = os.path.expanduser(executable)  # the shell that starts a module expands it
    if os.sep not in executable:
        found = shutil.which(executable, path=search_path)
        if found is None:
            return False
        executable = found
    executable = os.path.abspath(executable)
    ours = os.path.abspath(sys.executable)
    if executable == ours:
        return True
    if os.path.dirname(executable) != os.path.dirname(ours):
        return False
    try:
        return os.path.samefile(executable, ours)
    except OSError:
        return False


def probe(interpreter, environment=None, timeout=PROBE_TIMEOUT):
    """The Environment ``interpreter`` gives, asking it; raises InterpreterError when it cannot be asked.

    ``interpreter`` is a path, a name found on the PATH of ``environment``, or a command such as
    ``/usr/bin/env python3``, as ``ansible_python_interpreter`` takes it. Answers are kept for the
    life of the process.
    """
    words = _words(interpreter)
    key = (tuple(words), _search_path(environment))
    if key not in _CACHE:
        try:
            _CACHE[key] = _ask(words, environment, timeout)
        except InterpreterError as exc:
            _CACHE[key] = exc
    answer = _CACHE[key]
    if isinstance(answer, InterpreterError):
        raise answer
    return answer


def _ask(words, environment, timeout):
    command = list(words)
    command[0] = os.path.expanduser(command[0])
    if os.sep not in command[0]:
        found = shutil.which(command[0], path=_search_path(environment))
        if found is None:
            raise InterpreterError("is not found on the PATH")
        command[0] = found
    elif not os.path.exists(command[0]):
        raise InterpreterError("does not exist")
    try:
        completed = subprocess.run(command + ["-I", "-c", _PROBE], stdin=subprocess.DEVNULL, capture_output=True,
                                   timeout=timeout, env=environment, check=False)
    except subprocess.TimeoutExpired:
        raise InterpreterError("did not answer within %d s" % timeout) from None
    except OSError as exc:
        raise InterpreterError("cannot be run (%s)" % (exc.strerror or exc)) from None
    if completed.returncode != 0:
        detail = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InterpreterError("exited with status %d%s" % (
            completed.returncode, ": " + detail[-1][:200] if detail else ""))
    try:
        cache_tag, version, prefix, exec_prefix = json.loads(completed.stdout.decode("utf-8").strip().splitlines()[-1])
        return Environment(cache_tag, version, prefix, exec_prefix)
    except (ValueError, TypeError, IndexError):
        raise InterpreterError("did not answer as a Python 3 interpreter") from None


def controller_python_or_reason(interpreter, environment=None):
    """None when a module run with ``interpreter`` would import what the controller imports; else why not.

    ``interpreter`` is the templated value of ``ansible_python_interpreter`` (None when unset);
    ``environment`` the environment a module started by the task would get (its PATH finds bare
    names). The reason reads after "interpreter X ", e.g. "is Python 3.12.1 in /usr, not ...".
    """
    if interpreter is None:
        return None
    interpreter = str(interpreter).strip()
    if not interpreter or interpreter in DISCOVERY_MODES or interpreter == sys.executable:
        return None
    try:
        words = [interpreter] if _SIMPLE.issuperset(interpreter) else _words(interpreter)
        if len(words) == 1 and _same_file_as_controller(words[0], _search_path(environment)):
            return None
        theirs = probe(interpreter, environment)
    except InterpreterError as exc:
        return str(exc)
    ours = controller_environment()
    if theirs == ours:
        return None
    return "is %s, not the controller's %s" % (theirs.describe(), ours.describe())
