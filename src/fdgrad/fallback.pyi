# fdgrad.fallback has fdgrad's API exactly; see fdgrad/__init__.pyi.
from typing import Literal

from fdgrad import DiffInfo as DiffInfo
from fdgrad import GradCheck as GradCheck
from fdgrad import on_nonfinite as on_nonfinite
from fdgrad import check_grad as check_grad
from fdgrad import derivative as derivative
from fdgrad import directional as directional
from fdgrad import gradient as gradient
from fdgrad import gradient_descent as gradient_descent
from fdgrad import hessian as hessian
from fdgrad import hessian_diag as hessian_diag
from fdgrad import jacobian as jacobian
from fdgrad import numerical_diff as numerical_diff
from fdgrad import numerical_gradient as numerical_gradient
from fdgrad import partial as partial

BACKEND: Literal["python"]
__all__: list[str]
