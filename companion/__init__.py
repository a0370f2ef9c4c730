"""Companion: a hands-free voice guide for home strength workouts."""

from __future__ import annotations

__version__ = "0.2.0"
