// Microphone capture: getUserMedia (echo cancellation on) -> AudioWorklet -> 16 kHz PCM16 frames.

export const CAPTURE_CONSTRAINTS = {
  audio: {
    channelCount: 1,
    echoCancellation: true,
    noiseSuppression: true,
    autoGainControl: true,
  },
};

/** Owns the mic stream and the worklet; calls onFrame(ArrayBuffer) for each 512-sample frame. */
export class MicCapture {
  constructor(onFrame) {
    this.onFrame = onFrame;
    this.context = null;
    this.stream = null;
    this.node = null;
    this.source = null;
  }

  get running() {
    return this.context !== null;
  }

  /** Open the mic; throws if the browser refuses (the page then offers typing). */
  async start() {
    if (this.context) return;
    this.stream = await navigator.mediaDevices.getUserMedia(CAPTURE_CONSTRAINTS);
    this.context = new AudioContext();
    await this.context.audioWorklet.addModule(new URL("./capture-worklet.js", import.meta.url));
    this.source = this.context.createMediaStreamSource(this.stream);
    this.node = new AudioWorkletNode(this.context, "pcm-capture", {
      numberOfInputs: 1,
      numberOfOutputs: 0,
      channelCount: 1,
      channelCountMode: "explicit",
    });
    this.node.port.onmessage = (event) => this.onFrame(event.data);
    this.source.connect(this.node);
    if (this.context.state === "suspended") await this.context.resume();
  }

  /** Stop sending frames without closing the device (push-to-talk release, half-duplex). */
  setEnabled(enabled) {
    this.node?.port.postMessage({ enabled });
  }

  /** Release the device entirely (session end). */
  async stop() {
    this.source?.disconnect();
    this.node?.disconnect();
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    if (this.context) await this.context.close();
    this.context = null;
    this.stream = null;
    this.node = null;
    this.source = null;
  }
}
