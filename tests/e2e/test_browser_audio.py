"""The kiosk page's audio modules in Debian's chromium: 16 kHz capture worklet, gapless playback."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.browser_fixtures import *  # noqa: F403
from tests.e2e.browser_fixtures import CHROMIUM, ROOT, browser_for

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

WORKLET_PROBE = """async ([freq, seconds]) => {
  const rate = 48000;
  const ctx = new OfflineAudioContext(1, rate * seconds, rate);
  await ctx.audioWorklet.addModule("js/capture-worklet.js");
  const node = new AudioWorkletNode(ctx, "pcm-capture", {
    numberOfInputs: 1, numberOfOutputs: 0, channelCount: 1, channelCountMode: "explicit" });
  const frames = [];
  node.port.onmessage = (e) => frames.push(new Int16Array(e.data));
  const osc = new OscillatorNode(ctx, { frequency: freq });
  const gain = new GainNode(ctx, { gain: 0.5 });
  osc.connect(gain).connect(node);
  osc.start();
  await ctx.startRendering();
  await new Promise((r) => setTimeout(r, 300));
  const all = frames.flatMap((f) => Array.from(f));
  let crossings = 0, sumsq = 0;
  for (let i = 1; i < all.length; i++) if ((all[i - 1] < 0) !== (all[i] < 0)) crossings++;
  const steady = all.slice(1000);
  for (const v of steady) sumsq += v * v;
  return { frames: frames.length, frameSizes: [...new Set(frames.map((f) => f.length))],
           samples: all.length, crossings, rms: Math.sqrt(sumsq / steady.length) };
}"""

PLAYBACK_PROBE = """async () => {
  const { PlaybackQueue } = await import("./js/playback.js");
  let idle = 0;
  const queue = new PlaybackQueue({ onIdle: () => idle++ });
  await queue.unlock();
  const chunk = () => new Int16Array(4410).fill(1000).buffer;  // 0.2 s at 22.05 kHz
  queue.enqueue(chunk(), 22050);
  const first = queue.nextTime - 0.2;
  queue.enqueue(chunk(), 22050);
  queue.enqueue(chunk(), 22050);
  const span = queue.nextTime - first;
  const playing = queue.playing;
  await new Promise((r) => {
    const t = setInterval(() => { if (idle) { clearInterval(t); r(); } }, 20);
  });
  const played = queue.playedChunks;
  const idleAfterPlay = idle;
  queue.enqueue(chunk(), 22050);
  queue.stop();
  return { span, playing, played, idleAfterPlay, idleAfterStop: idle, afterStop: queue.playing };
}"""


@pytest.fixture(scope="module")
def static_kiosk() -> Iterator[str]:
    """The kiosk page's files over plain HTTP on loopback (no reflect server needed)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=str(ROOT / "kiosk" / "web"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def audio_page(playwright_driver: Any, static_kiosk: str) -> Iterator[Any]:
    browser = browser_for(playwright_driver)
    page = browser.new_page()
    page.route("**/ws/**", lambda route: route.abort())
    page.goto(f"{static_kiosk}/index.html")
    yield page
    browser.close()


def test_worklet_downsamples_to_16k_pcm16_frames(audio_page: Any) -> None:
    result = audio_page.evaluate(WORKLET_PROBE, [440, 1])
    # One second at 48 kHz becomes 16 000 samples, posted in whole 512-sample frames.
    assert result["frameSizes"] == [512]
    assert result["frames"] == 16000 // 512
    # A 440 Hz tone keeps its pitch: about 880 zero crossings per second.
    assert abs(result["crossings"] / (result["samples"] / 16000) - 880) < 20
    # Half-scale sine: RMS 0.5 / sqrt(2) of full scale.
    assert abs(result["rms"] - 0.5 / 2**0.5 * 32768) < 1500


def test_worklet_filters_what_16k_cannot_carry(audio_page: Any) -> None:
    # 12 kHz is above the new 8 kHz Nyquist: it must be filtered, not folded back as 4 kHz.
    result = audio_page.evaluate(WORKLET_PROBE, [12000, 1])
    assert result["rms"] < 0.05 * 0.5 / 2**0.5 * 32768


def test_playback_schedules_chunks_back_to_back(audio_page: Any) -> None:
    result = audio_page.evaluate(PLAYBACK_PROBE)
    assert result["span"] == pytest.approx(0.6, abs=1e-3)  # no gap between the three chunks
    assert result["playing"] is True
    assert result["played"] == 3 and result["idleAfterPlay"] == 1
    # Barge-in: stop() silences queued audio at once and reports idle again.
    assert result["afterStop"] is False and result["idleAfterStop"] == 2
