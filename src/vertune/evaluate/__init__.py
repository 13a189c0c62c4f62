"""Evaluation: honest baselines on the same split, and the report (markdown + self-contained HTML)."""
