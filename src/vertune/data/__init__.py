"""Data: read tables (csv, tsv, jsonl, parquet), validate them row by row, split them."""

from vertune.data.readers import SUPPORTED_FORMATS, Table, read_table
from vertune.data.split import split_indices
from vertune.data.validate import DataReport, validate_classification

__all__ = [
    "SUPPORTED_FORMATS",
    "DataReport",
    "Table",
    "read_table",
    "split_indices",
    "validate_classification",
]
