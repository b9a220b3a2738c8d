export interface DeviceDescription {
  /** "Chrome on macOS", "Safari on iPhone", "curl", "Unknown device". */
  label: string;
  kind: 'desktop' | 'phone' | 'tablet' | 'other';
}

const BROWSERS: [RegExp, string][] = [
  [/Edg(?:e|A|iOS)?\//, 'Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/SamsungBrowser\//, 'Samsung Internet'],
  [/Firefox\/|FxiOS\//, 'Firefox'],
  [/HeadlessChrome\//, 'Headless Chrome'],
  [/Chrome\/|CriOS\/|Chromium\//, 'Chrome'],
  [/Version\/[\d.]+.*Safari\//, 'Safari'],
];

const SYSTEMS: [RegExp, string, DeviceDescription['kind']][] = [
  [/iPhone/, 'iPhone', 'phone'],
  [/iPad/, 'iPad', 'tablet'],
  [/Android.*Mobile/, 'Android', 'phone'],
  [/Android/, 'Android tablet', 'tablet'],
  [/CrOS/, 'ChromeOS', 'desktop'],
  [/Mac OS X|Macintosh/, 'macOS', 'desktop'],
  [/Windows/, 'Windows', 'desktop'],
  [/Linux|X11/, 'Linux', 'desktop'],
];

const TOOLS: [RegExp, string][] = [
  [/^curl\//i, 'curl'],
  [/^Wget\//i, 'Wget'],
  [/^node|undici/i, 'Node.js'],
  [/^python-requests|^python-httpx|^aiohttp/i, 'Python'],
  [/^lumina-cli|^lumina\//i, 'Lumina CLI'],
];

/**
 * A short, readable name for the device behind a User-Agent header, good enough to recognise
 * one's own sessions (not a full parser).
 * @example describeUserAgent('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) … Chrome/126.0 Safari/537.36').label // 'Chrome on macOS'
 */
export function describeUserAgent(userAgent: string | null | undefined): DeviceDescription {
  const ua = userAgent?.trim() ?? '';
  if (!ua) return { label: 'Unknown device', kind: 'other' };
  for (const [pattern, name] of TOOLS) if (pattern.test(ua)) return { label: name, kind: 'other' };
  const browser = BROWSERS.find(([pattern]) => pattern.test(ua))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(ua));
  if (browser && system) return { label: `${browser} on ${system[1]}`, kind: system[2] };
  if (browser) return { label: browser, kind: 'desktop' };
  if (system) return { label: `Browser on ${system[1]}`, kind: system[2] };
  const product = /^([A-Za-z][\w.-]*)\//.exec(ua)?.[1];
  return { label: product ?? 'Unknown device', kind: 'other' };
}
