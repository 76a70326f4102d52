# fdgrad.fallback has fdgrad's API exactly; see fdgrad/__init__.pyi.
from typing import Literal

from fdgrad import (
    derivative as derivative,
    gradient as gradient,
    gradient_descent as gradient_descent,
    numerical_diff as numerical_diff,
    numerical_gradient as numerical_gradient,
    partial as partial,
)

BACKEND: Literal["python"]
__all__: list[str]
