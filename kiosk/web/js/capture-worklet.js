// AudioWorklet: mono mic audio at the context rate -> 16 kHz PCM16 frames posted to the page.
// A short windowed-sinc low-pass runs before decimation so speech above 8 kHz does not alias.

const TARGET_RATE = 16000;
const FRAME_SAMPLES = 512; // 32 ms at 16 kHz, the VAD's frame size
const TAPS = 31;

function lowPassKernel(ratio) {
  const cutoff = 0.45 / ratio; // a little below the new Nyquist, as a fraction of the input rate
  const kernel = new Float32Array(TAPS);
  const mid = (TAPS - 1) / 2;
  let sum = 0;
  for (let i = 0; i < TAPS; i++) {
    const x = i - mid;
    const sinc = x === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * x) / (Math.PI * x);
    const window = 0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (TAPS - 1));
    kernel[i] = sinc * window;
    sum += kernel[i];
  }
  for (let i = 0; i < TAPS; i++) kernel[i] /= sum;
  return kernel;
}

class PcmCaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.ratio = sampleRate / TARGET_RATE;
    this.kernel = this.ratio > 1 ? lowPassKernel(this.ratio) : null;
    this.history = new Float32Array(TAPS); // last TAPS filtered-input samples (ring)
    this.historyPos = 0;
    this.position = 0; // fractional read position, in input samples, of the next output sample
    this.previous = 0; // last filtered sample, for linear interpolation across blocks
    this.frame = new Int16Array(FRAME_SAMPLES);
    this.frameFill = 0;
    this.enabled = true;
    this.port.onmessage = (event) => {
      if (event.data && typeof event.data.enabled === "boolean") this.enabled = event.data.enabled;
    };
  }

  filter(sample) {
    if (!this.kernel) return sample;
    this.history[this.historyPos] = sample;
    this.historyPos = (this.historyPos + 1) % TAPS;
    let acc = 0;
    for (let i = 0; i < TAPS; i++) acc += this.kernel[i] * this.history[(this.historyPos + i) % TAPS];
    return acc;
  }

  emit(value) {
    const clipped = Math.max(-1, Math.min(1, value));
    this.frame[this.frameFill++] = clipped < 0 ? clipped * 32768 : clipped * 32767;
    if (this.frameFill === FRAME_SAMPLES) {
      const out = this.frame.buffer;
      this.port.postMessage(out, [out]);
      this.frame = new Int16Array(FRAME_SAMPLES);
      this.frameFill = 0;
    }
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel || !this.enabled) return true;
    // Filter every input sample; emit an output whenever the read position falls in this step.
    for (let i = 0; i < channel.length; i++) {
      const current = this.filter(channel[i]);
      while (this.position <= 1) {
        const frac = this.position;
        this.emit(this.previous + (current - this.previous) * frac);
        this.position += this.ratio;
      }
      this.position -= 1;
      this.previous = current;
    }
    return true;
  }
}

registerProcessor("pcm-capture", PcmCaptureProcessor);
