"""python -m fdgrad bench: the comparison as a command users run (issue 14, part 2), like with like
(issue 25): fixed step beside fixed step, adaptive beside adaptive, each time beside its error and its
evaluations; a missing peer named, every "-" explained.  No time is asserted (a shared machine)."""

from __future__ import annotations

import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest

import fdgrad._bench as bench

FIXED_SECTION = "## Fixed step"
ADAPTIVE_SECTION = "## Adaptive"
CASES_SECTION = "## First derivatives"


def sections(text: str) -> dict:
    """The text's '## ' sections: heading -> their lines."""
    found: dict = {}
    heading = None
    for line in text.splitlines():
        if line.startswith("## "):
            heading = line
            found[heading] = []
        elif heading is not None:
            found[heading].append(line)
    return found


def section(text: str, start: str) -> list[str]:
    [lines] = [lines for heading, lines in sections(text).items() if heading.startswith(start)]
    return lines


def table(lines: list[str]) -> list[list[str]]:
    """The cells of the one table in lines: the header, then the rows (the |---| line left out)."""
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines if line.startswith("|")]
    assert rows and set(rows[1]) == {"---"}, lines
    return [rows[0]] + rows[2:]


def check_dashes(lines: list[str]) -> int:
    """Every '-' cell of the section's table carries a letter, and that letter has its footnote under the
    table; returns how many '-' cells there are."""
    cells = [cell for row in table(lines)[1:] for cell in row]
    assert "-" not in cells, "a '-' cell without a footnote"
    dashes = [cell for cell in cells if cell.startswith("- (")]
    footnotes = {line.split(":")[0][2:] for line in lines if line.startswith("* - (")}
    assert set(dashes) <= footnotes, (dashes, footnotes)
    return len(dashes)


def gradient_rows(lines: list[str]) -> dict:
    """{(n, method label): (time, ratio, error, evaluations)} of a gradient section."""
    header, *rows = table(lines)
    assert header == ["n", "method", "time per gradient", header[3], "error", "evaluations (per coordinate)"]
    return {(int(row[0]), row[1]): tuple(row[2:]) for row in rows}


def check_gradient_section(lines: list[str], methods: tuple, installed: set) -> None:
    """Every method at every size; the measured ones with a time, a ratio, an error and evaluations."""
    rows = gradient_rows(lines)
    assert set(rows) == {(n, m.label) for n in bench.SIZES for m in methods}  # every method at every n, no other
    for (n, label), (seconds, ratio, error, evaluations) in rows.items():
        method = next(m for m in methods if m.label == label)
        if method.peer is not None and method.peer not in installed:
            assert all(cell.startswith("- (") for cell in (seconds, ratio, error, evaluations))
            continue
        assert re.fullmatch(r"[0-9.]+ (s|ms|us|ns)", seconds) and re.fullmatch(r"[0-9.]+x", ratio)
        assert float(error) < 1e-8  # a smooth f: every method is accurate here
        counts = re.fullmatch(r"(\d+) \(([0-9.]+)\)", evaluations)
        assert counts is not None, evaluations
        total, per = counts.groups()
        assert float(per) == pytest.approx(int(total) / n, rel=1e-2)
        if method is methods[0]:
            assert ratio == "1.00x"  # the reference's own time over itself


def check_case_table(lines: list[str]) -> list[str]:
    header, *rows = table(lines)
    columns = header[1:]
    assert len(columns) == len(bench.CASE_METHODS)
    assert all(column.startswith(("fixed: ", "adaptive: ")) for column in columns)  # nobody compares across
    assert [column.split(":")[0] for column in columns] == [kind for kind, _ in bench.CASE_METHODS]
    assert [row[0] for row in rows][:2] == ["median relative error", "worst relative error"]
    if any("inf" in row for row in rows):
        assert any(line.startswith("* inf:") for line in lines)
    return columns


def png_size(path: Path) -> tuple[int, int]:
    with open(path, "rb") as file:
        head = file.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_bench_quick_prints_like_with_like_and_writes_the_plot(tmp_path):
    from _optional import need

    need("matplotlib")
    need("scipy")
    need("numdifftools")
    out = subprocess.run([sys.executable, "-m", "fdgrad", "bench", "--quick", "--out", str(tmp_path)],
                         capture_output=True, text=True, check=True, timeout=600)
    text = out.stdout
    installed = set(bench._peers())
    assert {"scipy", "numdifftools"} <= installed  # installed with the test extra
    headings = list(sections(text))
    assert len(headings) == 3 and all(h.startswith(start) for h, start in
                                      zip(headings, (FIXED_SECTION, ADAPTIVE_SECTION, CASES_SECTION)))
    fixed, adaptive = section(text, FIXED_SECTION), section(text, ADAPTIVE_SECTION)
    check_gradient_section(fixed, bench.FIXED, installed)
    check_gradient_section(adaptive, bench.ADAPTIVE, installed)
    # Like with like: the fixed section holds only 2-evaluation rules, the adaptive one only adaptive methods.
    for (n, _), cells in gradient_rows(fixed).items():
        assert float(cells[3].split("(")[1].rstrip(")")) < 3
    for (n, _), cells in gradient_rows(adaptive).items():
        if not cells[3].startswith("-"):
            assert float(cells[3].split("(")[1].rstrip(")")) > 5
    assert "time / fdgrad's" in table(fixed)[0] and "time / fdgrad adaptive's" in table(adaptive)[0]
    check_case_table(section(text, CASES_SECTION))
    for start in (FIXED_SECTION, ADAPTIVE_SECTION, CASES_SECTION):
        check_dashes(section(text, start))
    assert ("Not installed" in text) == ("scipy.differentiate" not in installed)
    markdown = (tmp_path / "bench.md").read_text()
    assert markdown.startswith("# fdgrad") and text.startswith(markdown.split("Measured in")[0])
    width, height = png_size(tmp_path / "bench.png")
    assert width >= 1280 and height >= 960


def _cheap(monkeypatch) -> None:
    """The measurement made small (two sizes, one sample of each call): the structure is what is tested."""
    monkeypatch.setattr(bench, "SIZES", (2, 10))
    monkeypatch.setattr(bench, "interleaved", lambda fns, repeat, min_time: {
        name: [bench.sample(fn, 1)] for name, fn in fns.items()})


def test_a_missing_peer_is_named_and_its_cells_explained(monkeypatch, tmp_path):
    installed = bench._peers()
    if "scipy" not in installed:
        pytest.skip("needs scipy (pip install \".[test]\")")
    _cheap(monkeypatch)
    peers = {"scipy": installed["scipy"]}  # numdifftools and scipy.differentiate "not installed"
    monkeypatch.setattr(bench, "_peers", lambda: peers)
    lines: list = []
    text = bench.run(True, str(tmp_path) if _have("matplotlib") else None, echo=lines.append)
    assert lines[0] == text
    [missing] = [line for line in text.splitlines() if line.startswith("Not installed")]
    assert "numdifftools" in missing and "scipy.differentiate" in missing
    assert 'pip install "fdgrad[bench]"' in missing and "scipy>=1.15" in missing
    adaptive = section(text, ADAPTIVE_SECTION)
    check_gradient_section(adaptive, bench.ADAPTIVE, set(peers))
    assert check_dashes(adaptive) == 2 * 4 * len(bench.SIZES)  # two missing peers, four cells, each size
    notes = [line for line in adaptive if line.startswith("* - (")]
    assert len(notes) == 2 and "numdifftools is not installed" in notes[0]
    assert "scipy.differentiate" in notes[1] and "is not installed" in notes[1]
    fixed = section(text, FIXED_SECTION)
    check_gradient_section(fixed, bench.FIXED, set(peers))
    assert check_dashes(fixed) == 0 and not any(line.startswith("* - (") for line in fixed)
    cases = section(text, CASES_SECTION)
    columns = check_case_table(cases)
    assert check_dashes(cases) == 2 * (len(table(cases)) - 1)  # two columns of dashes
    for column, cells in zip(columns, zip(*(row[1:] for row in table(cases)[1:]))):
        assert all(cell.startswith("- (") for cell in cells) == ("numdifftools" in column or
                                                                 "scipy.differentiate" in column)
    if _have("matplotlib"):
        assert png_size(tmp_path / "bench.png")[0] >= 1280  # drawn with peers missing too


def test_nothing_missing_says_nothing_missing():
    assert bench.missing_line({key: object() for key in bench.PEERS}) is None
    assert "numdifftools" in bench.missing_line({})


def test_a_peer_that_fails_is_a_footnoted_dash(monkeypatch):
    _cheap(monkeypatch)

    def broken(f, x, method):
        raise RuntimeError("out of order")

    monkeypatch.setattr(bench, "_peers", lambda: {"scipy": broken})
    text = bench.run(True, echo=lambda text: None)
    fixed = section(text, FIXED_SECTION)
    assert check_dashes(fixed) == 4 * len(bench.SIZES)
    [note] = [line for line in fixed if line.startswith("* - (")]
    assert "raised RuntimeError: out of order" in note
    # Over CASES a failure on a case counts as a failure of the method, not a missing column.
    [row] = [row for row in table(section(text, CASES_SECTION)) if row[0].startswith("cases over")]
    assert row[3] == str(len(bench.CASES))


def _have(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def test_bench_uses_only_what_is_installed():
    """Nothing from the repository's benchmarks/ folder (not installed) is imported."""
    code = ("import sys, fdgrad._bench as b; b.gradients = lambda methods, peers, quick: []; "
            "b.accuracy = lambda peers: []; b.run(True, echo=lambda t: None); "
            "print(sorted(m for m in sys.modules if m.startswith(('bench', '_timing'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/")
    assert out.stdout.strip() == "[]"


def test_bench_never_writes_over_the_committed_results(tmp_path, monkeypatch):
    committed = tmp_path / "benchmarks" / "results"
    committed.mkdir(parents=True)
    monkeypatch.setattr(bench, "_committed_results", lambda: committed.resolve())
    for out in (committed, committed / "sub", tmp_path / "benchmarks" / ".." / "benchmarks" / "results"):
        with pytest.raises(SystemExit, match="committed benchmarks/results"):
            bench.run(True, str(out), echo=lambda text: None)
    assert list(committed.iterdir()) == []


def test_the_committed_results_are_found_in_a_source_checkout():
    import fdgrad

    root = Path(fdgrad.__file__).resolve().parents[2]
    expected = (root / "benchmarks" / "results").resolve() if (root / "benchmarks" / "results").is_dir() else None
    assert bench._committed_results() == expected
