# Stub of the compiled kernels (fdgrad/_ckernels.pyx); same API as fdgrad/_pykernels.py.
from typing import Any, Callable, Sequence

import numpy as np

from ._checks import Stencil

__all__: list[str]

def gradient_range(
    f: Callable[[Any], Any],
    convert: Callable[[Any], float],
    x: np.ndarray,
    view: np.ndarray,
    h: np.ndarray,
    stencil: Stencil,
    f0: float,
    out: np.ndarray,
    start: int,
    stop: int,
) -> None: ...
def combine(stencil: Stencil, fvals: Sequence[np.ndarray], h: np.ndarray, out: np.ndarray) -> None: ...
