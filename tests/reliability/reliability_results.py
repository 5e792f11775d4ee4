"""Figures gathered by the reliability tests: the run's own report, the committed copy, and the check.

Each test records its figures under a section name. When the session ends they go to the run's own
report, ``tests/output/reliability/RESULTS.md`` (ignored by git): it keeps one block per section between
``<!-- section: NAME -->`` and ``<!-- end: NAME -->``, and a run replaces the blocks it produced and keeps
the others, so running one test (``-k soak``) does not erase the rest. A test run never touches the
committed ``tests/reliability/RESULTS.md``; it changes only on purpose, with one command:

    scripts/test.sh tests/reliability --update-results

which runs every reliability test and, if they all passed, copies the fresh report over it. CI checks the
committed copy against the report of its own full run:

    python tests/reliability/reliability_results.py --check

and fails when a figure differs that is not a timing: columns and rows that name seconds, ``(s)`` or
memory, and figures marked ``varies`` (how many tasks raced, for example), are measured anew on every run;
so are durations written in the text (``2.4 s``) and ids.
"""

from __future__ import annotations

import argparse
import difflib
import fcntl
import re
import sys
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RESULTS_PATH = HERE / "RESULTS.md"  # the committed copy
OUTPUT_PATH = ROOT / "tests" / "output" / "reliability" / "RESULTS.md"  # each run's own report

HEADER = """# Reliability and security figures

Measured by the tests in `tests/reliability/`. A test run writes its own report to
`tests/output/reliability/RESULTS.md` (ignored by git); this committed copy is refreshed on purpose with
`scripts/test.sh tests/reliability --update-results`, which runs every reliability test and copies the
report here if they all passed. CI (`.ci/run`) fails when a figure below that is not a timing differs from
its own fresh run (`python tests/reliability/reliability_results.py --check`). Timings are wall-clock
seconds on the machine of the run that wrote this copy.
"""

ORDER = ("soak", "soak_playbook", "soak_slow_create", "dataflow_soak", "race", "race_no_lock", "bad_input", "hostile_replies", "secrets", "tls")

_BLOCK = re.compile(r"<!-- section: (?P<name>[\w-]+) -->\n(?P<body>.*?)<!-- end: (?P=name) -->\n", re.S)

# Sections whose figures count examples that hypothesis draws: the URLs it draws embed the emulator's port, which
# changes on every run, so how many examples land in each row changes too. Only their text and headers are compared.
_DRAWN_SECTIONS = frozenset(("bad_input", "tls"))

# A column or row whose name matches holds a figure measured anew on every run.
_VOLATILE_NAME = re.compile(r"seconds|\(s\)|memory|varies", re.I)
_DURATION = re.compile(r"\b\d+(?:\.\d+)?\s?(?:s|ms|seconds)\b")
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


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


def parse(text):
    """``{section name: body}`` of a RESULTS.md."""
    return {match.group("name"): match.group("body") for match in _BLOCK.finditer(text)}


def render(blocks):
    names = [name for name in ORDER if name in blocks] + sorted(set(blocks) - set(ORDER))
    return HEADER + "".join("\n<!-- section: %s -->\n%s<!-- end: %s -->\n" % (name, blocks[name], name)
                            for name in names)


def _cells(line):
    return [part.strip() for part in _CELL_SPLIT.split(line.strip())[1:-1]]


def normalize(body, drawn=False):
    """A section's text with every figure that is measured anew on each run replaced by ``~``.

    ``drawn``: the section's table rows count drawn examples; they are left out.
    """
    lines = body.split("\n")
    out = []
    header = None
    for line in lines:
        if not line.startswith("|"):
            header = None
            out.append(_UUID.sub("<id>", _DURATION.sub("~", line)))
            continue
        cells = _cells(line)
        if header is None:
            header = cells
        elif drawn:
            continue
        elif not set("".join(cells)) <= set("-: "):
            volatile_row = bool(cells) and bool(_VOLATILE_NAME.search(cells[0]))
            cells = [cell_text if position == 0 or not (
                volatile_row or (position < len(header) and _VOLATILE_NAME.search(header[position]))) else "~"
                for position, cell_text in enumerate(cells)]
        out.append("| " + " | ".join(_UUID.sub("<id>", _DURATION.sub("~", text)) for text in cells) + " |")
    return "\n".join(out)


def differences(committed_text, fresh_text):
    """Human-readable differences between the committed copy and a fresh report, figures only; [] if none."""
    committed, fresh = parse(committed_text), parse(fresh_text)
    problems = []
    for name in ORDER:
        if name not in fresh:
            problems.append("section %s: missing from the fresh report (run every reliability test first)" % name)
        elif name not in committed:
            problems.append("section %s: missing from the committed copy" % name)
    for name in sorted(set(committed) & set(fresh)):
        drawn = name in _DRAWN_SECTIONS
        before, after = normalize(committed[name], drawn), normalize(fresh[name], drawn)
        if before != after:
            diff = "\n".join(difflib.unified_diff(before.split("\n"), after.split("\n"), "committed", "fresh",
                                                  lineterm="", n=0))
            problems.append("section %s differs:\n%s" % (name, diff))
    return problems


def update_committed(output=OUTPUT_PATH, committed=RESULTS_PATH):
    """Copy the fresh report over the committed copy; refuse a report that lacks a section."""
    blocks = parse(Path(output).read_text(encoding="utf-8"))
    missing = [name for name in ORDER if name not in blocks]
    if missing:
        raise SystemExit("%s lacks %s: run every reliability test (scripts/test.sh tests/reliability "
                         "--update-results); %s was not changed." % (output, ", ".join(missing), committed))
    Path(committed).write_text(render(blocks), encoding="utf-8")
    return Path(committed)


class Results:
    """Thread-safe collector of Markdown sections, merged into the run's report at the end."""

    def __init__(self, path=OUTPUT_PATH):
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
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # scripts/test.sh runs the slowest test in a pytest session of its own beside the others: the two
            # sessions may end at once, and each must keep the blocks the other wrote.
            with open(self.path.with_suffix(".lock"), "w", encoding="utf-8") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                blocks = parse(self.path.read_text(encoding="utf-8")) if self.path.exists() else {}
                blocks.update(self._sections)
                self.path.write_text(render(blocks), encoding="utf-8")
            return self.path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--check", action="store_true",
                        help="fail when the committed copy's figures (but timings) differ from the fresh report's")
    action.add_argument("--update", action="store_true", help="copy the fresh report over the committed copy")
    parser.add_argument("--fresh", default=str(OUTPUT_PATH), help="the fresh report (default: %(default)s)")
    parser.add_argument("--committed", default=str(RESULTS_PATH), help="the committed copy (default: %(default)s)")
    args = parser.parse_args(argv)
    if not Path(args.fresh).exists():
        print("%s does not exist: run the reliability tests first (scripts/test.sh)." % args.fresh, file=sys.stderr)
        return 2
    if args.update:
        print("wrote %s" % update_committed(args.fresh, args.committed))
        return 0
    problems = differences(Path(args.committed).read_text(encoding="utf-8"),
                           Path(args.fresh).read_text(encoding="utf-8"))
    if problems:
        print("%s does not match a fresh run (%s); refresh it with scripts/test.sh tests/reliability "
              "--update-results, and review the change.\n" % (args.committed, args.fresh), file=sys.stderr)
        print("\n\n".join(problems), file=sys.stderr)
        return 1
    print("%s matches the fresh run's figures (%s), timings aside." % (args.committed, args.fresh))
    return 0


if __name__ == "__main__":
    sys.exit(main())
