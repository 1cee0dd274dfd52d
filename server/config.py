"""The one Settings object: a TOML file plus REFLECT_* environment variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field
from pydantic.dataclasses import dataclass as pydantic_dataclass
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from voice.endpointer import EndpointerConfig
from voice.whisper_config import WhisperConfig

CONFIG_FILE_ENV = "REFLECT_CONFIG"
DEFAULT_CONFIG_FILE = Path("reflect.toml")


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "reflect-kiosk"


@pydantic_dataclass(frozen=True)
class SttSettings(WhisperConfig):
    """Speech-to-text (faster-whisper): the recogniser's own config type
    (`voice.whisper_config.WhisperConfig`, every field a setting; `window_margin_s = 0` is
    "always the reference decode") plus which models to load."""

    # "tiny.en" and "base" resolve to the offline PyPI model packages; any other
    # faster-whisper model name or a model directory may be given.
    model: str = "tiny.en"
    # Model used when the kiosk's language is not English (multilingual).
    multilingual_model: str = "base"
    # The multilingual model's fast decode: beam 5 made it more accurate in both languages
    # (`reflect bench --accuracy`); tiny.en did worse with it (more loops), so it stays at 1.
    multilingual_beam_size: int = 5
    # "model:language" pairs whose short window `reflect bench --accuracy` measured less
    # accurate than plain faster-whisper: they always take the reference decode.
    reference_only: tuple[str, ...] = ("base:en",)
    verify_checksums: bool = True


class TtsSettings(BaseModel):
    """Text-to-speech (Piper)."""

    # Empty means the packaged en_US-joe-medium voice.
    voice: str = ""
    # Piper voice for Spanish; empty falls back to espeak-ng (clearly reported).
    spanish_voice: str = ""
    # espeak-ng voice used for Spanish when spanish_voice is empty.
    espeak_spanish_voice: str = "es-419"
    rate: float = 1.0
    volume: float = 1.0
    # Memory for the audio of fixed content sentences (consent, prompts, crisis message),
    # synthesized once and replayed at once (0 = no cache).
    phrase_cache_mb: float = 12.0
    # onnxruntime threads per Piper call (0 = one per core). Model workers already run calls
    # side by side, so one each avoids oversubscribing the cores under load.
    threads: int = 1
    # Give Piper's working memory back after each sentence; otherwise onnxruntime's arena
    # keeps the high-water mark of concurrent long sentences (~250 MB) for good.
    release_memory: bool = True


@pydantic_dataclass(frozen=True)
class VadSettings(EndpointerConfig):
    """Voice activity detection and end-of-turn decisions: the endpointer's own config type
    (`voice.endpointer.EndpointerConfig`, every field a setting) plus speculation."""

    # Trailing silence kept on each utterance handed to STT (and to Smart Turn).
    tail_ms: int = 200
    # After this much silence the server starts transcribing the utterance so far, so only
    # the tail is left when `end_silence_ms` decides the turn (0 = never speculate).
    speculate_after_ms: int = 200
    # "smart": a turn ends when the speculative transcript and Smart Turn v3.2 say it is
    # finished (first asked at `speculate_after_ms`, at the latest after `max_wait_ms`);
    # "silence": after a fixed `end_silence_ms`, as before. Patience scales both.
    turn_decision: Literal["smart", "silence"] = "smart"
    max_wait_ms: int = 2500
    # Voiced speech this long during a reply stops it at once; shorter speech stops it only
    # when its words are not a backchannel ("mm-hm", "yeah", "ajá").
    barge_in_ms: int = 900


class AudioSettings(BaseModel):
    """Limits on audio accepted from files and kiosks."""

    max_input_seconds: float = 120.0


class ResponderSettings(BaseModel):
    """Which reflection responder answers, and how Ollama is reached."""

    kind: Literal["auto", "scripted", "ollama"] = "auto"
    ollama_host: str = "http://127.0.0.1:11434"
    ollama_model: str = "llama3.2:3b"
    first_token_timeout_s: float = 4.0
    total_timeout_s: float = 20.0
    history_turns: int = 8
    # After Ollama fails, use the scripted reflector this long before trying Ollama again.
    retry_after_s: float = 30.0
    # "ollama" asks the model for summaries (JSON schema), falling back to extractive.
    summarizer: Literal["extractive", "ollama"] = "extractive"
    # A second, raise-only judge of every reply sentence by the same Ollama model (JSON schema);
    # it can only withhold. Each sentence waits at most reply_judge_timeout_s for it.
    reply_judge: bool = False
    reply_judge_timeout_s: float = 1.5


class ReflectionSettings(BaseModel):
    """Conversation content and policy."""

    locale: str = "en-US"
    # Empty means the clinical content files shipped with the package.
    content_dir: str = ""
    max_turns: int = 8
    session_minutes: float = 10.0
    live_transcript: bool = False
    # An urgent alert nobody acknowledged this long goes to every front-desk and admin screen.
    escalate_after_s: float = 60.0


class EvaluationSettings(BaseModel):
    """The evaluation report's disparity flags (docs/guardrails.md, last section)."""

    margin: Annotated[float, Field(ge=0.0, le=1.0)] = 0.10  # tolerated difference
    min_cases: Annotated[int, Field(ge=1)] = 20  # per language, before a rate is compared
    alpha: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.05  # two-sided z-test significance


class SessionSettings(BaseModel):
    """A kiosk session's life on the server."""

    # A kiosk that reconnects within this time gets its session back (crisis included).
    resume_window_s: float = 120.0
    # A session nobody touches this long ends (never on the crisis screen).
    inactivity_s: float = 180.0
    # How often each kiosk connection checks for inactivity.
    inactivity_check_s: Annotated[float, Field(gt=0.0)] = 5.0


class ScreeningSettings(BaseModel):
    """Optional raise-only layers over the screening rules (docs/guardrails.md)."""

    # The bundled logistic-regression model over USE-multilingual embeddings (about a second
    # to load, a few ms per turn); it can raise a level, never lower one.
    embedded: bool = True
    # An Ollama model that grades each client turn beside the reply ("llama-guard3", or the
    # chat model); empty means off. It uses responder.ollama_host.
    guard_model: str = ""
    guard_timeout_s: float = 4.0


class DatabaseSettings(BaseModel):
    """Where data lives. Empty url means a SQLite file in the data directory."""

    url: str = ""
    retention_days: int = 30
    purge_interval_minutes: float = 60.0


class RedisSettings(BaseModel):
    """What crosses processes when more than one `reflect serve` shares a database."""

    # Empty: one process, everything in memory (the zero-setup default). Set it (e.g.
    # "redis://127.0.0.1:6379/0" or "unix:///run/redis/redis.sock") to run several processes.
    url: str = ""
    # A process that stops refreshing its presence for this long counts as gone (its kiosks
    # show offline).
    presence_ttl_s: float = 6.0
    # Every key and channel starts with this (several deployments may share one Redis).
    prefix: str = "reflect"


class SecuritySettings(BaseModel):
    """Keys, accounts and sessions."""

    # Empty means <data_dir>/keyring.json.
    keyring_path: str = ""
    # If set, the keyring JSON is read from this environment variable instead of a file.
    keyring_env: str = "REFLECT_KEYRING"
    # Idle this long, a dashboard locks (alerts still arrive; client text hidden until re-entry).
    idle_logoff_minutes: float = 15.0
    # A sign-in ends this long after it started, whatever the activity.
    session_max_hours: float = 12.0
    # Failed sign-ins are throttled, never locked: after the free failures each attempt waits
    # first_delay_s, then twice as long each time, up to the maximum (per typed username, and
    # per address); forgotten after 15 quiet minutes.
    login_free_failures: int = 4
    login_max_delay_s: float = 60.0
    login_address_free_failures: int = 10
    login_address_max_delay_s: float = 300.0
    login_first_delay_s: float = 1.0
    # Wrong kiosk tokens and wrong enrolment codes from one address, per minute; past it both
    # doors refuse that address at once until the minute refills (a right token included).
    address_auth_failures_per_minute: int = Field(default=10, ge=1)
    code_ttl_minutes: float = 30.0


class ServerSettings(BaseModel):
    """Network serving."""

    host: str = "127.0.0.1"
    port: int = 8000
    certfile: str = ""
    keyfile: str = ""
    model_workers: int = 2
    # Proxies whose X-Forwarded-For / -Proto are believed (IP addresses or CIDR ranges). Empty:
    # no header is trusted, and the peer address is what rate limits and logs use.
    trusted_proxies: list[str] = []
    # The address staff and kiosks use to reach this server (e.g. https://reflect.clinic.lan:8443),
    # for links and QR codes made here; empty: the address the admin's browser is using.
    public_url: str = ""
    # Open HTTP + websocket connections at once; beyond it new ones get 503 (0 = no cap).
    max_connections: int = 200
    # glibc: allocations from this size up are mapped and unmapped, not kept in the heap, so
    # the models' large temporary buffers do not pile up as peak memory (0 = glibc default).
    malloc_mmap_threshold_kb: int = 1024


class Settings(BaseSettings):
    """All configuration. Built once at the edge and passed down as sections."""

    model_config = SettingsConfigDict(
        env_prefix="REFLECT_",
        env_nested_delimiter="__",
        extra="ignore",
    )

    data_dir: Path = Field(default_factory=_default_data_dir)
    log_level: str = "INFO"
    stt: SttSettings = SttSettings()
    tts: TtsSettings = TtsSettings()
    vad: VadSettings = VadSettings()
    audio: AudioSettings = AudioSettings()
    responder: ResponderSettings = ResponderSettings()
    reflection: ReflectionSettings = ReflectionSettings()
    session: SessionSettings = SessionSettings()
    screening: ScreeningSettings = ScreeningSettings()
    database: DatabaseSettings = DatabaseSettings()
    redis: RedisSettings = RedisSettings()
    evaluation: EvaluationSettings = EvaluationSettings()
    security: SecuritySettings = SecuritySettings()
    server: ServerSettings = ServerSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get(CONFIG_FILE_ENV, str(DEFAULT_CONFIG_FILE)))
        toml_source = TomlConfigSettingsSource(settings_cls, toml_file=toml_path)
        # Environment beats the file; explicit arguments beat both.
        return (init_settings, env_settings, toml_source)

    @property
    def database_url(self) -> str:
        """The configured URL, or the default SQLite file in the data directory."""
        return self.database.url or f"sqlite:///{self.data_dir / 'reflect.db'}"

    @property
    def keyring_file(self) -> Path:
        """Where the keyring file lives."""
        return Path(self.security.keyring_path) if self.security.keyring_path else (
            self.data_dir / "keyring.json"
        )


def load_settings(config_file: Path | None = None) -> Settings:
    """Build Settings, optionally from an explicit TOML file."""
    if config_file is not None:
        os.environ[CONFIG_FILE_ENV] = str(config_file)
    return Settings()
