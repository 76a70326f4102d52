"""Helpers for testing numerical derivatives, fdgrad's own and yours.

* :mod:`fdgrad.testing.textbook`: the seed texts' own loops
  (``numerical_gradient``, ``gradient_descent``), verbatim, as the reference
  fdgrad reproduces bit for bit (they modify x in place and truncate integer
  arrays, as the textbooks' do).
* :mod:`fdgrad.testing.cases`: functions with closed-form derivatives at
  ordinary, badly scaled, large and tiny points (the accuracy benchmark's
  set), and module-level objectives that can be pickled for process pools.

Importing :mod:`fdgrad` does not import this package.
"""

from . import cases, textbook

__all__ = ["cases", "textbook"]
