"""Engine: a causal LM and its tokenizer ready to generate, stream and score, for a run or any model.

One object serves every generation consumer: the generation task's metrics and baselines, `predict`,
`chat` and the OpenAI-compatible server. Prompts are a string (a user turn, or raw text with `chat=False`)
or a list of OpenAI-style messages; chat prompts go through the model's own chat template. Generation is
batched with left padding and the KV cache, greedy unless a temperature is given; stop strings cut the
output (HF `stop_strings` ends the search, the text is cut at the first stop). `stream` yields text pieces
from transformers' TextIteratorStreamer while `generate` runs in a thread; closing the iterator stops it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Message = dict[str, str]
#: tasks whose runs hold a causal LM the engine can load
CAUSAL_TASKS = ("generation", "clm")
Prompt = str | Sequence[Message]
#: the context length of a model whose config does not say
DEFAULT_CONTEXT = 2048


@dataclass(frozen=True)
class GenerationOptions:
    max_new_tokens: int = 64
    temperature: float = 0.0  # 0: greedy
    top_p: float = 1.0
    stop: tuple[str, ...] = ()
    seed: int | None = None

    @classmethod
    def from_config(cls, config: Any, **overrides: Any) -> GenerationOptions:
        """From a recipe's `generation:` block (anything with these attributes), with overrides."""
        values = {name: getattr(config, name) for name in ("max_new_tokens", "temperature", "top_p")}
        values["stop"] = tuple(getattr(config, "stop", ()) or ())
        values.update({key: value for key, value in overrides.items() if value is not None})
        values["stop"] = tuple(values["stop"])
        return cls(**values)


@dataclass
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: Literal["stop", "length"]


@dataclass
class _Cancel:
    event: threading.Event = field(default_factory=threading.Event)


class Engine:
    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        system_prompt: str | None = None,
        defaults: GenerationOptions | None = None,
        batch_size: int = 8,
        max_prompt_tokens: int | None = None,
        name: str = "model",
    ):
        from vertune.hardware import pick_device

        self.device = pick_device()
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        self.system_prompt = system_prompt
        self.defaults = defaults or GenerationOptions()
        self.batch_size = batch_size
        self.max_prompt_tokens = max_prompt_tokens
        self.name = name
        self._lock = threading.Lock()  # one generation at a time per model (serving threads share it)

    # ---- loading ---------------------------------------------------------------------------------------

    @classmethod
    def from_model(cls, reference: str, **kwargs: Any) -> Engine:
        """A builtin alias (`smollm2`), a local Hugging Face directory or a hub id."""
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from vertune.models.loading import loading
        from vertune.models.resolve import resolve_model

        path = resolve_model(reference)
        tokenizer = loading(reference, lambda: AutoTokenizer.from_pretrained(path))
        model = loading(reference, lambda: AutoModelForCausalLM.from_pretrained(path))
        kwargs.setdefault("name", reference)
        return cls(model, tokenizer, **kwargs)

    @classmethod
    def from_run(cls, path: str | Path, **kwargs: Any) -> Engine:
        """A generation run's `model/` (full weights or a PEFT adapter), its recipe's generation defaults
        and system prompt."""
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from vertune.models.loading import load_saved_model
        from vertune.run import RunDir

        run = RunDir(path).require_model()
        recipe = run.load_recipe()
        if recipe.task not in CAUSAL_TASKS:
            from vertune.errors import VertuneError

            raise VertuneError(
                f"{path}: a run of task {recipe.task} does not generate text; use a generation run"
            )
        tokenizer = AutoTokenizer.from_pretrained(str(run.model_dir))
        model = load_saved_model(run.model_dir, AutoModelForCausalLM)
        if hasattr(model, "merge_and_unload") and getattr(model, "peft_type", None) != "PREFIX_TUNING":
            # adapters that cannot merge (prompt learning) run unmerged
            with contextlib.suppress(AttributeError, ValueError, NotImplementedError):
                model = model.merge_and_unload()
        generation = getattr(recipe, "generation", None)
        if generation is not None:
            kwargs.setdefault("defaults", GenerationOptions.from_config(generation))
        kwargs.setdefault("system_prompt", getattr(recipe.data, "system_prompt", None))
        kwargs.setdefault("max_prompt_tokens", recipe.training.max_length)
        kwargs.setdefault("name", Path(path).name)
        return cls(model, tokenizer, **kwargs)

    # ---- prompts ---------------------------------------------------------------------------------------

    @property
    def has_chat_template(self) -> bool:
        return bool(getattr(self.tokenizer, "chat_template", None))

    def messages(self, prompt: Prompt) -> list[Message]:
        """A prompt as messages: a string is one user turn; the system prompt is added when none is given."""
        messages = (
            [{"role": "user", "content": prompt}] if isinstance(prompt, str) else [dict(m) for m in prompt]
        )
        if self.system_prompt and not any(m.get("role") == "system" for m in messages):
            messages.insert(0, {"role": "system", "content": self.system_prompt})
        return messages

    def render(self, prompt: Prompt, chat: bool = True) -> str:
        """The text the model continues: the chat template with the assistant turn opened, or raw text."""
        from vertune.generation.encoding import render_prompt

        if isinstance(prompt, str) and (not chat or not self.has_chat_template):
            return prompt
        return render_prompt(self.tokenizer, self.messages(prompt))

    def encode_prompt(self, prompt: Prompt, chat: bool = True) -> list[int]:
        ids = self.tokenizer(self.render(prompt, chat), add_special_tokens=False, verbose=False)["input_ids"]
        if self.max_prompt_tokens and len(ids) > self.max_prompt_tokens:
            ids = ids[-self.max_prompt_tokens :]  # keep the end: the question and the opened turn
        return list(ids)

    @property
    def context_length(self) -> int:
        """The most tokens (prompt and completion) the model reads: its config's max_position_embeddings."""
        config = self.model.config
        return int(getattr(config, "max_position_embeddings", 0) or DEFAULT_CONTEXT)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    @property
    def stop_token_ids(self) -> list[int]:
        """EOS of the tokenizer and of the generation config (the end-of-turn token of chat models)."""
        ids: list[int] = []
        for value in (
            self.tokenizer.eos_token_id,
            getattr(self.model.generation_config, "eos_token_id", None),
        ):
            for token in value if isinstance(value, list) else [value]:
                if token is not None and token not in ids:
                    ids.append(int(token))
        return ids

    # ---- generation ------------------------------------------------------------------------------------

    def generate(
        self, prompts: Sequence[Prompt], options: GenerationOptions | None = None, chat: bool = True
    ) -> list[str]:
        return [c.text for c in self.complete(prompts, options, chat=chat)]

    def complete(
        self,
        prompts: Sequence[Prompt],
        options: GenerationOptions | None = None,
        chat: bool = True,
        progress: Any = None,
    ) -> list[Completion]:
        """Completions in the order of `prompts`; batches of similar length, left padded.
        `progress(n)` is called after each batch with the number of prompts done."""
        options = options or self.defaults
        encoded = [self.encode_prompt(p, chat) for p in prompts]
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        results: list[Completion | None] = [None] * len(encoded)
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            for index, completion in zip(
                batch, self._generate_batch([encoded[i] for i in batch], options), strict=True
            ):
                results[index] = completion
            if progress is not None:
                progress(len(batch))
        return [r for r in results if r is not None]

    def _inputs(self, batch: list[list[int]]) -> dict[str, Any]:
        import torch

        width = max(len(ids) for ids in batch)
        pad = self.tokenizer.pad_token_id
        input_ids = torch.tensor([[pad] * (width - len(ids)) + ids for ids in batch], dtype=torch.long)
        mask = torch.tensor([[0] * (width - len(ids)) + [1] * len(ids) for ids in batch], dtype=torch.long)
        return {"input_ids": input_ids.to(self.device), "attention_mask": mask.to(self.device)}

    def _generate_kwargs(self, options: GenerationOptions) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "max_new_tokens": options.max_new_tokens,
            "pad_token_id": self.tokenizer.pad_token_id,
            "eos_token_id": self.stop_token_ids,
            "use_cache": True,
        }
        if options.temperature > 0:
            kwargs.update(do_sample=True, temperature=options.temperature, top_p=options.top_p, top_k=0)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        if options.stop:
            kwargs.update(stop_strings=list(options.stop), tokenizer=self.tokenizer)
        return kwargs

    def _seed(self, options: GenerationOptions) -> None:
        if options.seed is not None and options.temperature > 0:
            import torch

            torch.manual_seed(options.seed)

    def _generate_batch(self, batch: list[list[int]], options: GenerationOptions) -> list[Completion]:
        import torch

        inputs = self._inputs(batch)
        with self._lock, torch.inference_mode():
            self._seed(options)
            output = self.model.generate(**inputs, **self._generate_kwargs(options))
        width = inputs["input_ids"].shape[1]
        stops = set(self.stop_token_ids)
        completions = []
        for prompt_ids, row in zip(batch, output[:, width:].tolist(), strict=True):
            tokens = []
            ended = False
            for token in row:
                if token in stops:
                    ended = True
                    break
                tokens.append(token)
            text = self.tokenizer.decode(tokens, skip_special_tokens=True)
            cut = cut_at_stop(text, options.stop)
            ended = ended or cut != text or len(row) < options.max_new_tokens
            completions.append(Completion(cut, len(prompt_ids), len(tokens), "stop" if ended else "length"))
        return completions

    def stream(
        self, prompt: Prompt, options: GenerationOptions | None = None, chat: bool = True
    ) -> Iterator[str]:
        """Text pieces as they are generated; stop strings are held back until they cannot start a stop."""
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        options = options or self.defaults
        cancel = _Cancel()

        class Cancelled(StoppingCriteria):
            def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> bool:
                return cancel.event.is_set()

        streamer = TextIteratorStreamer(
            self.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=600
        )
        inputs = self._inputs([self.encode_prompt(prompt, chat)])
        kwargs = self._generate_kwargs(options)
        kwargs.update(streamer=streamer, stopping_criteria=StoppingCriteriaList([Cancelled()]))
        errors: list[BaseException] = []

        def work() -> None:
            import torch

            try:
                with self._lock, torch.inference_mode():
                    self._seed(options)
                    self.model.generate(**inputs, **kwargs)
            except BaseException as exc:  # re-raised in the consumer
                errors.append(exc)
                streamer.end()

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        try:
            yield from _cut_stream(streamer, options.stop)
        finally:
            # stops generating at the next token if the consumer left early (the streamer's queue is
            # unbounded, so the worker never blocks on it; iterating an ended streamer would wait forever)
            cancel.event.set()
            thread.join()
        if errors:
            raise errors[0]

    # ---- scoring ---------------------------------------------------------------------------------------

    def score_choices(
        self, prompt: Prompt, choices: Sequence[str], chat: bool = True, end: bool = True
    ) -> list[float]:
        """Sum of the log-probabilities of each choice's tokens as the answer to `prompt` (one batch).
        With `end` the end-of-turn token after the choice counts too, so a choice that is only the start
        of the model's answer scores lower than the whole answer."""
        import torch

        prompt_ids = self.encode_prompt(prompt, chat)
        tail = [self.stop_token_ids[0]] if end and self.stop_token_ids else []
        rows = [self.tokenizer(c, add_special_tokens=False)["input_ids"] + tail for c in choices]
        sequences = [prompt_ids + row for row in rows]
        width = max(len(s) for s in sequences)
        pad = self.tokenizer.pad_token_id
        input_ids = torch.tensor([s + [pad] * (width - len(s)) for s in sequences], device=self.device)
        mask = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in sequences], device=self.device)
        with self._lock, torch.inference_mode():
            logits = self.model(input_ids=input_ids, attention_mask=mask).logits.float()
        logprobs = torch.log_softmax(logits[:, :-1], dim=-1)
        scores = []
        for i, row in enumerate(rows):
            positions = torch.arange(len(prompt_ids) - 1, len(prompt_ids) - 1 + len(row), device=self.device)
            targets = torch.tensor(row, device=self.device)
            scores.append(float(logprobs[i, positions, targets].sum()))
        return scores


def cut_at_stop(text: str, stop: Sequence[str]) -> str:
    """`text` up to the first occurrence of any stop string."""
    cut = len(text)
    for s in stop:
        if s and (found := text.find(s)) != -1:
            cut = min(cut, found)
    return text[:cut]


def _cut_stream(pieces: Iterator[str], stop: Sequence[str]) -> Iterator[str]:
    stop = [s for s in stop if s]
    buffer = ""
    for piece in pieces:
        buffer += piece
        cut = cut_at_stop(buffer, stop)
        if cut != buffer:
            if cut:
                yield cut
            return
        hold = max((k for s in stop for k in range(1, len(s)) if buffer.endswith(s[:k])), default=0)
        ready, buffer = buffer[: len(buffer) - hold], buffer[len(buffer) - hold :]
        if ready:
            yield ready
    if buffer:
        yield buffer
