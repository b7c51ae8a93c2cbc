"""Packaging each service on its own for AWS (``python -m deploy.package``).

Chalice builds the bundle; this package stages a self-contained copy of the service
(its code, the vendored shared library and third-party wheels), runs ``chalice package``
and rewrites the generated templates to say what Chalice cannot: partial batch responses,
active tracing, one least-privilege role per function and the shared resources imported
from the ``infra/`` stack.
"""
