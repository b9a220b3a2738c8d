/**
 * Progress of a download as a whole percentage (0–100), or null when the size is unknown.
 * Rounds down, so 100 % means finished and not "almost".
 * @example progressPercent(512, 1024) // 50
 */
export function progressPercent(
  done: number | null | undefined,
  total: number | null | undefined,
): number | null {
  if (!total || total <= 0 || done === null || done === undefined || !Number.isFinite(done)) return null;
  return Math.min(100, Math.max(0, Math.floor((done / total) * 100)));
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/**
 * A size in the decimal units disks and downloads use: "0 B", "812 KB", "4.7 MB", "1.32 GB".
 * @example formatBytes(1_320_000_000) // '1.32 GB'
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes <= 0) return '0 B';
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : unit >= 3 ? 2 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** "4.2 MB/s"; null when nothing is moving. */
export function formatSpeed(bytesPerSecond: number | null | undefined): string | null {
  if (!bytesPerSecond || bytesPerSecond <= 0 || !Number.isFinite(bytesPerSecond)) return null;
  return `${formatBytes(bytesPerSecond)}/s`;
}

/**
 * How long the rest takes at the current speed: "12 s left", "4 min left", "1 h 5 min left";
 * null when the size or the speed is unknown.
 * @example formatEta(600_000_000, 1_000_000_000, 10_000_000) // '40 s left'
 */
export function formatEta(
  done: number,
  total: number | null | undefined,
  bytesPerSecond: number | null | undefined,
): string | null {
  if (!total || total <= 0 || !bytesPerSecond || bytesPerSecond <= 0) return null;
  const remaining = Math.max(0, total - done);
  const seconds = Math.ceil(remaining / bytesPerSecond);
  if (seconds <= 0) return 'almost done';
  if (seconds < 60) return `${seconds} s left`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min left`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest > 0 ? `${hours} h ${rest} min left` : `${hours} h left`;
}

/** "1.2 GB of 4.7 GB", or "1.2 GB" when the total is unknown. */
export function formatAmount(done: number, total: number | null | undefined): string {
  return total && total > 0 ? `${formatBytes(done)} of ${formatBytes(total)}` : formatBytes(done);
}

/**
 * The line under a download's progress bar: "1.2 GB of 4.7 GB · 4.2 MB/s · 12 min left" while it
 * runs, only the amount once it stopped.
 */
export function formatTransfer(
  done: number,
  total: number | null | undefined,
  bytesPerSecond: number | null | undefined,
  running: boolean,
): string {
  return [
    formatAmount(done, total),
    running ? formatSpeed(bytesPerSecond) : null,
    running ? formatEta(done, total, bytesPerSecond) : null,
  ]
    .filter(Boolean)
    .join(' · ');
}

/**
 * Measures the speed of a transfer that only reports totals so far (Ollama's pull): feed it
 * (bytes, time) samples; it answers a smoothed bytes per second. A new layer (bytes going
 * down) starts over.
 */
export function createRateMeter(smoothing = 0.3) {
  let last: { bytes: number; at: number } | null = null;
  let rate: number | null = null;
  return {
    sample(bytes: number, at: number): number | null {
      if (last && bytes >= last.bytes && at > last.at) {
        const instant = ((bytes - last.bytes) * 1000) / (at - last.at);
        rate = rate === null ? instant : rate + smoothing * (instant - rate);
      } else if (last && bytes < last.bytes) {
        rate = null;
      }
      last = { bytes, at };
      return rate;
    },
  };
}
