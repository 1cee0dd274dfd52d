"""`reflect kiosk`: the headless kiosk (microphone and speaker, or WAV files)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from server.config import Settings


def register(sub: Any) -> None:
    """Add the kiosk command."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "kiosk", help="run a headless kiosk (mic + speaker) against a server")
    parser.add_argument("--server", required=True, help="server URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("--token", required=True, help="the enrolled kiosk token")
    duplex = parser.add_mutually_exclusive_group()
    duplex.add_argument("--half-duplex", dest="full_duplex", action="store_false",
                        help="mute the mic while speaking; Enter interrupts (default)")
    duplex.add_argument("--full-duplex", dest="full_duplex", action="store_true",
                        help="barge in by speaking (needs hardware echo cancellation)")
    parser.add_argument("--lang", choices=["en", "es"], default="en")
    parser.add_argument("--rate", type=float, default=1.0, help="speaking rate (0.5-2.0)")
    parser.add_argument("--patience-ms", type=int, default=None,
                        help="silence that ends a turn (300-3000 ms; more for slow speakers)")
    parser.add_argument("--mic-wav", type=Path, default=None,
                        help="use a WAV file as the microphone instead of a device")
    parser.add_argument("--speaker-wav", type=Path, default=None,
                        help="with --mic-wav: record reply audio to this WAV file")
    parser.add_argument("--once", action="store_true", help="run one session, then exit")
    parser.set_defaults(handler=run, full_duplex=False)


def websocket_url(server: str) -> str:
    """http(s)://host:port[/prefix] -> ws(s)://host:port[/prefix]/ws/kiosk."""
    parts = urlsplit(server if "://" in server else f"http://{server}")
    scheme = {"https": "wss", "wss": "wss"}.get(parts.scheme, "ws")
    path = parts.path.rstrip("/") + "/ws/kiosk"
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run sessions until interrupted (or one with --once)."""
    from kiosk.headless.audio_io import AudioIO, WavFileIO
    from kiosk.headless.client import HeadlessKiosk, KioskError, KioskOptions
    from kiosk.headless.console import StdinConsole

    audio: AudioIO
    if args.mic_wav is not None:
        audio = WavFileIO(args.mic_wav, args.speaker_wav)
    else:
        from kiosk.headless.sounddevice_io import SoundDeviceIO

        audio = SoundDeviceIO()
    options = KioskOptions(lang=args.lang, full_duplex=args.full_duplex, tts_rate=args.rate,
                           end_silence_ms=args.patience_ms)
    kiosk = HeadlessKiosk(websocket_url(args.server), args.token, audio, StdinConsole(), options)
    try:
        reasons = asyncio.run(kiosk.run(1 if args.once else None))
    except KioskError as exc:
        print(f"error ({exc.code}): {exc}")
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        audio.close()
    print(f"session ended: {', '.join(reasons)}")
    return 0
