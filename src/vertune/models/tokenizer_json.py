"""A run's tokenizer read straight from its tokenizer.json with the `tokenizers` library, without transformers.

transformers' fast tokenizers are this same Rust tokenizer underneath; importing transformers' tokenizer
classes imports torch (about 3 s on a 2-core CPU), which an ONNX Runtime prediction needs for nothing else.
`JsonTokenizer` answers the calls the tasks over whole texts make (`tasks/windows.encode_texts`: texts or
text pairs, truncated, or cut into overlapping windows) with the same features, and carries what the batch
padding needs (pad id, padding side). tests/models/test_tokenizer_json.py compares it with transformers'
tokenizer on the run's saved MiniLM tokenizer. Other calls (NER's pre-split words) keep transformers'.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vertune.errors import RunDirError


class JsonTokenizer:
    """The subset of a transformers fast tokenizer's `__call__` and padding attributes vertune's text tasks
    use, on the saved tokenizer.json and tokenizer_config.json."""

    def __init__(
        self, backend: Any, pad_token: str | None, padding_side: str = "right", truncation_side: str = "right"
    ):
        self.backend = backend
        self.pad_token_id = backend.token_to_id(pad_token) if pad_token else None
        self.pad_token_type_id = 0
        self.padding_side = padding_side
        self.truncation_side = truncation_side

    @classmethod
    def from_dir(cls, model_dir: str | Path) -> JsonTokenizer:
        from tokenizers import Tokenizer

        folder = Path(model_dir)
        path = folder / "tokenizer.json"
        if not path.is_file():
            raise RunDirError(f"{path}: no tokenizer.json (a slow tokenizer); predict with --backend torch")
        config_path = folder / "tokenizer_config.json"
        config = json.loads(config_path.read_text(encoding="utf-8")) if config_path.is_file() else {}
        return cls(
            Tokenizer.from_file(str(path)),
            _token_text(config.get("pad_token")),
            config.get("padding_side", "right"),
            config.get("truncation_side", "right"),
        )

    def __call__(
        self,
        text: Sequence[str],
        text_pair: Sequence[str] | None = None,
        *,
        truncation: bool = False,
        max_length: int | None = None,
        stride: int = 0,
        return_overflowing_tokens: bool = False,
        return_token_type_ids: bool | None = None,
    ) -> dict[str, list[Any]]:
        """Features of a batch as transformers returns them (lists, no padding): input_ids, token_type_ids
        (unless `return_token_type_ids=False`), attention_mask, and with `return_overflowing_tokens` every
        window of a long text plus `overflow_to_sample_mapping` (the text each window came from)."""
        self.backend.no_padding()  # tokenizer.json may hold the padding / truncation of its last use
        if truncation and max_length is not None:
            self.backend.enable_truncation(
                max_length, stride=stride, strategy="longest_first", direction=self.truncation_side
            )
        else:
            self.backend.no_truncation()
        batch = list(zip(text, text_pair, strict=True)) if text_pair is not None else list(text)
        encodings = self.backend.encode_batch(batch, add_special_tokens=True)
        features: dict[str, list[Any]] = {"input_ids": [], "token_type_ids": [], "attention_mask": []}
        if return_token_type_ids is False:
            del features["token_type_ids"]
        mapping: list[int] = []
        for index, encoding in enumerate(encodings):
            pieces = [encoding, *encoding.overflowing] if return_overflowing_tokens else [encoding]
            for piece in pieces:
                features["input_ids"].append(piece.ids)
                if "token_type_ids" in features:
                    features["token_type_ids"].append(piece.type_ids)
                features["attention_mask"].append(piece.attention_mask)
                mapping.append(index)
        if return_overflowing_tokens:
            features["overflow_to_sample_mapping"] = mapping
        return features


def _token_text(token: Any) -> str | None:
    """A special token of tokenizer_config.json: a string, or an added-token object with its `content`."""
    if isinstance(token, dict):
        return str(token.get("content")) if token.get("content") is not None else None
    return str(token) if token is not None else None
