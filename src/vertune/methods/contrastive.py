"""`method: contrastive`: SetFit-style few-shot training (Tunstall et al., 2022) with the `setfit` library.

Two phases, both on the training rows only:

1. `warm_start` (before the Trainer): the run's encoder, as a sentence-transformers model (the backbone plus
   mean or CLS pooling), is tuned by setfit's contrastive phase: pairs of training rows (same label =
   positive, cosine target 1; different labels = negative, 0), `iterations` x 2 pairs per row, cosine
   similarity loss. The sentence-transformers model shares the backbone's weights, so nothing is copied back.
2. The head starts as SetFit's does (`probe_head`, on by default): scikit-learn's default logistic regression
   fitted to convergence on the raw features the output layer reads (the pooler's output), copied into the
   classifier. Unstandardised on purpose: after the pair phase some of the tanh pooler's outputs barely
   vary, and dividing by their spread blew the weights up (bench/RESULTS.md "Few-shot").
3. The Trainer (as every method): the body is frozen (`train_body: false`) and the task head (pooler +
   classifier) trains on for the recipe's epochs with early stopping on validation.

SetFit's own head is a scikit-learn model saved with pickle and reads the mean-pooled embedding; here the
head is the transformers one (it reads [CLS] through the pooler), so `model/` stays a plain transformers
sequence-classification model that `Predictor`, `serve`, `export` and `compress` read like any other run.
Measured (bench/setfit_reference.py, 8 rows per class): logistic regressions on the pooler output and on
SetFit's mean-pooled embedding of the tuned body score BBC 0.895 vs 0.893 (1 seed) and drug reviews 0.282 vs
0.309 (3 seeds, std ~0.04): within noise; with the head epochs after the probe, vertune's run beats both.
"""

from __future__ import annotations

import math
import tempfile
import warnings
from typing import TYPE_CHECKING, Any

from torch import nn

from vertune.errors import RecipeError
from vertune.methods.base import (
    SETFIT_PROBE,
    BaseMethod,
    TrainingData,
    backbone,
    hf_model,
    set_trainable,
    train_only_head,
)
from vertune.methods.options import ContrastiveOptions

if TYPE_CHECKING:
    from vertune.recipe import MethodConfig


class Contrastive(BaseMethod):
    name = "contrastive"

    def __init__(self, options: ContrastiveOptions | None = None):
        self.options = options or ContrastiveOptions()
        self.head_probe = SETFIT_PROBE if self.options.probe_head else None

    @classmethod
    def from_config(cls, config: MethodConfig, total_steps: int | None) -> Contrastive:
        return cls(config.options(ContrastiveOptions))

    def prepare(self, model: nn.Module) -> nn.Module:
        self._after_pairs(model)
        return model

    def _after_pairs(self, model: nn.Module) -> None:
        """What the Trainer phase trains: the head on the tuned body (SetFit), or everything (`train_body`)."""
        if self.options.train_body:
            set_trainable(model, True)
        else:
            train_only_head(model)

    def warm_start(self, model: nn.Module, data: TrainingData) -> dict[str, Any]:
        if data.target_ids is None:
            raise RecipeError(
                "method contrastive needs single-label targets (task classification, or pair with classes); "
                "choose another method for this task"
            )
        body = backbone(model)
        set_trainable(body, True)
        try:
            pairs = self._train_body(model, body, data)
        finally:
            self._after_pairs(model)
        return {"contrastive_pairs": pairs}

    def _train_body(self, model: nn.Module, body: nn.Module, data: TrainingData) -> int:
        from sentence_transformers import SentenceTransformer
        from sentence_transformers.base.modules.transformer import Transformer
        from sentence_transformers.sentence_transformer.modules import Pooling
        from setfit import SetFitModel, Trainer, TrainingArguments
        from setfit import logging as setfit_logging
        from sklearn.linear_model import LogisticRegression
        from transformers.trainer_callback import PrinterCallback, ProgressCallback

        setfit_logging.set_verbosity_warning()  # no "***** Running training *****" banner
        options = self.options
        labels = [int(i) for i in data.target_ids]  # type: ignore[union-attr]
        pairs = options.iterations * 2 * len(labels)  # setfit's oversampling with num_iterations
        steps = math.ceil(pairs / options.batch_size) * options.body_epochs
        # The HF Trainer under setfit runs exactly max_steps (cycling the pairs); use it only to cut short.
        max_steps = options.max_steps if options.max_steps is not None and options.max_steps < steps else -1
        with tempfile.TemporaryDirectory(prefix="vertune-contrastive-") as scratch:
            # sentence-transformers loads a module from a directory: give it the run's own backbone and
            # tokenizer (an extended vocabulary included), then let it use the live backbone itself.
            hf_model(body).save_pretrained(scratch)
            data.tokenizer.save_pretrained(scratch)
            transformer = Transformer(scratch)
            transformer.model = body
            transformer.max_seq_length = data.max_length
            hidden = hf_model(model).config.hidden_size
            encoder = SentenceTransformer(
                modules=[transformer, Pooling(hidden, options.pooling)],
                device=str(next(body.parameters()).device),
            )
            setfit_model = SetFitModel(model_body=encoder, model_head=LogisticRegression())
            args = TrainingArguments(
                output_dir=scratch,
                batch_size=(options.batch_size, options.batch_size),
                num_epochs=(options.body_epochs, 1),
                num_iterations=options.iterations,
                body_learning_rate=(options.body_learning_rate, options.body_learning_rate),
                max_steps=max_steps,
                max_length=data.max_length,
                seed=data.seed,
                show_progress_bar=not data.quiet,
                report_to="none",
                save_strategy="no",
                logging_strategy="no",
            )
            # A callable metric: setfit never fetches one by name (that would reach the hub).
            trainer = Trainer(model=setfit_model, args=args, metric=lambda _predicted, _gold: {})
            trainer.st_trainer.remove_callback(PrinterCallback)  # no log dicts on stdout
            if data.quiet:
                trainer.st_trainer.remove_callback(ProgressCallback)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*pin_memory.*")
                trainer.train_embeddings(data.texts, labels, args=args)
        return pairs if max_steps < 0 else max_steps * options.batch_size
