"""numdifftools' calling style: Derivative, Gradient, Jacobian, Hessian, Hessdiag.

Each is a class whose instances fix f and the options and are called with x
(and f's extra arguments), over one API, a backend: :func:`bound_callables`
makes the five classes of ``fdgrad`` and ``fdgrad.fallback``.
"""

from __future__ import annotations

import inspect
import types
import typing
from typing import TYPE_CHECKING, Any, Generic, Literal, Optional, TypeVar, Union, overload

import numpy as np

from ._options import check_derivative_order, check_h
from ._results import DiffInfo
from ._typing import ArrayLike, Method, Objective, SparseMatrix, Step

if TYPE_CHECKING:
    from ._api import API

__all__ = ["CALLABLE_NAMES", "Derivative", "Differentiator", "Gradient", "Hessdiag", "Hessian", "Jacobian",
           "bound_callables"]

#: What a call of the object returns: the function's result for the options fixed.
R = TypeVar("R", covariant=True)

_OPTIONS = """
    Parameters
    ----------
    f : callable
        The function, as for :func:`{function}`; extra positional and
        keyword arguments of a call are passed on to it.
    step : float or array_like, optional
        The step, numdifftools' name for ``h`` (``h=`` is accepted too, not
        both): as for :func:`{function}`.
    method : str, optional
        As for :func:`{function}`{methods}.
    order : int, optional
        The accuracy order, as for :func:`{function}`.{n}
    **options
        Any other keyword argument of :func:`{function}` (all but ``f``,
        ``x``, ``args`` and ``kwargs``), such as ``adaptive``,
        ``full_output``, ``workers`` or ``bounds``; an unknown one is a
        ``TypeError``.{sparsity}
"""


class Differentiator(Generic[R]):
    """numdifftools' calling style: f and the options fixed, the object called as ``obj(x, *args, **kwargs)``.

    So it plugs into ``scipy.optimize.minimize(f, x0, jac=fdgrad.Gradient(f),
    hess=fdgrad.Hessian(f), args=...)`` and ``least_squares(r, x0,
    jac=fdgrad.Jacobian(r))``, and numdifftools code switches by its import.
    The options are the function's keyword arguments (``step`` is accepted
    as numdifftools' name for ``h``); extra positional and keyword arguments
    of the call go to f, as SciPy passes them.
    """

    _function = ""
    _api: API

    def _setup(self, f: Objective, step: Step = None, method: Optional[str] = None, order: Optional[int] = None,
               **options: Any) -> None:
        # numdifftools' positional order: step, method, order
        options.update({key: value for key, value in (("step", step), ("method", method), ("order", order))
                        if value is not None})
        if "step" in options:
            if "h" in options:
                raise TypeError(f"{type(self).__name__}() takes h or step (its numdifftools name), not both")
            check_h(options["step"], name="step")  # (named as given; its shape against x's at a call)
            options["h"] = options.pop("step")
        elif options.get("h") is not None:
            check_h(options["h"])
        function = getattr(self._api, self._function)
        allowed = [p for p in inspect.signature(function).parameters if p not in ("f", "x", "args", "kwargs")]
        for key in options:
            if key not in allowed:
                raise TypeError(f"{type(self).__name__}() got an unexpected option {key!r}; it takes "
                                f"{', '.join(allowed)} (and step for h)")
        if options.get("sparsity") is not None:  # grouped once, for every call
            options["sparsity"] = self._api.group_columns(options["sparsity"])
        self.f, self.options, self._call = f, options, function

    def __call__(self, x: ArrayLike, *args: Any, **kwargs: Any) -> R:
        """``{function}(f, x, args=args, kwargs=kwargs, **options)``, f and the options as fixed.

        Parameters
        ----------
        x : array_like
            The point, as for :func:`{function}`.
        *args, **kwargs
            Extra arguments of f, called as ``f(x, *args, **kwargs)`` (as
            ``scipy.optimize`` passes them).

        Returns
        -------
        {returns}
            As :func:`{function}` returns it for the options given (with
            ``full_output=True``, the value and a :class:`DiffInfo`).
        """
        return self._call(self.f, x, args=args, kwargs=kwargs or None, **self.options)

    def __getstate__(self) -> dict:
        return {"f": self.f, "options": self.options}  # the class (fdgrad.Gradient, ...) brings the backend

    def __setstate__(self, state: dict) -> None:
        self.f, self.options, self._call = state["f"], state["options"], getattr(self._api, self._function)

    def __repr__(self) -> str:
        options = "".join(f", {key}={value!r}" for key, value in self.options.items())
        return f"{type(self).__name__}({self.f!r}{options})"


class Derivative(Differentiator[R]):
    """The derivative of f of order ``n``: ``Derivative(f, n=n, **options)(x, *args)`` is
    ``derivative(f, x, n=n, args=args, **options)``.
    {options}
    Examples
    --------
    >>> import numpy as np
    >>> import fdgrad
    >>> d2 = fdgrad.Derivative(np.sin, n=2, adaptive=True)
    >>> bool(abs(d2(0.5) + np.sin(0.5)) < 1e-10)
    True
    """

    _function = "derivative"

    @overload
    def __init__(self: Derivative[Union[float, np.ndarray]], f: Objective, step: Step = None,
                 method: Optional[Method] = None, order: Optional[int] = None, n: int = 1, *,
                 full_output: Literal[False] = False, **options: Any) -> None: ...

    @overload
    def __init__(self: Derivative[tuple[Union[float, np.ndarray], DiffInfo]], f: Objective, step: Step = None,
                 method: Optional[Method] = None, order: Optional[int] = None, n: int = 1, *,
                 full_output: Literal[True], **options: Any) -> None: ...

    @overload
    def __init__(self: Derivative[Union[float, np.ndarray, tuple[Union[float, np.ndarray], DiffInfo]]],
                 f: Objective, step: Step = None, method: Optional[Method] = None, order: Optional[int] = None,
                 n: int = 1, *, full_output: bool = False, **options: Any) -> None: ...

    def __init__(self, f: Objective, step: Step = None, method: Optional[Method] = None, order: Optional[int] = None,
                 n: int = 1, **options: Any) -> None:
        if not (type(n) is int and n == 1):  # numdifftools' fourth positional argument
            options["n"] = check_derivative_order(n, method if method is not None else options.get("method"))
        self._setup(f, step, method, order, **options)


class Gradient(Differentiator[R]):
    """The gradient of a scalar f: ``Gradient(f, **options)(x, *args)`` is
    ``gradient(f, x, args=args, **options)``.
    {options}
    Examples
    --------
    >>> import fdgrad
    >>> grad = fdgrad.Gradient(lambda p, a: a * (p[0]**2 + p[1]**2), h=1e-4)
    >>> grad([3.0, 4.0], 2.0)
    array([12., 16.])
    """

    _function = "gradient"

    @overload
    def __init__(self: Gradient[np.ndarray], f: Objective, step: Step = None, method: Optional[Method] = None,
                 order: Optional[int] = None, *, full_output: Literal[False] = False, **options: Any) -> None: ...

    @overload
    def __init__(self: Gradient[tuple[np.ndarray, DiffInfo]], f: Objective, step: Step = None,
                 method: Optional[Method] = None, order: Optional[int] = None, *, full_output: Literal[True],
                 **options: Any) -> None: ...

    @overload
    def __init__(self: Gradient[Union[np.ndarray, tuple[np.ndarray, DiffInfo]]], f: Objective, step: Step = None,
                 method: Optional[Method] = None, order: Optional[int] = None, *, full_output: bool = False,
                 **options: Any) -> None: ...

    def __init__(self, f: Objective, step: Step = None, method: Optional[Method] = None, order: Optional[int] = None,
                 **options: Any) -> None:
        self._setup(f, step, method, order, **options)


class Jacobian(Differentiator[R]):
    """The Jacobian of an array-valued f: ``Jacobian(f, **options)(x, *args)`` is
    ``jacobian(f, x, args=args, **options)``.
    {options}
    Examples
    --------
    >>> import numpy as np
    >>> import fdgrad
    >>> jac = fdgrad.Jacobian(lambda p: np.array([p[0] * p[1], p[0] + 2 * p[1]]), h=1e-4)
    >>> jac([3.0, 4.0])
    array([[4., 3.],
           [1., 2.]])
    """

    _function = "jacobian"

    @overload
    def __init__(self: Jacobian[np.ndarray], f: Objective, step: Step = None, method: Optional[Method] = None,
                 order: Optional[int] = None, *, full_output: Literal[False] = False, sparsity: None = None,
                 **options: Any) -> None: ...

    @overload
    def __init__(self: Jacobian[tuple[np.ndarray, DiffInfo]], f: Objective, step: Step = None,
                 method: Optional[Method] = None, order: Optional[int] = None, *, full_output: Literal[True],
                 sparsity: None = None, **options: Any) -> None: ...

    @overload
    def __init__(self: Jacobian[Union[np.ndarray, SparseMatrix]], f: Objective, step: Step = None,
                 method: Optional[Method] = None, order: Optional[int] = None, *,
                 full_output: Literal[False] = False, sparsity: Any, **options: Any) -> None: ...

    @overload
    def __init__(self: Jacobian[tuple[Union[np.ndarray, SparseMatrix], DiffInfo]], f: Objective, step: Step = None,
                 method: Optional[Method] = None, order: Optional[int] = None, *, full_output: Literal[True],
                 sparsity: Any, **options: Any) -> None: ...

    @overload
    def __init__(self: Jacobian[Union[np.ndarray, SparseMatrix, tuple[Union[np.ndarray, SparseMatrix], DiffInfo]]],
                 f: Objective, step: Step = None, method: Optional[Method] = None, order: Optional[int] = None, *,
                 full_output: bool = False, sparsity: Any = None, **options: Any) -> None: ...

    def __init__(self, f: Objective, step: Step = None, method: Optional[Method] = None, order: Optional[int] = None,
                 **options: Any) -> None:
        self._setup(f, step, method, order, **options)


class Hessian(Differentiator[R]):
    """The Hessian of a scalar f: ``Hessian(f, **options)(x, *args)`` is
    ``hessian(f, x, args=args, **options)``.
    {options}
    Examples
    --------
    >>> import numpy as np
    >>> import fdgrad
    >>> hess = fdgrad.Hessian(lambda p: p[0]**2 * p[1] + p[1]**3)
    >>> np.round(hess([1.0, 2.0]), 6)
    array([[ 4.,  2.],
           [ 2., 12.]])
    """

    _function = "hessian"

    @overload
    def __init__(self: Hessian[np.ndarray], f: Objective, step: Step = None, method: Optional[Method] = None,
                 order: Optional[int] = None, *, full_output: Literal[False] = False, sparsity: None = None,
                 **options: Any) -> None: ...

    @overload
    def __init__(self: Hessian[tuple[np.ndarray, DiffInfo]], f: Objective, step: Step = None,
                 method: Optional[Method] = None, order: Optional[int] = None, *, full_output: Literal[True],
                 sparsity: None = None, **options: Any) -> None: ...

    @overload
    def __init__(self: Hessian[Union[np.ndarray, SparseMatrix]], f: Objective, step: Step = None,
                 method: Optional[Method] = None, order: Optional[int] = None, *,
                 full_output: Literal[False] = False, sparsity: Any, **options: Any) -> None: ...

    @overload
    def __init__(self: Hessian[tuple[Union[np.ndarray, SparseMatrix], DiffInfo]], f: Objective, step: Step = None,
                 method: Optional[Method] = None, order: Optional[int] = None, *, full_output: Literal[True],
                 sparsity: Any, **options: Any) -> None: ...

    @overload
    def __init__(self: Hessian[Union[np.ndarray, SparseMatrix, tuple[Union[np.ndarray, SparseMatrix], DiffInfo]]],
                 f: Objective, step: Step = None, method: Optional[Method] = None, order: Optional[int] = None, *,
                 full_output: bool = False, sparsity: Any = None, **options: Any) -> None: ...

    def __init__(self, f: Objective, step: Step = None, method: Optional[Method] = None, order: Optional[int] = None,
                 **options: Any) -> None:
        self._setup(f, step, method, order, **options)


class Hessdiag(Differentiator[R]):
    """The diagonal of a scalar f's Hessian: ``Hessdiag(f, **options)(x, *args)`` is
    ``hessian_diag(f, x, args=args, **options)``.
    {options}
    Examples
    --------
    >>> import numpy as np
    >>> import fdgrad
    >>> np.round(fdgrad.Hessdiag(lambda p: p[0]**2 * p[1] + p[1]**3)([1.0, 2.0]), 6)
    array([ 4., 12.])
    """

    _function = "hessian_diag"

    @overload
    def __init__(self: Hessdiag[np.ndarray], f: Objective, step: Step = None, method: Optional[Method] = None,
                 order: Optional[int] = None, *, full_output: Literal[False] = False, **options: Any) -> None: ...

    @overload
    def __init__(self: Hessdiag[tuple[np.ndarray, DiffInfo]], f: Objective, step: Step = None,
                 method: Optional[Method] = None, order: Optional[int] = None, *, full_output: Literal[True],
                 **options: Any) -> None: ...

    @overload
    def __init__(self: Hessdiag[Union[np.ndarray, tuple[np.ndarray, DiffInfo]]], f: Objective, step: Step = None,
                 method: Optional[Method] = None, order: Optional[int] = None, *, full_output: bool = False,
                 **options: Any) -> None: ...

    def __init__(self, f: Objective, step: Step = None, method: Optional[Method] = None, order: Optional[int] = None,
                 **options: Any) -> None:
        self._setup(f, step, method, order, **options)


#: The numdifftools-style classes, in the order the documentation presents them.
CALLABLE_NAMES = ("Derivative", "Gradient", "Jacobian", "Hessian", "Hessdiag")

_SPARSITY = "\n        A ``sparsity`` pattern is grouped once, for every call."
_DETAILS = {  # per class: the methods it takes, n, sparsity, and what a call returns
    "Derivative": ("", "\n    n : int\n        The order of the derivative, 1 (default) to 4, as for\n"
                   "        :func:`derivative` (numdifftools' fourth positional argument).", "",
                   "float or ndarray"),
    "Gradient": ("", "", "", "ndarray"),
    "Jacobian": ("", "", _SPARSITY, "ndarray or scipy.sparse matrix"),
    "Hessian": (" (not ``\"complex\"``)", "", _SPARSITY,
                "ndarray or scipy.sparse matrix"),
    "Hessdiag": (" (not ``\"complex\"``)", "", "", "ndarray"),
}


def _copy(function: Any, qualname: str, doc: Optional[str], annotations: dict) -> Any:
    """function, a new function object of its code, with its own name, docstring and annotations
    (None for a return of None, as written, not NoneType)."""
    copy = types.FunctionType(function.__code__, function.__globals__, qualname.rpartition(".")[2],
                              function.__defaults__, function.__closure__)
    copy.__kwdefaults__ = function.__kwdefaults__
    if annotations.get("return", 0) is type(None):
        annotations = {**annotations, "return": None}
    copy.__qualname__, copy.__doc__, copy.__annotations__ = qualname, doc, annotations
    return copy


def _class_getitem(cls: type, item: Any) -> types.GenericAlias:
    """``Gradient[T]``, for annotations: the class as a generic type, T what a call returns."""
    return types.GenericAlias(cls, item)


def bound_callables(api: API, module: str) -> tuple[type[Derivative], type[Gradient], type[Jacobian],
                                                    type[Hessian], type[Hessdiag]]:
    """The numdifftools-style classes over one API (a backend), presented as classes of module.

    Each is a class of its own (no private bases, for help()): the attributes of
    its definition here and of Differentiator's, with a docstring of its
    parameters, ``__init__`` and ``__call__`` of its own, their annotations
    evaluated, and the API it calls.
    """
    from ._api import API as _API  # (a cycle at import: _api imports this module)

    bound = []
    for base in (Derivative, Gradient, Jacobian, Hessian, Hessdiag):
        name, function = base.__name__, base._function
        methods, n, sparsity, returns = _DETAILS[name]
        namespace: dict = {}
        for klass in (Differentiator, base):
            namespace.update({key: value for key, value in vars(klass).items()
                              if key not in ("__dict__", "__weakref__", "__orig_bases__", "__parameters__",
                                             "__annotations__", "__slots__")})
        for key, value in list(namespace.items()):  # their own functions, annotations evaluated
            if isinstance(value, types.FunctionType):
                namespace[key] = _copy(value, f"{name}.{key}", value.__doc__, typing.get_type_hints(value))
        call, template = Differentiator.__call__, str(Differentiator.__call__.__doc__)
        call_hints = typing.get_type_hints(call)
        call_hints["return"] = typing.get_type_hints(getattr(_API, function))["return"]
        namespace["__call__"] = _copy(call, f"{name}.__call__",
                                      template.format(function=function, returns=returns), call_hints)
        options = _OPTIONS.format(function=function, methods=methods, n=n, sparsity=sparsity)
        getitem = _copy(_class_getitem, f"{name}.__class_getitem__", _class_getitem.__doc__,
                        typing.get_type_hints(_class_getitem))
        namespace.update(_api=api, __module__=module, __qualname__=name,
                         __doc__=str(base.__doc__).format(options=options), __class_getitem__=classmethod(getitem))
        bound.append(type(name, (), namespace))
    return tuple(bound)  # type: ignore[return-value]
