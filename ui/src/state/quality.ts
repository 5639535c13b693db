// Call quality from media statistics: a three-step level people can read at a glance.

import type { CallStats } from "../generated/CallStats";

export type QualityLevel = "good" | "fair" | "poor";

/** Estimated MOS and packet loss → good / fair / poor. */
export function qualityOf(stats: Pick<CallStats, "mos" | "lossPercent">): QualityLevel {
  if (stats.mos < 3.1 || stats.lossPercent >= 5) return "poor";
  if (stats.mos < 3.6 || stats.lossPercent >= 2) return "fair";
  return "good";
}

/** "Quality good: MOS 4.3, loss 0.0 %, jitter 2 ms" for a tooltip and aria label. */
export function qualityText(stats: CallStats): string {
  const rtt = stats.rttMs === null ? "" : `, round trip ${Math.round(stats.rttMs)} ms`;
  return (
    `Quality ${qualityOf(stats)}: MOS ${stats.mos.toFixed(1)}, loss ${stats.lossPercent.toFixed(1)} %, ` +
    `jitter ${Math.round(stats.jitterMs)} ms${rtt}, ${stats.codec}`
  );
}
