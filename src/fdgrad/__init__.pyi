# Type stubs for fdgrad: the public functions are built at import by
# fdgrad._api.make_api, which static checkers cannot follow.
# tests/test_api.py checks that these signatures match the runtime ones.
from typing import Any, Callable, Literal, Optional, Union, overload

import numpy as np
from numpy.typing import ArrayLike

from ._api import DiffInfo as DiffInfo
from ._api import GradCheck as GradCheck
from ._api import on_nonfinite as on_nonfinite

__version__: str
BACKEND: Literal["c", "python"]
__all__: list[str]

Step = Union[float, ArrayLike, None]
Method = Literal["central", "forward", "backward", "complex"]
Objective = Callable[[Any], Any]

def derivative(
    f: Objective,
    x: ArrayLike,
    h: Step = None,
    method: Method = "central",
    order: Optional[int] = None,
    adaptive: bool = False,
    full_output: bool = False,
    *,
    workers: Any = 1,
    chunksize: int = 1,
    timeout: Optional[float] = None,
) -> Any: ...
def partial(
    f: Objective,
    x: ArrayLike,
    i: Union[int, tuple[int, ...]],
    h: Step = None,
    method: Method = "central",
    order: Optional[int] = None,
    adaptive: bool = False,
    full_output: bool = False,
) -> Any: ...
@overload
def gradient(
    f: Objective,
    x: ArrayLike,
    h: Step = None,
    method: Method = "central",
    order: Optional[int] = None,
    adaptive: bool = False,
    full_output: Literal[False] = False,
    *,
    workers: Any = 1,
    vectorized: bool = False,
    max_batch_bytes: int = 67108864,
    chunksize: int = 1,
    timeout: Optional[float] = None,
) -> np.ndarray: ...
@overload
def gradient(
    f: Objective,
    x: ArrayLike,
    h: Step = None,
    method: Method = "central",
    order: Optional[int] = None,
    adaptive: bool = False,
    *,
    full_output: Literal[True],
    workers: Any = 1,
    vectorized: bool = False,
    max_batch_bytes: int = 67108864,
    chunksize: int = 1,
    timeout: Optional[float] = None,
) -> tuple[np.ndarray, DiffInfo]: ...
@overload
def jacobian(
    f: Objective,
    x: ArrayLike,
    h: Step = None,
    method: Method = "central",
    order: Optional[int] = None,
    adaptive: bool = False,
    full_output: Literal[False] = False,
    *,
    workers: Any = 1,
    vectorized: bool = False,
    max_batch_bytes: int = 67108864,
    chunksize: int = 1,
    timeout: Optional[float] = None,
    m: Optional[int] = None,
) -> np.ndarray: ...
@overload
def jacobian(
    f: Objective,
    x: ArrayLike,
    h: Step = None,
    method: Method = "central",
    order: Optional[int] = None,
    adaptive: bool = False,
    *,
    full_output: Literal[True],
    workers: Any = 1,
    vectorized: bool = False,
    max_batch_bytes: int = 67108864,
    chunksize: int = 1,
    timeout: Optional[float] = None,
    m: Optional[int] = None,
) -> tuple[np.ndarray, DiffInfo]: ...
def hessian(
    f: Objective,
    x: ArrayLike,
    h: Step = None,
    method: Literal["central", "forward", "backward"] = "central",
    full_output: bool = False,
    *,
    workers: Any = 1,
    chunksize: int = 1,
    timeout: Optional[float] = None,
) -> Any: ...
def hessian_diag(
    f: Objective,
    x: ArrayLike,
    h: Step = None,
    method: Literal["central", "forward", "backward"] = "central",
    order: Optional[int] = None,
    full_output: bool = False,
    *,
    workers: Any = 1,
    vectorized: bool = False,
    max_batch_bytes: int = 67108864,
    chunksize: int = 1,
    timeout: Optional[float] = None,
) -> Any: ...
def directional(
    f: Objective,
    x: ArrayLike,
    v: ArrayLike,
    h: Optional[float] = None,
    method: Method = "central",
    order: Optional[int] = None,
    adaptive: bool = False,
    full_output: bool = False,
) -> Any: ...
def check_grad(
    f: Objective,
    grad: Union[Objective, ArrayLike],
    x: ArrayLike,
    h: Step = None,
    method: Method = "central",
    order: Optional[int] = None,
    adaptive: bool = True,
    rtol: float = 1e-06,
    atol: float = 1e-08,
    raise_on_mismatch: bool = False,
    *,
    workers: Any = 1,
) -> GradCheck: ...
@overload
def gradient_descent(
    f: Objective,
    init_x: ArrayLike,
    lr: float = 0.01,
    step_num: int = 100,
    h: Step = None,
    method: Method = "central",
    history: Literal[False] = False,
    order: Optional[int] = None,
    adaptive: bool = False,
    *,
    workers: Any = 1,
    vectorized: bool = False,
    max_batch_bytes: int = 67108864,
    chunksize: int = 1,
    timeout: Optional[float] = None,
) -> np.ndarray: ...
@overload
def gradient_descent(
    f: Objective,
    init_x: ArrayLike,
    lr: float = 0.01,
    step_num: int = 100,
    h: Step = None,
    method: Method = "central",
    *,
    history: Literal[True],
    order: Optional[int] = None,
    adaptive: bool = False,
    workers: Any = 1,
    vectorized: bool = False,
    max_batch_bytes: int = 67108864,
    chunksize: int = 1,
    timeout: Optional[float] = None,
) -> tuple[np.ndarray, np.ndarray]: ...
def numerical_diff(f: Objective, x: ArrayLike) -> Any: ...
def numerical_gradient(f: Objective, x: ArrayLike) -> np.ndarray: ...
