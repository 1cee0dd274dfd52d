"""Every setting the README documents exists and is honoured: it reaches what it configures."""

from __future__ import annotations

import inspect
import re
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from reflection.responders.ollama import OllamaResponder
from server import assembly
from server.config import Settings
from server.voice_loading import endpointer_config, whisper_config
from voice.endpointer import EndpointerConfig
from voice.stt import WhisperStt
from voice.whisper_config import WhisperConfig

ROOT = Path(__file__).resolve().parents[2]
CODE = ("server", "cli", "benchmarks", "models")
# Keys Settings itself turns into a derived value, which the code then reads.
DERIVED = {"database.url": ("settings", "database_url"),
           "security.keyring_path": ("settings", "keyring_file")}


def documented_keys() -> list[str]:
    """Every `section.key` (and top-level key) in the README's settings table."""
    text = (ROOT / "README.md").read_text()
    table = text[text.index("| key | default | meaning |"):]
    table = table[: table.index("\n\n")]
    keys: list[str] = []
    for row in table.splitlines()[2:]:
        first = row.split("|")[1]
        keys += re.findall(r"`([a-z_]+(?:\.[a-z_]+)?)`", first)
    return keys


def _read_in_code(section: str, name: str) -> bool:
    """The key is read outside server/config.py (e.g. `settings.stt.model`, `stt.model`)."""
    pattern = re.compile(rf"\b(?:{section}|config|settings)\.{name}\b")
    for package in CODE:
        for path in (ROOT / package).rglob("*.py"):
            if path.name != "config.py" and pattern.search(path.read_text()):
                return True
    return False


def test_the_table_is_read() -> None:
    keys = documented_keys()
    assert len(keys) > 40 and "responder.summarizer" in keys and "session.resume_window_s" in keys


@pytest.mark.parametrize("key", documented_keys())
def test_every_documented_key_is_a_setting_that_something_reads(key: str) -> None:
    settings = Settings()
    section, _, name = key.rpartition(".")
    owner: Any = getattr(settings, section) if section else settings
    assert hasattr(owner, name), f"{key} is documented but is not a setting"
    if section == "vad" and name in {f.name for f in fields(EndpointerConfig)}:
        return  # handed over whole by endpointer_config (tested below)
    if section == "stt" and name in {f.name for f in fields(WhisperConfig)}:
        return  # handed over whole by whisper_config (tested below)
    where = DERIVED.get(key, (section or "settings", name))
    assert _read_in_code(*where), f"{key} is documented but nothing reads it"


def test_vad_settings_reach_the_endpointer() -> None:
    changed = {f.name: f for f in fields(EndpointerConfig)}
    settings = Settings.model_validate({"vad": {
        "end_silence_ms": 1234, "min_snr_db": 3.5, "speech_threshold": 0.61,
        "min_speech_ms": 111, "max_utterance_s": 12.0, "preroll_ms": 222, "tail_ms": 99,
        "speculate_after_ms": 444,
    }})
    config = endpointer_config(settings.vad, speculate=True)
    assert (config.end_silence_ms, config.min_snr_db, config.speech_threshold) == (1234, 3.5, 0.61)
    assert (config.min_speech_ms, config.max_utterance_s, config.preroll_ms) == (111, 12.0, 222)
    assert config.tail_ms == 99 and config.pause_ms == 444 and "pause_ms" in changed
    assert endpointer_config(settings.vad).pause_ms == 0


def test_stt_settings_reach_the_recogniser() -> None:
    settings = Settings.model_validate({"stt": {
        "device": "cuda", "compute_type": "float16", "cpu_threads": 3, "beam_size": 2,
        "multilingual_beam_size": 4, "no_speech_threshold": 0.7, "log_prob_threshold": -1.5,
        "compression_ratio_threshold": 2.0, "window_margin_s": 1.5, "reference_beam_size": 3,
        "trust_log_prob": -0.6, "unsure_log_prob": -0.4,
    }})
    config = whisper_config(settings.stt)
    assert (config.device, config.compute_type, config.cpu_threads) == ("cuda", "float16", 3)
    assert (config.beam_size, config.reference_beam_size, config.window_margin_s) == (2, 3, 1.5)
    assert (config.no_speech_threshold, config.log_prob_threshold) == (0.7, -1.5)
    assert config.compression_ratio_threshold == 2.0
    assert (config.trust_log_prob, config.unsure_log_prob) == (-0.6, -0.4)
    assert whisper_config(settings.stt, multilingual=True).beam_size == 4
    off = Settings.model_validate({"stt": {"window_margin_s": 0}})
    assert whisper_config(off.stt).window_margin_s is None  # 0 = always the reference decode


def test_the_recogniser_config_is_exactly_what_whisper_stt_takes() -> None:
    signature = inspect.signature(WhisperStt)
    keywords = {n for n, p in signature.parameters.items() if p.kind is p.KEYWORD_ONLY}
    assert keywords == {f.name for f in fields(WhisperConfig)}


def test_responder_settings_reach_the_responder_and_the_summarizer() -> None:
    settings = Settings.model_validate({"responder": {
        "kind": "ollama", "ollama_host": "http://127.0.0.1:9", "ollama_model": "m:1b",
        "first_token_timeout_s": 1.5, "total_timeout_s": 7.0, "history_turns": 3,
        "retry_after_s": 42.0, "summarizer": "ollama",
    }, "reflection": {"locale": "en-US"}})
    made = assembly.assemble(settings, probe=False)
    ollama = made.responder
    assert isinstance(ollama, OllamaResponder) and made.ollama is ollama
    assert (ollama.host, ollama.model) == ("http://127.0.0.1:9", "m:1b")
    assert ollama._first_token_timeout_s == 1.5 and ollama._total_timeout_s == 7.0
    assert ollama._history_turns == 3 and ollama._retry_after_s == 42.0
    summarizer = made.engine.summarizer
    assert type(summarizer).__name__ == "OllamaSummarizer"
    responder = settings.responder.model_copy(update={"kind": "scripted"})
    scripted = assembly.assemble(settings.model_copy(update={"responder": responder}))
    assert scripted.ollama is None
    assert type(scripted.engine.summarizer).__name__ == "ExtractiveSummarizer"


def test_the_server_filter_knows_the_protected_prompts() -> None:
    made = assembly.assemble(Settings.model_validate({"responder": {"kind": "scripted"}}))
    prompt = made.store.load("en", "prompts")["system"]
    words = " ".join(str(prompt).split()[:12])
    assert not made.engine.reply_filter.check(words, lang="en").allowed
