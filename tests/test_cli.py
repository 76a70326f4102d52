"""The command line: every option checked before any work, clean help texts, --version."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

import fdgrad
from fdgrad import __main__ as cli


def run(*args, **options):
    return subprocess.run([sys.executable, "-m", "fdgrad", *args], capture_output=True, text=True, timeout=300,
                          **options)


@pytest.fixture
def afile(tmp_path):
    path = tmp_path / "afile"
    path.write_text("not a folder")
    return path


@pytest.mark.parametrize("command, option", [("demo", "--plots"), ("bench", "--out")])
@pytest.mark.parametrize("case", ["file", "below a file", "empty", "blank"])
def test_a_bad_output_folder_is_a_usage_error_before_any_work(afile, command, option, case):
    value = {"file": str(afile), "below a file": str(afile / "sub"), "empty": "", "blank": "  "}[case]
    extra = ["--quick"] if command == "bench" else []
    proc = run(command, *extra, option, value)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""  # nothing was done: no demo printed, no benchmark run
    assert f"argument {option}:" in proc.stderr and "Traceback" not in proc.stderr
    if case != "empty" and case != "blank":
        assert repr(value) in proc.stderr
    assert afile.read_text() == "not a folder"
    assert not (afile.parent / "sub").exists()


def test_output_folder_rules(tmp_path, monkeypatch):
    assert cli.output_folder(str(tmp_path)) == tmp_path  # an existing folder
    assert cli.output_folder(str(tmp_path / "new" / "deeper")) == tmp_path / "new" / "deeper"  # made later
    assert not (tmp_path / "new").exists()
    monkeypatch.setattr(cli.os, "access", lambda path, mode: False)  # (as root, every folder is writable)
    with pytest.raises(argparse.ArgumentTypeError, match="is not writable"):
        cli.output_folder(str(tmp_path))
    with pytest.raises(argparse.ArgumentTypeError, match="cannot be made: .* is not writable"):
        cli.output_folder(str(tmp_path / "new"))


def test_plots_without_matplotlib_fail_before_the_demo(tmp_path):
    code = ("import sys; sys.modules['matplotlib'] = None\nfrom fdgrad.__main__ import main\n"
            f"main(['demo', '--plots', {str(tmp_path / 'pictures')!r}])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert 'pip install "fdgrad[plot]"' in proc.stderr
    assert not (tmp_path / "pictures").exists()


def test_version():
    proc = run("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"fdgrad {fdgrad.__version__}"


@pytest.mark.parametrize("args", [["--help"], ["demo", "--help"], ["bench", "--help"], ["info", "--help"]])
def test_help_texts_read_cleanly(args):
    proc = run(*args)
    assert proc.returncode == 0
    text = proc.stdout
    assert "``" not in text and ":func:" not in text  # no raw reST
    assert "seed" not in text  # the project's own jargon
    assert text.startswith("usage: python -m fdgrad")
    description = text.split("\n\n")[1]
    assert description.strip().endswith("."), description  # a whole sentence, not one cut at ";"


def test_the_console_script_calls_itself_fdgrad():
    script = Path(sys.executable).parent / "fdgrad"
    if script.exists():  # the installed console script
        proc = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0 and proc.stdout.startswith("usage: fdgrad "), proc.stdout
    # and whatever the install: the parser names the program as it was called
    assert cli.parser("fdgrad").prog == "fdgrad"
    saved = sys.argv[0]
    try:
        sys.argv[0] = "/usr/local/bin/fdgrad"
        assert cli.parser().prog == "fdgrad"
        sys.argv[0] = str(Path(cli.__file__))
        assert cli.parser().prog == "python -m fdgrad"
    finally:
        sys.argv[0] = saved


def test_demo_lines_stay_aligned():
    proc = run("demo")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    values = [line for line in lines if line.startswith("      fdgrad ")]
    assert len(values) > 15
    for k, line in enumerate(lines):
        if line.startswith("      fdgrad "):
            assert lines[k + 1].startswith("      exact  ") and lines[k + 2].startswith("      error  ")
    assert "seed" not in proc.stdout


def test_a_closed_pipe_is_not_a_traceback():
    proc = subprocess.Popen([sys.executable, "-m", "fdgrad", "demo"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"))
    proc.stdout.read(20)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    proc.wait(timeout=120)
    assert "Traceback" not in err, err


def test_the_demo_writes_into_a_new_folder(tmp_path):
    from _optional import need

    need("matplotlib")
    target = tmp_path / "a" / "b"
    proc = run("demo", "--plots", str(target))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in target.glob("*.png")) == ["descent_path.png", "gradient_field.png", "secant.png",
                                                            "step_error.png", "surface.png", "tangent.png"]


@pytest.mark.parametrize("case", ["proc", "loop", "too long"])
def test_folders_that_cannot_be_written_are_usage_errors_too(tmp_path, case):
    """Folders the first checks pass, where making or writing fails (a virtual file system, a
    symlink loop, a name too long): exit 2 before any work, never a traceback."""
    if case == "proc":
        if not Path("/proc/self").exists():
            pytest.skip("no /proc on this system")  # (Linux CI has one)
        value = "/proc/fdgrad-cannot-be-made"
    elif case == "loop":
        (tmp_path / "loop").symlink_to(tmp_path / "loop")
        value = str(tmp_path / "loop" / "sub")
    else:
        value = str(tmp_path / ("a" * 300))
    for command, option in (("demo", "--plots"), ("bench", "--out")):
        proc = run(command, option, value)
        assert proc.returncode == 2 and proc.stdout == "", proc.stderr
        assert f"argument {option}:" in proc.stderr and "Traceback" not in proc.stderr


def test_output_that_cannot_be_written_is_a_message():
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")  # (Linux CI has one)
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "fdgrad", "info"], stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "cannot write (standard output): No space left on device" in proc.stderr


def test_help_and_version_into_a_full_disk_say_so():
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")  # (Linux CI has one)
    for args in (["--help"], ["--version"], ["demo", "--help"]):
        with open("/dev/full", "w") as full:
            proc = subprocess.run([sys.executable, "-m", "fdgrad", *args], stdout=full, stderr=subprocess.PIPE,
                                  text=True, timeout=120)
        assert proc.returncode == 1 and "No space left on device" in proc.stderr, (args, proc.stderr)


def test_a_name_too_long_below_new_folders_leaves_none(tmp_path):
    value = tmp_path / "new" / "q" / ("x" * 300)
    proc = run("demo", "--plots", str(value))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert not (tmp_path / "new").exists()
