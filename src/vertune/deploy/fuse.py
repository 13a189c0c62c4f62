"""ONNX Runtime's transformer graph fusions for BERT-like encoders (onnxruntime.transformers.optimizer).

The fused graph replaces each layer's attention subgraph with one `Attention` op, the embeddings and their
layer norm with `EmbedLayerNormalization`, residual + layer norm with `SkipLayerNormalization` and bias +
GELU with `BiasGelu`. These are ONNX Runtime contrib ops (domain com.microsoft), so a fused file runs only
in ONNX Runtime: vertune fuses the int8 file (ONNX Runtime-specific either way) and keeps model.onnx
portable. Quantised after fusion, attention becomes `QAttention` (int8 Q/K/V projections in one op).

The fusions match the graph that transformers' *eager* attention exports to; the sdpa exports leave most
of the attention unfused, so the exporter switches the model to eager attention first (same outputs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: HF config.model_type values whose graphs ONNX Runtime's "bert" optimizer fuses (BERT-style post-LN
#: encoders). Other architectures are exported unfused (still verified, still quantised).
BERT_LIKE = frozenset({"bert", "roberta", "xlm-roberta", "camembert", "distilbert", "electra"})


def fusable(config: Any) -> bool:
    return getattr(config, "model_type", None) in BERT_LIKE


def fuse_encoder_graph(source: Path, target: Path, config: Any) -> dict[str, int]:
    """Write the fused graph of `source` to `target`; the count of each fused op (what matched)."""
    import logging

    from onnxruntime.transformers.optimizer import optimize_model

    # The optimizer logs every fusion pass at INFO / WARNING on its own loggers; the counts are returned.
    logger = logging.getLogger("onnxruntime.transformers")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        model = optimize_model(
            str(source),
            model_type="bert",
            num_heads=config.num_attention_heads,
            hidden_size=config.hidden_size,
        )
        model.save_model_to_file(str(target))
        return {op: count for op, count in model.get_fused_operator_statistics().items() if count}
    finally:
        logger.setLevel(level)
