"""Win shares of a benchmark: truncation to the printed precision, shared ties, failed fits, resampled shares."""

import numpy as np
import pandas as pd

from replication.checks.wins import resample_tasks, win_shares


def test_truncation_ties_and_failures():
    errors = pd.DataFrame(
        {"M1": [0.0101, 0.5, np.nan, 0.2], "M2": [0.0109, 0.4, 0.3, np.nan], "M3": [0.02, 0.4, np.nan, 0.1]}
    )
    shares = win_shares(errors, decimals=3)
    # row 0: 0.0101 and 0.0109 both truncate to 0.010 -> tie; row 1: M2 and M3 tie at 0.4
    np.testing.assert_allclose(shares.iloc[0], [0.5, 0.5, 0.0])
    np.testing.assert_allclose(shares.iloc[1], [0.0, 0.5, 0.5])
    np.testing.assert_allclose(shares.iloc[2], [0.0, 1.0, 0.0])  # failed fits count as worst
    np.testing.assert_allclose(shares.iloc[3], [0.0, 0.0, 1.0])
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    assert shares["M2"].sum() == 2.0


def test_resampled_shares_are_seeded_and_centred():
    shares = pd.DataFrame({"a": [1.0, 0.0, 1.0, 0.5] * 25, "b": [0.0, 1.0, 0.0, 0.5] * 25})
    one = resample_tasks(shares, 2000, seed=11)
    np.testing.assert_array_equal(one, resample_tasks(shares, 2000, seed=11))
    assert one.shape == (2000, 2)
    np.testing.assert_allclose(one.sum(axis=1), 1.0)
    assert abs(one[:, 0].mean() - 0.625) < 0.01
