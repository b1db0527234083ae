"""scaling-law-audit: refit published scaling laws from their data and audit the claims made about them."""

__version__ = "0.1.0"
