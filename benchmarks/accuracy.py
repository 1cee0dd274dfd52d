"""`reflect bench --accuracy`: every decoding path against plain faster-whisper, same model.

Per clip and model it runs plain faster-whisper (30 s window, default decode: the reference),
the short-window decode alone at beam 1 and 5, and the configured pipeline
(`WhisperStt.transcribe`). Rows "fast bN + reference below T" are derived from the same
decodes (fast output if trusted at threshold T, else the reference's), which is how the
defaults were chosen without decoding everything once per candidate.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks.accuracy_corpus import Clip, build, espeak, piper_speaker
from benchmarks.experiments import word_error_rate, words
from benchmarks.stats import summarize
from reflection.alternatives import best_reading, load_confusions
from reflection.content_files import ContentStore
from reflection.screening import RiskScreener
from server.config import Settings
from voice.stt import WhisperStt
from voice.stt_decode import is_looped

THRESHOLDS = (-0.5, -0.7, -0.9, -1.2)
Progress = Callable[[str], None]


@dataclass
class PathResult:
    """One decoding path's outputs over the corpus."""

    texts: list[str] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)
    fallbacks: int = 0
    alternatives: list[tuple[str, ...]] = field(default_factory=list)


def _timed(call: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    value = call(*args, **kwargs)
    return value, (time.perf_counter() - started) * 1000.0


def decode_all(stt: WhisperStt, clips: Sequence[Clip], progress: Progress
               ) -> dict[str, PathResult]:
    """Every path's transcript and time for every clip."""
    paths: dict[str, PathResult] = {}

    def add(name: str, text: str, ms: float, *, fell_back: bool = False,
            alternatives: tuple[str, ...] = ()) -> None:
        row = paths.setdefault(name, PathResult())
        row.texts.append(text)
        row.ms.append(ms)
        row.fallbacks += fell_back
        row.alternatives.append(alternatives)

    stt.transcribe(clips[0].audio, language=clips[0].lang)  # warm-up
    for number, clip in enumerate(clips):
        if number % 25 == 0:
            progress(f"accuracy: clip {number + 1}/{len(clips)}")
        plain, plain_ms = _timed(stt.plain, clip.audio, language=clip.lang)
        add("reference", " ".join(s.text for s in plain).strip(), plain_ms)
        filtered = " ".join(s.text for s in stt.filter.apply(plain)).strip()
        for beam in (1, 5):
            fast, fast_ms = _timed(stt.fast_decode, clip.audio, language=clip.lang,
                                   beam_size=beam)
            add(f"fast b{beam} alone", fast.text, fast_ms)
            for floor in THRESHOLDS:
                trusted = stt.trusted(fast, floor)
                add(f"fast b{beam} + reference below {floor}", fast.text if trusted else filtered,
                    fast_ms + (0.0 if trusted else plain_ms), fell_back=not trusted)
        heard, ms = _timed(stt.transcribe, clip.audio, language=clip.lang)
        unsure = (heard.text,) if heard.unsure and heard.text else ()
        add("pipeline (defaults)", heard.text, ms, fell_back=heard.path == "reference",
            alternatives=heard.alternatives or unsure)
    return paths


def decode_two(stt: WhisperStt, clips: Sequence[Clip], progress: Progress
               ) -> dict[str, PathResult]:
    """The reference and the pipeline for every clip the model can take."""
    reference, pipeline = PathResult(), PathResult()
    stt.transcribe(clips[0].audio, language=clips[0].lang)  # warm-up
    for number, clip in enumerate(clips):
        if number % 25 == 0:
            progress(f"accuracy: clip {number + 1}/{len(clips)}")
        plain, plain_ms = _timed(stt.plain, clip.audio, language=clip.lang)
        reference.texts.append(" ".join(s.text for s in plain).strip())
        reference.ms.append(plain_ms)
        reference.alternatives.append(())
        heard, ms = _timed(stt.transcribe, clip.audio, language=clip.lang)
        pipeline.texts.append(heard.text)
        pipeline.ms.append(ms)
        pipeline.fallbacks += heard.path == "reference"
        # As in `decode_all`: an unsure transcript's confusions are screened too.
        unsure = (heard.text,) if heard.unsure and heard.text else ()
        pipeline.alternatives.append(heard.alternatives or unsure)
    return {"reference": reference, "pipeline (defaults)": pipeline}


def score(clips: Sequence[Clip], result: PathResult, reference: PathResult,
          screener: RiskScreener, store: ContentStore) -> dict[str, Any]:
    """WER, exact matches, empties, loops, latency, agreement with the reference, screening."""
    def pick(pred: Callable[[Clip], bool]) -> list[int]:
        return [i for i, clip in enumerate(clips) if pred(clip)]

    def exact(texts: list[str], i: int) -> bool:
        return words(texts[i]) == words(clips[i].text)

    short = pick(lambda c: c.kind == "short")
    row: dict[str, Any] = {}
    for lang in ("en", "es"):
        sentences = [i for i, c in enumerate(clips) if c.kind != "short" and c.lang == lang]
        if sentences:
            row[f"wer_{lang}"] = word_error_rate([clips[i].text for i in sentences],
                                                 [result.texts[i] for i in sentences])
    for split in ("tune", "heldout"):
        chosen = [i for i in short if clips[i].split == split]
        row[f"short_exact_{split}"] = f"{sum(exact(result.texts, i) for i in chosen)}/{len(chosen)}"
    row["short_exact"] = f"{sum(exact(result.texts, i) for i in short)}/{len(short)}"
    row["short_exact_lost_vs_reference"] = sum(
        exact(reference.texts, i) and not exact(result.texts, i) for i in short)
    row["empty"] = sum(not words(text) for text in result.texts)
    # Speech the reference heard (at least one right word) that this path returned as nothing.
    row["empty_where_reference_heard"] = sum(
        not words(result.texts[i]) and bool(set(words(ref)) & set(words(clips[i].text)))
        for i, ref in enumerate(reference.texts))
    row["loops"] = sum(is_looped(text) for text in result.texts)
    row["ms"] = summarize(result.ms)
    row["fallback_rate"] = round(result.fallbacks / len(clips), 3)
    row.update(_screening(clips, result, screener, store))
    # Where this path did worse than the reference (synthetic test sentences only).
    row["worse_than_reference"] = [
        {"said": clips[i].text, "voice": clips[i].voice, "rate": clips[i].rate,
         "condition": clips[i].condition, "heard": result.texts[i], "reference": ref}
        for i, ref in enumerate(reference.texts)
        if (exact(reference.texts, i) and not exact(result.texts, i) and clips[i].kind == "short")
        or (bool(words(ref)) and not words(result.texts[i]))][:20]
    return row


def _screening(clips: Sequence[Clip], result: PathResult, screener: RiskScreener,
               store: ContentStore) -> dict[str, Any]:
    """Crisis clips detected (level >= 1) and false alarms, with and without alternatives."""
    detected = detected_alt = alarms = alarms_alt = raised = 0
    for clip, text, alternatives in zip(clips, result.texts, result.alternatives, strict=True):
        if not words(text):
            level = level_alt = 0
        else:
            def screen(reading: str, lang: str = clip.lang) -> Any:
                return screener.screen(reading, lang)
            plain = screen(text)
            best, up = best_reading(screen, text, alternatives, primary=plain,
                                    confusions=load_confusions(store, clip.lang))
            level, level_alt, raised = int(plain.level), int(best.level), raised + up
        if clip.kind == "crisis":
            detected += level >= 1
            detected_alt += level_alt >= 1
        else:
            alarms += level >= 1
            alarms_alt += level_alt >= 1
    crisis = sum(clip.kind == "crisis" for clip in clips)
    return {"crisis_detected": f"{detected}/{crisis}",
            "crisis_detected_with_alternatives": f"{detected_alt}/{crisis}",
            "false_alarms": f"{alarms}/{len(clips) - crisis}",
            "false_alarms_with_alternatives": f"{alarms_alt}/{len(clips) - crisis}",
            "raised_by_alternatives": raised}


def run_model(stt: WhisperStt, clips: Sequence[Clip], progress: Progress,
              decode: Callable[[WhisperStt, Sequence[Clip], Progress], dict[str, PathResult]]
              = decode_all) -> dict[str, Any]:
    """All paths for one model (Spanish clips only for a multilingual model)."""
    usable = [c for c in clips if stt.multilingual or c.lang == "en"]
    paths = decode(stt, usable, progress)
    store = ContentStore()
    screener = RiskScreener.load(store)
    return {name: score(usable, result, paths["reference"], screener, store)
            for name, result in paths.items()}


def markdown(results: dict[str, Any]) -> str:
    """The table for docs/performance.md."""
    head = ("| model | path | short exact (tune / held-out) | lost vs ref | empty (ref heard) "
            "| loops | WER en / es | ms p50 / p95 | fallback | crisis (+alt) | false alarms "
            "(+alt) |\n|---|---|---|---|---|---|---|---|---|---|---|")
    lines = [head]
    for model, rows in results["models"].items():
        for path, r in rows.items():
            lines.append(
                f"| {model} | {path} | {r['short_exact']} ({r['short_exact_tune']} / "
                f"{r['short_exact_heldout']}) | {r['short_exact_lost_vs_reference']} | "
                f"{r['empty']} ({r['empty_where_reference_heard']}) | {r['loops']} | "
                f"{r.get('wer_en', '-')} / {r.get('wer_es', '-')} | {r['ms']['p50']} / "
                f"{r['ms']['p95']} | {r['fallback_rate']:.0%} | {r['crisis_detected']} "
                f"({r['crisis_detected_with_alternatives']}) | {r['false_alarms']} "
                f"({r['false_alarms_with_alternatives']}) |")
    return "\n".join(lines)


def run(settings: Settings, *, quick: bool, models: Sequence[str], progress: Progress,
        pipeline_only: bool = False) -> dict[str, Any]:
    """Speak the corpus, then score every path of every model (or only the pipeline and
    the reference, `pipeline_only`: about a third of the decoding)."""
    from benchmarks.runner import machine
    from server.voice_loading import load_stt, load_tts

    started = time.monotonic()
    progress("accuracy: speaking the corpus (espeak-ng and Piper)")
    piper = piper_speaker(load_tts(settings))

    def speak(text: str, voice: str, rate: str) -> Any:
        return piper(text, rate) if voice == "piper" else espeak(text, voice, rate)

    clips = build(speak, quick)
    out: dict[str, Any] = {"machine": machine(), "quick": quick, "clips": len(clips),
                           "corpus_seconds": round(sum(c.duration_s for c in clips), 1),
                           "models": {}}
    for model in models:
        progress(f"accuracy: model {model}")
        out["models"][model] = run_model(load_stt(settings, model), clips, progress,
                                         decode=decode_two if pipeline_only else decode_all)
        progress(f"accuracy: {model} done\n{markdown({'models': {model: out['models'][model]}})}")
    out["elapsed_s"] = round(time.monotonic() - started, 1)
    return out
