"""The committed RESULTS.md against a fresh report: timings and ids aside, every figure must match."""

from __future__ import annotations

import reliability_results as rr

SECTION = """## Example

| figure | value |
|---|---|
| operations | 200 |
| requests | 750 |
| slowest example (s) | 0.09 |
| seconds | 4.7 |

| path | requests | peak memory | seconds | POSTs (varies) |
|---|---|---|---|---|
| in-process | 58 | 63 MB | 4.9 | 3 |
| module | 55 |  | 11.0 | 2 |

Updating 'soak-44' (32d82db7-6aca-4ca7-b394-f7b311ce5738) failed after 2.4 s; whole test: 120 seconds.
"""


def _report(body, **others):
    blocks = {name: "x\n" for name in rr.ORDER}
    blocks.update(others)
    blocks["soak"] = body
    return rr.render(blocks)


def _changed(old, new):
    assert SECTION.count(old) == 1
    return SECTION.replace(old, new)


def test_timings_memory_varying_figures_and_ids_may_differ():
    fresh = SECTION
    for old, new in (("| 0.09 |", "| 0.31 |"), ("| 4.7 |", "| 9.9 |"), ("63 MB", "80 MB"), ("| 11.0 |", "| 7.2 |"),
                     ("| 3 |", "| 1 |"), ("32d82db7-6aca-4ca7-b394-f7b311ce5738", "0c0c0c0c-1111-4222-8333-444444444444"),
                     ("2.4 s", "3.1 s"), ("120 seconds", "98 seconds")):
        fresh = fresh.replace(old, new)
    assert fresh != SECTION
    assert rr.differences(_report(SECTION), _report(fresh)) == []


def test_any_other_figure_must_match():
    for old, new in (("| 200 |", "| 199 |"), ("| in-process | 58 |", "| in-process | 59 |"),
                     ("'soak-44'", "'soak-45'")):
        problems = rr.differences(_report(SECTION), _report(_changed(old, new)))
        assert len(problems) == 1 and problems[0].startswith("section soak differs:"), (old, problems)
        assert new.strip("| ").rsplit(" | ", maxsplit=1)[-1] in problems[0]


def test_a_missing_section_is_reported_on_either_side():
    fresh = rr.parse(_report(SECTION))
    del fresh["race"]
    assert rr.differences(_report(SECTION), rr.render(fresh)) == [
        "section race: missing from the fresh report (run every reliability test first)"]
    assert rr.differences(rr.render(fresh), _report(SECTION)) == ["section race: missing from the committed copy"]


def test_update_refuses_an_incomplete_report_and_copies_a_complete_one(tmp_path):
    output, committed = tmp_path / "fresh.md", tmp_path / "RESULTS.md"
    committed.write_text("old\n")
    blocks = rr.parse(_report(SECTION))
    del blocks["tls"]
    output.write_text(rr.render(blocks))
    try:
        rr.update_committed(output, committed)
    except SystemExit as exc:
        assert "lacks tls" in str(exc)
    else:
        raise AssertionError("an incomplete report was copied")
    assert committed.read_text() == "old\n"

    output.write_text(_report(SECTION))
    rr.update_committed(output, committed)
    assert committed.read_text() == _report(SECTION)
    assert rr.main(["--check", "--fresh", str(output), "--committed", str(committed)]) == 0


def test_a_run_writes_its_own_report_not_the_committed_copy(tmp_path):
    results = rr.Results(tmp_path / "out" / "RESULTS.md")
    results.section("tls", "## TLS\n")
    assert results.write() == tmp_path / "out" / "RESULTS.md"
    assert rr.parse((tmp_path / "out" / "RESULTS.md").read_text()) == {"tls": "## TLS\n"}
    assert rr.OUTPUT_PATH.relative_to(rr.ROOT).parts[:2] == ("tests", "output")  # ignored by git
    assert rr.Results().path == rr.OUTPUT_PATH
