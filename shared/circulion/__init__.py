"""CIRCU-LI-ION shared library.

Vendored into every service bundle. It holds what more than one service needs and nothing
service-specific: the event contracts, the AWS adapters, tracing, structured logging,
metrics and the batch processor that every SQS handler uses. It never imports Chalice.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
