"""The column conventions of a digitised points table, named without the numerical stack (the bootstrap's workers
read ERR_SUFFIX and need not import pandas for it)."""

__all__ = ["DIGITISED_COLUMNS", "ERR_SUFFIX"]

# Columns a digitised points table can have (series, x, y always; value where a colour bar maps it).
DIGITISED_COLUMNS = ("series", "x", "y", "value", "x_err", "y_err", "value_err")
ERR_SUFFIX = "_err"  # the digitisation error (half-width) of column c is in column c + ERR_SUFFIX
