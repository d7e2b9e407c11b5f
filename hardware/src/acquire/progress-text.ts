import type { AcquireProgress, AcquireSummary } from "./acquire.ts";

/** The live line: frames, rate, MB/s, acknowledged, dropped, CRC errors (and resyncs when any). */
export function progressText(p: AcquireProgress): string {
  const seconds = Math.max(p.seconds, 1e-9);
  const parts = [
    `${p.frames} frames`,
    `${(p.frames / seconds).toFixed(1)} frames/s`,
    `${(p.bytes / 1e6 / seconds).toFixed(2)} MB/s`,
    `acknowledged ${p.acknowledged}`,
    `dropped ${p.dropped}`,
    `CRC errors ${p.crcErrors}`,
  ];
  if (p.badFrames > 0) parts.push(`resyncs ${p.badFrames}`);
  if (p.missed > 0) parts.push(`missed ${p.missed}`);
  return parts.join("  ");
}

const STOPPED_BY: Record<AcquireSummary["stoppedBy"], string> = {
  frames: "frame count reached",
  seconds: "time limit reached",
  signal: "interrupted",
  device_error: "device failed",
  disconnected: "device disconnected",
};

export function summaryText(s: AcquireSummary): string {
  return (
    `acquire: ${STOPPED_BY[s.stoppedBy]} after ${s.seconds.toFixed(1)} s — ${s.frames} frames sent, ` +
    `${s.acknowledged} acknowledged, ${s.dropped} dropped, ${s.crcErrors} CRC errors, ` +
    `${s.badFrames} resyncs (${s.garbageBytes} bytes skipped)` +
    (s.reconnects > 0 ? `, ${s.reconnects} reconnections` : "") +
    `\nacquire: time spent waiting for the device ${seconds(s.timing.waitMs)}, decoding ` +
    `${seconds(s.timing.decodeMs)}, handing frames to the saver ${seconds(s.timing.sendMs)}` +
    (s.error ? `\nacquire: ${s.error.message}` : "")
  );
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
