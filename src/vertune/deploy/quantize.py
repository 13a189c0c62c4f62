"""int8 dynamic quantisation of the Linear layers: PyTorch (torch.ao) and ONNX Runtime.

Dynamic quantisation stores int8 weights and quantises activations per batch, so it needs no calibration
data. ONNX Runtime's int8 GEMMs (MLAS) use AVX-512 VNNI / AMX where the CPU has them; torch's dynamic
quantised Linear uses fbgemm / oneDNN (VNNI). Static QDQ quantisation with a calibration sample was measured
against it (bench/inference_variants.py) and is not used: no faster, and it loses more agreement.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch


def quantize_torch_dynamic(model: torch.nn.Module) -> torch.nn.Module:
    """Every nn.Linear to a dynamically quantised int8 Linear (per-tensor weights), on the CPU, eval mode."""
    with warnings.catch_warnings():
        # torch.ao.quantization is deprecated in favour of torchao (not installed); it still works in 2.13.
        warnings.simplefilter("ignore")
        from torch.ao.quantization import quantize_dynamic

        return quantize_dynamic(model.cpu().eval(), {torch.nn.Linear}, dtype=torch.qint8)


def quantize_onnx_dynamic(source: Path, target: Path) -> None:
    """ONNX Runtime's dynamic int8 quantisation of MatMul / Gemm weights (per channel: less metric loss), and
    of fused `Attention` ops (to `QAttention`) in a graph vertune.deploy.fuse has fused."""
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # it logs a generic "consider pre-processing" hint on the root logger
    try:
        quantize_dynamic(
            str(source),
            str(target),
            weight_type=QuantType.QInt8,
            per_channel=True,
            # ONNX shape inference cannot type the outputs of the fused contrib ops; they are all float.
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    finally:
        root.setLevel(level)
