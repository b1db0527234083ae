"""Robustness of the conclusions: each main fit refitted under declared alternative choices, claims re-judged."""
