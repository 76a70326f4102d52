"""fdgrad's public functions as help(), inspect and Sphinx show them.

Each is a function of the module that exports it (``fdgrad`` or
``fdgrad.fallback``), named for it, with the docstring of its
:class:`fdgrad._api.API` method and that method's signature, its annotations
evaluated (``f: Callable[..., Any]``, ``x: ArrayLike``, ``-> numpy.ndarray``;
not the strings that ``from __future__ import annotations`` leaves) and
without ``self``; ``__wrapped__`` is the method that computes the call
(``inspect.getsource`` shows its source).

Where the compiled front door defines the call (fdgrad._front: its signature is
parsed in C, which a Python function handing its arguments on would undo) the
public function is that definition, dressed so; elsewhere it is a plain Python
function that hands its arguments to the API's bound method.  A type checker
sees the method itself (:func:`publisher` returns what it is given), with its
overloads.
"""

from __future__ import annotations

import inspect
import typing
from typing import Any, Callable, Optional, TypeVar, cast

from ._api import API, PUBLIC_NAMES
from ._callables import CALLABLE_NAMES, bound_callables

__all__ = ["binding_error", "evaluated_signature", "published", "publisher", "readable"]

F = TypeVar("F", bound=Callable[..., Any])


def evaluated_signature(method: Callable[..., Any]) -> inspect.Signature:
    """The signature of method (a function of the API class) with its annotations evaluated in
    its module, without self."""
    signature = inspect.signature(method)
    hints = typing.get_type_hints(method)
    parameters = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in signature.parameters.values()]
    return signature.replace(parameters=parameters[1:],
                             return_annotation=hints.get("return", signature.return_annotation))


def binding_error(name: str, signature: inspect.Signature, args: tuple, kwargs: dict) -> Optional[str]:
    """Why args and kwargs do not fit signature, in the words of a compiled (Cython) definition's
    own check, so that both backends raise the same TypeError; None where they fit."""
    params = [p for p in signature.parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
    named = {p.name for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD}
    required = [p for p in params if p.default is p.empty]
    optional = len(required) < len(params)

    def takes(count: int, bound: str, given: int) -> str:
        return (f"{name}() takes {bound if optional else 'exactly'} {count} positional "
                f"argument{'' if count == 1 else 's'} ({given} given)")

    if len(args) > len(params):
        return takes(len(params), "at most", len(args))
    positional = {p.name for p in params[:len(args)]}
    for key in kwargs:
        if key not in named:
            return f"{name}() got an unexpected keyword argument '{key}'"
        if key in positional:
            return f"{name}() got multiple values for keyword argument '{key}'"
    if any(p.name not in positional and p.name not in kwargs for p in required):
        given = 0  # (as Cython counts: the leading parameters given, by position or by name)
        while given < len(params) and (params[given].name in positional or params[given].name in kwargs):
            given += 1
        return takes(len(required), "at least", given)
    return None


def readable(namespace: dict, names: Any) -> None:
    """Evaluated annotations in the signatures of a module's public functions and classes (namespace:
    its globals; names: its __all__), for help() and inspect, where ``from __future__ import
    annotations`` left strings (fdgrad.plot, the drop-in namespaces).  A name whose annotations
    cannot be evaluated at run time keeps its own signature."""
    for name in names:
        obj = namespace.get(name)
        if not callable(obj):
            continue
        try:
            signature = inspect.signature(obj)
            cls = isinstance(obj, type)
            typed = obj.__init__ if cls and obj.__init__ is not object.__init__ else obj  # (a NamedTuple: obj)
            hints = typing.get_type_hints(typed, globalns=namespace)
            if cls:
                hints.pop("return", None)
        except (TypeError, ValueError, NameError, AttributeError):
            continue
        parameters = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in signature.parameters.values()]
        returns = inspect.Signature.empty if cls else hints.get("return", signature.return_annotation)
        obj.__signature__ = signature.replace(parameters=parameters, return_annotation=returns)


def _forwarding(method: Callable[..., Any], name: str, definition: Callable[..., Any]) -> Callable[..., Any]:
    signature = inspect.signature(definition)
    signature = signature.replace(parameters=list(signature.parameters.values())[1:])  # (without self)

    def function(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except TypeError:
            why = binding_error(name, signature, args, kwargs)  # (f's own TypeErrors pass through)
            if why is None:
                raise
        raise TypeError(why)
    return function


def dress(function: Any, name: str, module: str, definition: Callable[..., Any], wrapped: Any) -> None:
    """Present function as module's name: definition's docstring and evaluated signature
    (definition is a function of the API class), wrapped the method that computes it."""
    signature = evaluated_signature(definition)
    function.__name__ = name
    function.__qualname__ = name
    function.__module__ = module
    function.__doc__ = definition.__doc__
    function.__signature__ = signature
    annotations = {p.name: p.annotation for p in signature.parameters.values()
                   if p.annotation is not inspect.Parameter.empty}
    if signature.return_annotation is not inspect.Signature.empty:
        annotations["return"] = signature.return_annotation
    function.__annotations__ = annotations
    function.__wrapped__ = wrapped


def publisher(api: API, module: str, front: Optional[Any] = None) -> Callable[[F], F]:
    """The function that makes api's bound method module's public function of its name:
    fdgrad._front's definition where front (that module) defines it, with an API over
    api's kernels without the door as its general path; otherwise a plain function
    calling the method."""
    compiled: dict = {}
    general: Optional[API] = None
    if front is not None:
        general = API(api._kernels)  # the definitions have tried the door already
        compiled = front.bind(general)

    def publish(method: F) -> F:
        name = method.__name__
        function = compiled.get(name)
        if function is None:
            function, wrapped = _forwarding(method, name, getattr(API, name)), method
        else:
            wrapped = getattr(general, name)
        dress(function, name, module, getattr(API, name), wrapped)
        return cast(F, function)

    return publish


def published(api: API, module: str, front: Optional[Any] = None) -> dict[str, Any]:
    """module's public functions and classes over api (and front), by name: what fdgrad.fallback
    spells out one by one, for fdgrad (a type checker reads their types in fdgrad.fallback)."""
    publish = publisher(api, module, front)
    names = {name: publish(getattr(api, name)) for name in (*PUBLIC_NAMES, "group_columns")}
    names.update(zip(CALLABLE_NAMES, bound_callables(api, module)))
    return names
