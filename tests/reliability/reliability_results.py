"""Figures gathered by the reliability tests, written to RESULTS.md when the session ends.

Each test records its figures under a section name. RESULTS.md keeps one block per section between
``<!-- section: NAME -->`` and ``<!-- end: NAME -->``; a run replaces the blocks of the sections it
produced and keeps the others as they were, so running one test (``-k soak``) does not erase the rest.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

RESULTS_PATH = Path(__file__).resolve().parent / "RESULTS.md"

HEADER = """# Reliability and security figures

Written by the tests in `tests/reliability/` from their own run (`scripts/test.sh`, or
`scripts/test.sh tests/reliability`). Every figure below was measured by the run that wrote it; a
section is rewritten whenever its test runs. Timings are wall-clock seconds on the machine of that run.
"""

ORDER = ("soak", "soak_playbook", "soak_slow_create", "bad_input", "hostile_replies", "secrets", "tls")

_BLOCK = re.compile(r"<!-- section: (?P<name>[\w-]+) -->\n(?P<body>.*?)<!-- end: (?P=name) -->\n", re.S)


def cell(value):
    """A value as one Markdown table cell: one line, pipes escaped, control characters spelled out."""
    text = " ".join(str(value).split("\n"))
    text = "".join(ch if ch.isprintable() else "\\x%02x" % ord(ch) if ord(ch) < 256 else "\\u%04x" % ord(ch)
                   for ch in text)
    return text.replace("|", "\\|")


def table(headers, rows):
    """A Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _unused in headers) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(cell(value) for value in row) + " |")
    return "\n".join(lines) + "\n"


class Results:
    """Thread-safe collector of Markdown sections, merged into RESULTS.md at the end."""

    def __init__(self, path=RESULTS_PATH):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._sections = {}

    def section(self, name, markdown):
        with self._lock:
            self._sections[name] = markdown.rstrip("\n") + "\n"

    def write(self):
        with self._lock:
            if not self._sections:
                return None
            blocks = {}
            if self.path.exists():
                for match in _BLOCK.finditer(self.path.read_text(encoding="utf-8")):
                    blocks[match.group("name")] = match.group("body")
            blocks.update(self._sections)
            names = [name for name in ORDER if name in blocks] + sorted(set(blocks) - set(ORDER))
            text = HEADER + "".join("\n<!-- section: %s -->\n%s<!-- end: %s -->\n" % (name, blocks[name], name)
                                    for name in names)
            self.path.write_text(text, encoding="utf-8")
            return self.path
