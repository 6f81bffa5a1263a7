import { BROWSER_MAP, parse as bowserParse } from 'bowser';

/** Raw values of the low-entropy Client Hints headers, when the request carried them. */
export interface ClientHints {
  /** The `Sec-CH-UA` header, e.g. `"Chromium";v="138", "Brave";v="138", "Not)A;Brand";v="8"`. */
  brands?: string | undefined;
  /** The `Sec-CH-UA-Mobile` header: `?1` or `?0`. */
  mobile?: string | undefined;
  /** The `Sec-CH-UA-Platform` header, e.g. `"Windows"` (quotes included, as sent). */
  platform?: string | undefined;
}

/** Coarse device class: `desktop`, `mobile` or `tablet`. */
export type DeviceType = 'desktop' | 'mobile' | 'tablet';

/** What {@link parseUserAgent} derives from a User-Agent (and, for display only, Client Hints). */
export interface UserAgentInfo {
  /**
   * Display name of the browser or client: "Chrome", "Safari", "Firefox", "Edge", "Opera", "Samsung Internet",
   * "Brave", "Instagram", "curl", "Googlebot", ...; "Unknown browser" when unknown.
   */
  browser: string;
  /**
   * Display name of the OS/device: "macOS", "Windows", "iPhone", "iPad", "Android", "Linux", "ChromeOS", ...;
   * null when unknown.
   */
  os: string | null;
  /**
   * What the devices list shows: "<browser> on <os>" ("Chrome on iPhone", "Samsung Internet on Android"); just
   * "<browser>" when the OS is unknown ("curl", "Googlebot"); "Unknown browser" for an empty/unrecognised UA.
   * Never "Unknown on Unknown".
   */
  deviceName: string;
  /** Coarse device class; bots, tools and unknown clients are `desktop` unless their UA says `Mobile`. */
  deviceType: DeviceType;
  /**
   * Stable lowercase id of the browser family, the same across versions and across desktop/iOS/Android builds of
   * one browser: "chrome" (incl. CriOS, HeadlessChrome, Chromium, and Brave/Vivaldi, whose UA is Chrome's),
   * "firefox" (incl. FxiOS), "edge" (incl. EdgiOS, EdgA), "safari", "opera", "samsung", in-app names
   * ("instagram", "facebook", "tiktok", "linkedin"), "curl", bot names ("googlebot", "bingbot"); for an
   * unrecognised client the lowercased first product token, at most 64 characters ("python-requests",
   * "mozilla"); "" for an empty UA. Derived from the User-Agent alone, never from Client Hints.
   */
  browserFamily: string;
  /**
   * Stable lowercase OS family: "apple" (macOS, iOS, iPadOS), "windows", "linux" (Linux, Android, HarmonyOS),
   * "chromeos", "bsd", or "" when unknown (also for bots and command-line tools). Derived from the User-Agent
   * alone, never from Client Hints.
   */
  osFamily: string;
}

/** Most parse results kept; the least recently used is dropped beyond this. */
const CACHE_LIMIT = 1000;
/** Longer cache keys (User-Agent plus hints) are parsed every time, so hostile headers cannot pin memory. */
const MAX_CACHED_KEY_LENGTH = 2048;
/** Longer Client Hints values are ignored (real ones are well under 200 characters). */
const MAX_HINT_LENGTH = 1024;
/** At most this many Sec-CH-UA brands are read. */
const MAX_BRANDS = 16;

const UNKNOWN_BROWSER = 'Unknown browser';

/** Which kind of client a UA names: hints may refine only real browsers. */
type ClientKind = 'browser' | 'bot' | 'tool' | 'unknown';

/** The User-Agent-only result, before Client Hints refine the display fields. */
interface UaOnly {
  readonly kind: ClientKind;
  readonly browser: string;
  readonly os: string | null;
  readonly deviceType: DeviceType;
  readonly browserFamily: string;
  readonly osFamily: string;
}

const EMPTY: UserAgentInfo = Object.freeze({
  browser: UNKNOWN_BROWSER,
  os: null,
  deviceName: UNKNOWN_BROWSER,
  deviceType: 'desktop',
  browserFamily: '',
  osFamily: '',
});

/** Non-browser HTTP clients, keyed by lowercased first product token: display name (family = the token). */
const TOOLS: ReadonlyMap<string, string> = new Map([
  ['curl', 'curl'],
  ['wget', 'Wget'],
  ['python-requests', 'python-requests'],
  ['python-urllib', 'Python urllib'],
  ['python-httpx', 'HTTPX'],
  ['aiohttp', 'aiohttp'],
  ['httpie', 'HTTPie'],
  ['node-fetch', 'node-fetch'],
  ['undici', 'undici'],
  ['node', 'Node.js'],
  ['axios', 'axios'],
  ['got', 'got'],
  ['postmanruntime', 'Postman'],
  ['insomnia', 'Insomnia'],
  ['okhttp', 'OkHttp'],
  ['go-http-client', 'Go HTTP client'],
]);

/**
 * In-app browsers, checked before the library (which names them after the WebView's engine: Safari on iOS,
 * Chrome on Android): token, display name, family.
 */
const IN_APP: readonly (readonly [RegExp, string, string])[] = [
  [/\bInstagram[ /]\d/, 'Instagram', 'instagram'],
  [/\bFBAN\/|\bFBAV\/|\bFB_IAB\//, 'Facebook', 'facebook'],
  [/\bmusical_ly_|\bBytedanceWebview\/|\btrill_\d/, 'TikTok', 'tiktok'],
  [/\[LinkedInApp\]/, 'LinkedIn', 'linkedin'],
  [/\bSnapchat\/\d/, 'Snapchat', 'snapchat'],
];

/** Library browser names whose display name or family differ from the generic rule. */
const BROWSERS: ReadonlyMap<string, readonly [display: string, family: string]> = new Map([
  ['Chrome', ['Chrome', 'chrome']],
  ['Chromium', ['Chromium', 'chrome']],
  ['Microsoft Edge', ['Edge', 'edge']],
  ['Opera Touch', ['Opera', 'opera']],
  ['Opera Coast', ['Opera', 'opera']],
  ['Samsung Internet for Android', ['Samsung Internet', 'samsung']],
  ['Yandex Browser', ['Yandex Browser', 'yandex']],
  ['NAVER Whale Browser', ['Whale', 'whale']],
  ['Google Search', ['Google app', 'google']],
  ['Internet Explorer', ['Internet Explorer', 'ie']],
  ['Android Browser', ['Android Browser', 'android-browser']],
  ['BingCrawler', ['Bingbot', 'bingbot']],
]);

/** Every browser name the library can return from its own list (its last-resort rule echoes UA text instead). */
const KNOWN_LIBRARY_NAMES: ReadonlySet<string> = new Set(Object.values(BROWSER_MAP));

/** Sec-CH-UA brands that name a more specific Chromium-based browser than the UA does. */
const BRAND_NAMES: ReadonlyMap<string, string> = new Map([
  ['Brave', 'Brave'],
  ['Opera', 'Opera'],
  ['Opera GX', 'Opera GX'],
  ['Microsoft Edge', 'Edge'],
  ['Vivaldi', 'Vivaldi'],
  ['DuckDuckGo', 'DuckDuckGo'],
  ['YaBrowser', 'Yandex Browser'],
  ['Yandex', 'Yandex Browser'],
  ['Samsung Internet', 'Samsung Internet'],
  ['Whale', 'Whale'],
]);

/** Sec-CH-UA-Platform values: display name. */
const PLATFORMS: ReadonlyMap<string, string> = new Map([
  ['Windows', 'Windows'],
  ['macOS', 'macOS'],
  ['Linux', 'Linux'],
  ['Android', 'Android'],
  ['Chrome OS', 'ChromeOS'],
  ['Chromium OS', 'ChromeOS'],
  ['ChromeOS', 'ChromeOS'],
  ['iOS', 'iOS'],
  ['Fuchsia', 'Fuchsia'],
]);

const FIRST_PRODUCT = /^\s{0,64}([^\s/;(),]{1,64})/;
const BSD = /\b(FreeBSD|OpenBSD|NetBSD|DragonFly)\b/;
const MOBILE_TOKEN = /\bMobile\b/;
const HEADLESS_CHROME = /\bHeadlessChrome\//;
const BRAND_ITEM = /"([^"\\]{1,64})"\s*;\s*v\s*=\s*"[^"\\]{0,32}"/g;
const QUOTED_PLATFORM = /^"([^"\\]{0,32})"$/;
const BARE_PLATFORM = /^[A-Za-z][A-Za-z ]{0,31}$/;

const cache = new Map<string, UserAgentInfo>();

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** Display name and family of a browser name from the library's own list. */
function libraryName(name: string): readonly [display: string, family: string] {
  return BROWSERS.get(name) ?? [name, slug(name)];
}

function firstProductToken(ua: string): string {
  return FIRST_PRODUCT.exec(ua)?.[1]?.toLowerCase() ?? '';
}

/** Runs the library on the UA alone; `null` if it throws (it does on an empty string). */
function libraryParse(ua: string): { browser: string; os: string; platform: string } | null {
  try {
    const r = bowserParse(ua);
    return { browser: r.browser.name ?? '', os: r.os.name ?? '', platform: r.platform.type ?? '' };
  } catch {
    return null;
  }
}

/** Display name and family of the OS the library found (or a BSD it does not know). */
function osOf(libraryOs: string, ua: string): readonly [display: string | null, family: string] {
  switch (libraryOs) {
    case 'iOS':
      if (ua.includes('iPad')) return ['iPad', 'apple'];
      if (ua.includes('iPod')) return ['iPod', 'apple'];
      return [ua.includes('iPhone') ? 'iPhone' : 'iOS', 'apple'];
    case 'macOS':
      // An iPad in its default desktop mode sends the Mac's UA byte for byte (and Safari sends no Client Hints),
      // so it cannot be told from a Mac here: it is named "macOS" unless Sec-CH-UA-Platform says iOS.
      return ['macOS', 'apple'];
    case 'Windows':
    case 'Windows Phone':
      return [libraryOs, 'windows'];
    case 'Android':
    case 'HarmonyOS':
    case 'Linux':
    case 'Tizen':
    case 'WebOS':
      return [libraryOs, 'linux'];
    case 'Chrome OS':
      return ['ChromeOS', 'chromeos'];
    case '': {
      const bsd = BSD.exec(ua)?.[1];
      return bsd === undefined ? [null, ''] : [bsd, 'bsd'];
    }
    default:
      return [libraryOs, slug(libraryOs)];
  }
}

function deviceTypeOf(os: string | null, platform: string, ua: string): DeviceType {
  if (os === 'iPhone' || os === 'iPod') return 'mobile';
  if (os === 'iPad') return 'tablet';
  // Android (and HarmonyOS) without "Mobile" is a tablet: that is what Chrome and Firefox send there.
  if (os === 'Android' || os === 'HarmonyOS') return MOBILE_TOKEN.test(ua) ? 'mobile' : 'tablet';
  if (platform === 'mobile' || platform === 'tablet') return platform;
  return 'desktop';
}

/** The families and default display fields, from the User-Agent alone. */
function parseUaOnly(ua: string): UaOnly {
  const token = firstProductToken(ua);
  const tool = TOOLS.get(token);
  if (tool !== undefined) {
    return {
      kind: 'tool',
      browser: tool,
      os: null,
      deviceType: 'desktop',
      browserFamily: token,
      osFamily: '',
    };
  }
  const lib = libraryParse(ua);
  const libraryBrowser = lib?.browser ?? '';
  const known = KNOWN_LIBRARY_NAMES.has(libraryBrowser);
  if (known && lib?.platform === 'bot') {
    // A crawler is not the device it imitates (Googlebot smartphone sends an Android UA): no OS.
    const [browser, browserFamily] = libraryName(libraryBrowser);
    const deviceType = MOBILE_TOKEN.test(ua) ? 'mobile' : 'desktop';
    return { kind: 'bot', browser, os: null, deviceType, browserFamily, osFamily: '' };
  }
  const [os, osFamily] = osOf(lib?.os ?? '', ua);
  const deviceType = deviceTypeOf(os, lib?.platform ?? '', ua);
  for (const [pattern, display, family] of IN_APP) {
    if (pattern.test(ua))
      return { kind: 'browser', browser: display, os, deviceType, browserFamily: family, osFamily };
  }
  if (!known) {
    return { kind: 'unknown', browser: UNKNOWN_BROWSER, os, deviceType, browserFamily: token, osFamily };
  }
  const [display, family] = libraryName(libraryBrowser);
  const browser = family === 'chrome' && HEADLESS_CHROME.test(ua) ? 'Headless Chrome' : display;
  return { kind: 'browser', browser, os, deviceType, browserFamily: family, osFamily };
}

/** Usable text of one hint header, or `''` (absent, not a string, or absurdly long). */
function hintText(value: unknown): string {
  return typeof value === 'string' && value.length <= MAX_HINT_LENGTH ? value.trim() : '';
}

/** The first brand in Sec-CH-UA that names a specific Chromium-based browser; `null` if none. */
function brandFromHints(brands: string): string | null {
  if (brands === '') return null;
  let seen = 0;
  for (const m of brands.matchAll(BRAND_ITEM)) {
    const name = BRAND_NAMES.get((m[1] ?? '').trim());
    if (name !== undefined) return name;
    if (++seen >= MAX_BRANDS) break;
  }
  return null;
}

/** The display name of a Sec-CH-UA-Platform value (a quoted sf-string, or tolerated bare); `null` if unknown. */
function platformFromHint(platform: string): string | null {
  const text = QUOTED_PLATFORM.exec(platform)?.[1] ?? (BARE_PLATFORM.test(platform) ? platform : '');
  return PLATFORMS.get(text.trim()) ?? null;
}

function deviceNameOf(browser: string, os: string | null): string {
  return os === null ? browser : `${browser} on ${os}`;
}

/**
 * Lets Client Hints refine the display fields of a browser's result: a brand naming a Chromium-based browser
 * whose UA is Chrome's (Brave, Vivaldi, ...), a platform the UA leaves unknown or generic (Linux → Android or
 * ChromeOS, macOS → iPad), and `?1` for mobile. Hints never override a contradicting UA, and never change the
 * families.
 */
function refine(base: UaOnly, brands: string, mobile: string, platform: string): UserAgentInfo {
  let { browser, os, deviceType } = base;
  if (base.kind === 'browser') {
    if (base.browserFamily === 'chrome') browser = brandFromHints(brands) ?? browser;
    const hinted = platformFromHint(platform);
    if (hinted !== null) {
      if (os === null && hinted !== 'iOS') {
        os = hinted;
      } else if (os === 'Linux' && hinted === 'Android') {
        // Android's "Desktop site" (the default on large tablets) sends a desktop Linux UA.
        os = 'Android';
        deviceType = mobile === '?1' ? 'mobile' : 'tablet';
      } else if (os === 'Linux' && hinted === 'ChromeOS') {
        os = 'ChromeOS';
      } else if (os === 'macOS' && hinted === 'iOS') {
        os = 'iPad';
        deviceType = 'tablet';
      }
    }
    if (mobile === '?1' && deviceType === 'desktop') deviceType = 'mobile';
  }
  return Object.freeze({
    browser,
    os,
    deviceName: deviceNameOf(browser, os),
    deviceType,
    browserFamily: base.browserFamily,
    osFamily: base.osFamily,
  });
}

/**
 * Parses a User-Agent (with the `bowser` library plus rules for in-app browsers, bots and HTTP tools) into the
 * name shown in a devices list and the stable browser/OS families used by the session fingerprint.
 *
 * The families come from the User-Agent alone, so two requests with the same UA get the same families whatever
 * Client Hints they carry; hints only improve `browser`, `os`, `deviceName` and `deviceType`. Never throws:
 * non-string input and an empty UA give "Unknown browser" with empty families. Results are cached (at most
 * 1000, least recently used dropped; very long inputs are not cached) and returned frozen, so repeated calls
 * with the same input return the same object.
 */
export function parseUserAgent(userAgent: string, hints?: ClientHints): UserAgentInfo {
  const ua = typeof userAgent === 'string' ? userAgent : '';
  if (ua.trim() === '') return EMPTY;
  const h: Partial<Record<keyof ClientHints, unknown>> =
    typeof hints === 'object' && hints !== null ? hints : {};
  const brands = hintText(h.brands);
  const mobile = hintText(h.mobile);
  const platform = hintText(h.platform);
  const key = `${ua}\u0000${brands}\u0000${mobile}\u0000${platform}`;
  const hit = cache.get(key);
  if (hit !== undefined) {
    // Re-insert so the Map's insertion order is least-recently-used first.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const info = refine(parseUaOnly(ua), brands, mobile, platform);
  if (key.length <= MAX_CACHED_KEY_LENGTH) {
    if (cache.size >= CACHE_LIMIT) {
      const oldest = cache.keys().next();
      if (oldest.done !== true) cache.delete(oldest.value);
    }
    cache.set(key, info);
  }
  return info;
}
