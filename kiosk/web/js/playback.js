// Gapless playback of streamed reply audio: each PCM16 chunk is scheduled right after the last.

const START_LEAD_S = 0.05; // small lead so the first chunk never starts in the past

/** PCM16 little-endian bytes -> Float32 samples. */
export function pcm16ToFloat(buffer) {
  const view = new DataView(buffer);
  const out = new Float32Array(Math.floor(buffer.byteLength / 2));
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true) / 32768;
  return out;
}

/** Schedules chunks on one AudioContext timeline; reports when speaking starts and stops. */
export class PlaybackQueue {
  constructor({ onStart = () => {}, onIdle = () => {}, onChunkPlayed = () => {} } = {}) {
    this.context = null;
    this.nextTime = 0;
    this.sources = new Set();
    this.onStart = onStart;
    this.onIdle = onIdle;
    this.onChunkPlayed = onChunkPlayed;
    this.playedChunks = 0;
  }

  get playing() {
    return this.sources.size > 0;
  }

  /** Create or resume the context; call from a user gesture so autoplay rules allow sound. */
  async unlock() {
    if (!this.context) this.context = new AudioContext();
    if (this.context.state === "suspended") await this.context.resume();
  }

  /** Queue one chunk of PCM16 mono audio at sampleRate; meta is passed back on completion. */
  enqueue(pcmBuffer, sampleRate, meta = {}) {
    if (!this.context) this.context = new AudioContext();
    const samples = pcm16ToFloat(pcmBuffer);
    if (samples.length === 0) return;
    const audio = this.context.createBuffer(1, samples.length, sampleRate);
    audio.copyToChannel(samples, 0);
    const source = this.context.createBufferSource();
    source.buffer = audio;
    source.connect(this.context.destination);
    const now = this.context.currentTime;
    const startAt = Math.max(this.nextTime, now + START_LEAD_S);
    this.nextTime = startAt + audio.duration;
    const wasIdle = !this.playing;
    this.sources.add(source);
    source.onended = () => {
      if (!this.sources.delete(source)) return;
      this.playedChunks += 1;
      this.onChunkPlayed(meta);
      if (!this.playing) this.onIdle();
    };
    source.start(startAt);
    if (wasIdle) this.onStart();
  }

  /** Barge-in: silence everything queued now. */
  stop() {
    const hadAudio = this.playing;
    const sources = [...this.sources];
    this.sources.clear();
    for (const source of sources) {
      try {
        source.stop();
      } catch {
        // already stopped
      }
    }
    if (this.context) this.nextTime = this.context.currentTime;
    if (hadAudio) this.onIdle();
  }

  async close() {
    this.stop();
    if (this.context) await this.context.close();
    this.context = null;
  }
}
