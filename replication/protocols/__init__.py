"""Protocols built from the fitting and uncertainty rooms: Approach 2 (IsoFLOP minima, then a power law)."""
