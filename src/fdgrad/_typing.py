"""The types fdgrad's signatures name, as a type checker and help() read them.

A type checker sees numpy's :data:`numpy.typing.ArrayLike`.  At run time
``ArrayLike`` is a type alias of that name whose value is numpy's (a
``TypeAliasType``, from :mod:`typing` on Python 3.12 and later or from
``typing_extensions`` where it is installed), so that ``help()`` and
:func:`inspect.signature` show ``x: ArrayLike`` rather than the dozen lines
of numpy's union; without either it is numpy's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Literal, Optional

__all__ = ["ArrayLike", "Method", "Objective", "SparseMatrix", "Step"]

if TYPE_CHECKING:
    from numpy.typing import ArrayLike as ArrayLike
else:
    import numpy.typing as _npt

    try:
        from typing import TypeAliasType as _TypeAliasType
    except ImportError:  # Python < 3.12
        try:
            from typing_extensions import TypeAliasType as _TypeAliasType
        except ImportError:
            _TypeAliasType = None
    ArrayLike = _npt.ArrayLike if _TypeAliasType is None else _TypeAliasType("ArrayLike", _npt.ArrayLike)

#: f: called as ``f(x, *args, **kwargs)``.
Objective = Callable[..., Any]
#: h: a float, an array of x's shape, or None (ArrayLike includes float).
Step = Optional[ArrayLike]
Method = Literal["central", "forward", "backward", "complex"]
#: A scipy.sparse matrix or array (SciPy ships no types of its own).
SparseMatrix = Any
