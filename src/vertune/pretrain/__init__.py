"""Domain- and task-adaptive pre-training: `vertune pretrain` (masked LM for encoders, causal LM for
decoders) on raw text, and `model.pretrain` (the same on a task recipe's training texts, cached)."""
