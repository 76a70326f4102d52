# Type stubs for fdgrad: the public functions are built at import by
# fdgrad._api.make_api, which static checkers cannot follow.
# tests/test_api.py checks that these signatures match the runtime ones.
from typing import Any, Callable, Literal, Union, overload

import numpy as np
from numpy.typing import ArrayLike

__version__: str
BACKEND: Literal["c", "python"]
__all__: list[str]

Step = Union[float, ArrayLike, None]

def derivative(
    f: Callable[[Any], Any], x: ArrayLike, h: Step = None, method: str = "central"
) -> Union[float, np.ndarray]: ...
def partial(
    f: Callable[[np.ndarray], Any],
    x: ArrayLike,
    i: Union[int, tuple[int, ...]],
    h: Step = None,
    method: str = "central",
) -> float: ...
def gradient(f: Callable[[np.ndarray], Any], x: ArrayLike, h: Step = None, method: str = "central") -> np.ndarray: ...
@overload
def gradient_descent(
    f: Callable[[np.ndarray], Any],
    init_x: ArrayLike,
    lr: float = 0.01,
    step_num: int = 100,
    h: Step = None,
    method: str = "central",
    history: Literal[False] = False,
) -> np.ndarray: ...
@overload
def gradient_descent(
    f: Callable[[np.ndarray], Any],
    init_x: ArrayLike,
    lr: float = 0.01,
    step_num: int = 100,
    h: Step = None,
    method: str = "central",
    *,
    history: Literal[True],
) -> tuple[np.ndarray, np.ndarray]: ...
def numerical_diff(f: Callable[[Any], Any], x: ArrayLike) -> Union[float, np.ndarray]: ...
def numerical_gradient(f: Callable[[np.ndarray], Any], x: ArrayLike) -> np.ndarray: ...
