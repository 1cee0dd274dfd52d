"""The real microphone and speaker through sounddevice (PortAudio), imported only when used."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import Any

from kiosk.headless.audio_io import FRAME_SAMPLES, MIC_RATE, resample_pcm16


class SoundDeviceIO:
    """Default input and output devices; reply audio is played at the first reply's rate."""

    def __init__(self, *, input_device: int | str | None = None,
                 output_device: int | str | None = None, output_rate: int = 22050) -> None:
        import sounddevice

        self._sd: Any = sounddevice
        self._input_device = input_device
        self._output_rate = output_rate
        self._buffer = bytearray()
        self._lock = threading.Lock()
        self._output: Any = self._sd.RawOutputStream(
            samplerate=output_rate, channels=1, dtype="int16", device=output_device,
            callback=self._fill,
        )
        self._output.start()

    def _fill(self, outdata: Any, frames: int, _time: Any, _status: Any) -> None:
        # Runs on PortAudio's thread: hand out queued audio, pad with silence.
        wanted = frames * 2
        with self._lock:
            chunk = bytes(self._buffer[:wanted])
            del self._buffer[:wanted]
        outdata[:] = chunk + bytes(wanted - len(chunk))

    async def frames(self) -> AsyncIterator[bytes]:
        """Microphone frames as they arrive from the device."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=200)

        def enqueue(data: bytes) -> None:
            if not queue.full():  # a stalled consumer loses audio rather than memory
                queue.put_nowait(data)

        def on_audio(indata: Any, _frames: int, _time: Any, _status: Any) -> None:
            loop.call_soon_threadsafe(enqueue, bytes(indata))

        stream = self._sd.RawInputStream(
            samplerate=MIC_RATE, channels=1, dtype="int16", blocksize=FRAME_SAMPLES,
            device=self._input_device, callback=on_audio,
        )
        with stream:
            while True:
                yield await queue.get()

    def play(self, pcm16: bytes, sample_rate: int) -> None:
        """Append to the speaker queue."""
        data = resample_pcm16(pcm16, sample_rate, self._output_rate)
        with self._lock:
            self._buffer.extend(data)

    def stop_playback(self) -> None:
        """Drop everything queued."""
        with self._lock:
            self._buffer.clear()

    @property
    def playing(self) -> bool:
        """Whether queued audio remains."""
        with self._lock:
            return bool(self._buffer)

    def close(self) -> None:
        """Stop the output stream."""
        self._output.stop()
        self._output.close()
