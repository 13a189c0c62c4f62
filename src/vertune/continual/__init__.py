"""Continual learning (`vertune continue`, `vertune promote`): a run learns new data starting from a parent
run without forgetting what the lineage learnt, and is promoted only when a retention gate says so.

- `lineage.py` (torch-free): the chain of ancestor runs, each one's own splits read back from the files its
  lineage.json names (sha256 checked).
- `replay.py` (torch-free): a stratified share of each ancestor's training rows.
- `head.py`: the parent's model, merged, with its classifier grown for new labels (old rows kept).
- `penalties.py`, `fisher.py`, `lwf.py`: L2-SP / EWC anchored at the parent, the parent's diagonal Fisher
  (stored in the parent run as safetensors), distillation toward the parent's outputs.
- `start.py`: the `StartingPoint` the fit stage trains from (train/fit.py).
- `retention.py` (torch-free): retention table, forgetting, the lineage's accuracy matrix, backward transfer.
- `promote.py` (torch-free): the promotion gate, the record in the run and the alias registry.
"""
