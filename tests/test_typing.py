"""The type stubs shipped with fdgrad describe the API to a type checker."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_mypy_reads_the_stubs(tmp_path):
    from _optional import need

    need("mypy")
    usage = tmp_path / "usage.py"
    usage.write_text(textwrap.dedent("""
        import numpy as np
        import fdgrad
        import fdgrad.fallback

        g: np.ndarray = fdgrad.gradient(lambda x: float(x.sum()), [1.0, 2.0])
        value, info = fdgrad.gradient(lambda x: 0.0, [1.0], full_output=True)
        x, path = fdgrad.gradient_descent(lambda x: 0.0, [1.0], history=True)
        last: np.ndarray = fdgrad.fallback.gradient_descent(lambda x: 0.0, [1.0])
        check: fdgrad.GradCheck = fdgrad.check_grad(lambda x: 0.0, [0.0], [1.0])
        reveal_type(info)
        reveal_type(fdgrad.BACKEND)
        reveal_type(check.worst_index)
    """))
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir", str(tmp_path / "cache"), str(usage)],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'Revealed type is "fdgrad._results.DiffInfo"' in proc.stdout
    assert "Literal['c'] | Literal['python']" in proc.stdout
