"""Deployment: compress (quantise, prune, distil), export (ONNX) and serve (FastAPI) a trained run.

Everything here reads a run directory and writes a new one (or serves it); nothing imports the trainer
(`vertune.train`). Pruning's recovery fine-tune and distillation train with the Hugging Face `Trainer`
directly (`distill.py`).
"""
