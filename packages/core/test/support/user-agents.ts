/**
 * Corpus of real User-Agent strings (and, where the browser sends them, its low-entropy Client Hints) from
 * browsers, apps, bots and tools in use in 2025–2026, with the answer a person would give when looking at the
 * device. The expected values were written by hand, not copied from any parser's output.
 */
import type { ClientHints, DeviceType } from '../../src/user-agent.js';

/** One corpus entry: what a person would call the device, and the families the fingerprint must use. */
export interface UserAgentCase {
  /** The User-Agent header exactly as the client sends it. */
  ua: string;
  /** The low-entropy Client Hints the client sends with it over HTTPS (Chromium-based browsers only). */
  hints?: ClientHints;
  /** What a person would call this device. */
  deviceName: string;
  /** What kind of device a person would say it is. */
  deviceType: DeviceType;
  /** Expected stable browser family. */
  browserFamily: string;
  /** Expected stable OS family. */
  osFamily: string;
  /** What this entry covers. */
  note?: string;
  /**
   * Present when the request does not carry enough information to give the person's answer (the UA is
   * byte-for-byte another browser's or platform's): what the parser must say instead, and why. Such entries count
   * as misses in the hit rate, but the tests pin the documented fallback so a change is noticed.
   */
  limitation?: { deviceName: string; deviceType: DeviceType; why: string };
}

/** A pair of User-Agents from one browser on one device, before and after an update. */
export interface UserAgentPair {
  /** What changes between the two. */
  name: string;
  a: { ua: string; hints?: ClientHints };
  b: { ua: string; hints?: ClientHints };
}

/** A pair of User-Agents that must not share a fingerprint, and which family tells them apart. */
export interface DifferentPair extends UserAgentPair {
  /** The family that must differ (the other may be equal). */
  differs: 'browser' | 'os' | 'both';
}

// Low-entropy Client Hints as current Chromium-based browsers send them (the GREASE brand varies by version).
const CHROME_138_BRANDS = '"Not)A;Brand";v="8", "Chromium";v="138", "Google Chrome";v="138"';
const EDGE_140_BRANDS = '"Chromium";v="140", "Not=A?Brand";v="24", "Microsoft Edge";v="140"';
const OPERA_119_BRANDS = '"Chromium";v="134", "Not:A-Brand";v="24", "Opera";v="119"';
const BRAVE_138_BRANDS = '"Not)A;Brand";v="8", "Chromium";v="138", "Brave";v="138"';

const WINDOWS_DESKTOP = { mobile: '?0', platform: '"Windows"' } as const;
const MAC_DESKTOP = { mobile: '?0', platform: '"macOS"' } as const;

export const USER_AGENT_CASES: readonly UserAgentCase[] = [
  // ---- Desktop Chromium family -------------------------------------------------------------------------------
  {
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36',
    hints: { brands: CHROME_138_BRANDS, ...WINDOWS_DESKTOP },
    deviceName: 'Chrome on Windows',
    deviceType: 'desktop',
    browserFamily: 'chrome',
    osFamily: 'windows',
    note: 'Chrome 138 reduced UA with hints',
  },
  {
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36',
    deviceName: 'Chrome on Windows',
    deviceType: 'desktop',
    browserFamily: 'chrome',
    osFamily: 'windows',
    note: 'Chrome 141 without hints (plain HTTP or a client that drops them)',
  },
  {
    ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36',
    hints: { brands: CHROME_138_BRANDS, ...MAC_DESKTOP },
    deviceName: 'Chrome on macOS',
    deviceType: 'desktop',
    browserFamily: 'chrome',
    osFamily: 'apple',
  },
  {
    ua: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/137.0.0.0 Safari/537.36',
    hints: {
      brands: '"Google Chrome";v="137", "Chromium";v="137", "Not/A)Brand";v="24"',
      mobile: '?0',
      platform: '"Linux"',
    },
    deviceName: 'Chrome on Linux',
    deviceType: 'desktop',
    browserFamily: 'chrome',
    osFamily: 'linux',
  },
  {
    ua: 'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36',
    hints: {
      brands: '"Not;A=Brand";v="99", "Google Chrome";v="139", "Chromium";v="139"',
      mobile: '?0',
      platform: '"Chrome OS"',
    },
    deviceName: 'Chrome on ChromeOS',
    deviceType: 'desktop',
    browserFamily: 'chrome',
    osFamily: 'chromeos',
    note: 'Chromebook; the CrOS build number is frozen in the reduced UA',
  },
  {
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0',
    hints: { brands: EDGE_140_BRANDS, ...WINDOWS_DESKTOP },
    deviceName: 'Edge on Windows',
    deviceType: 'desktop',
    browserFamily: 'edge',
    osFamily: 'windows',
  },
  {
    ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/136.0.0.0 Safari/537.36 Edg/136.0.0.0',
    deviceName: 'Edge on macOS',
    deviceType: 'desktop',
    browserFamily: 'edge',
    osFamily: 'apple',
  },
  {
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36 OPR/119.0.0.0',
    hints: { brands: OPERA_119_BRANDS, ...WINDOWS_DESKTOP },
    deviceName: 'Opera on Windows',
    deviceType: 'desktop',
    browserFamily: 'opera',
    osFamily: 'windows',
  },
  {
    ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/137.0.0.0 Safari/537.36 OPR/121.0.0.0',
    deviceName: 'Opera on macOS',
    deviceType: 'desktop',
    browserFamily: 'opera',
    osFamily: 'apple',
  },
  {
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36',
    hints: { brands: BRAVE_138_BRANDS, ...WINDOWS_DESKTOP },
    deviceName: 'Brave on Windows',
    deviceType: 'desktop',
    browserFamily: 'chrome',
    osFamily: 'windows',
    note: "Brave sends Chrome's UA unchanged; only Sec-CH-UA names it, so the family stays chrome",
  },
  {
    ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36',
    hints: {
      brands: '"Not;A=Brand";v="99", "Brave";v="139", "Chromium";v="139"',
      mobile: '?0',
      platform: '"macOS"',
    },
    deviceName: 'Brave on macOS',
    deviceType: 'desktop',
    browserFamily: 'chrome',
    osFamily: 'apple',
  },
  {
    ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36',
    deviceName: 'Brave on macOS',
    deviceType: 'desktop',
    browserFamily: 'chrome',
    osFamily: 'apple',
    note: 'Brave on a request without Client Hints (plain HTTP)',
    limitation: {
      deviceName: 'Chrome on macOS',
      deviceType: 'desktop',
      why: "Brave's UA is byte-for-byte Chrome's; without Sec-CH-UA nothing names Brave",
    },
  },
  {
    ua: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36',
    deviceName: 'Vivaldi on Linux',
    deviceType: 'desktop',
    browserFamily: 'chrome',
    osFamily: 'linux',
    note: 'Vivaldi 7.x on Linux',
    limitation: {
      deviceName: 'Chrome on Linux',
      deviceType: 'desktop',
      why: "Vivaldi dropped its Vivaldi/ token in 2019 and sends Chrome's UA; nothing in the UA names it",
    },
  },
  // ---- Desktop Firefox and Safari ----------------------------------------------------------------------------
  {
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0',
    deviceName: 'Firefox on Windows',
    deviceType: 'desktop',
    browserFamily: 'firefox',
    osFamily: 'windows',
  },
  {
    ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:143.0) Gecko/20100101 Firefox/143.0',
    deviceName: 'Firefox on macOS',
    deviceType: 'desktop',
    browserFamily: 'firefox',
    osFamily: 'apple',
  },
  {
    ua: 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:141.0) Gecko/20100101 Firefox/141.0',
    deviceName: 'Firefox on Linux',
    deviceType: 'desktop',
    browserFamily: 'firefox',
    osFamily: 'linux',
    note: "Ubuntu's Firefox build",
  },
  {
    ua: 'Mozilla/5.0 (X11; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0',
    deviceName: 'Firefox on Linux',
    deviceType: 'desktop',
    browserFamily: 'firefox',
    osFamily: 'linux',
  },
  {
    ua: 'Mozilla/5.0 (X11; FreeBSD amd64; rv:140.0) Gecko/20100101 Firefox/140.0',
    deviceName: 'Firefox on FreeBSD',
    deviceType: 'desktop',
    browserFamily: 'firefox',
    osFamily: 'bsd',
  },
  {
    ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Safari/605.1.15',
    deviceName: 'Safari on macOS',
    deviceType: 'desktop',
    browserFamily: 'safari',
    osFamily: 'apple',
    note: 'Safari 18.5 on a Mac',
  },
  {
    ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Safari/605.1.15',
    deviceName: 'Safari on macOS',
    deviceType: 'desktop',
    browserFamily: 'safari',
    osFamily: 'apple',
    note: 'Safari 26 on macOS Tahoe (the OS version stays frozen at 10_15_7)',
  },
  // ---- iPhone and iPad ---------------------------------------------------------------------------------------
  {
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1',
    deviceName: 'Safari on iPhone',
    deviceType: 'mobile',
    browserFamily: 'safari',
    osFamily: 'apple',
  },
  {
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Mobile/15E148 Safari/604.1',
    deviceName: 'Safari on iPhone',
    deviceType: 'mobile',
    browserFamily: 'safari',
    osFamily: 'apple',
    note: 'iOS 26: the OS version in the UA is frozen at 18_6',
  },
  {
    ua: 'Mozilla/5.0 (iPad; CPU OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1',
    deviceName: 'Safari on iPad',
    deviceType: 'tablet',
    browserFamily: 'safari',
    osFamily: 'apple',
    note: 'iPad with "Request Mobile Website"',
  },
  {
    ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Safari/605.1.15',
    deviceName: 'Safari on iPad',
    deviceType: 'tablet',
    browserFamily: 'safari',
    osFamily: 'apple',
    note: 'iPad in its default desktop mode',
    limitation: {
      deviceName: 'Safari on macOS',
      deviceType: 'desktop',
      why: "iPadOS Safari sends the Mac's UA byte for byte and no Client Hints; only client-side touch checks can tell",
    },
  },
  {
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/138.0.7204.119 Mobile/15E148 Safari/604.1',
    deviceName: 'Chrome on iPhone',
    deviceType: 'mobile',
    browserFamily: 'chrome',
    osFamily: 'apple',
  },
  {
    ua: 'Mozilla/5.0 (iPad; CPU OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/138.0.7204.119 Mobile/15E148 Safari/604.1',
    deviceName: 'Chrome on iPad',
    deviceType: 'tablet',
    browserFamily: 'chrome',
    osFamily: 'apple',
  },
  {
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/140.0 Mobile/15E148 Safari/605.1.15',
    deviceName: 'Firefox on iPhone',
    deviceType: 'mobile',
    browserFamily: 'firefox',
    osFamily: 'apple',
  },
  {
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 EdgiOS/138.3351.77 Mobile/15E148 Safari/605.1.15',
    deviceName: 'Edge on iPhone',
    deviceType: 'mobile',
    browserFamily: 'edge',
    osFamily: 'apple',
  },
  {
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1 Ddg/18.5',
    deviceName: 'DuckDuckGo on iPhone',
    deviceType: 'mobile',
    browserFamily: 'duckduckgo',
    osFamily: 'apple',
  },
  // ---- Android -----------------------------------------------------------------------------------------------
  {
    ua: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Mobile Safari/537.36',
    hints: { brands: CHROME_138_BRANDS, mobile: '?1', platform: '"Android"' },
    deviceName: 'Chrome on Android',
    deviceType: 'mobile',
    browserFamily: 'chrome',
    osFamily: 'linux',
    note: 'Chrome on an Android phone (reduced UA: "Android 10; K" is frozen)',
  },
  {
    ua: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36',
    hints: { brands: CHROME_138_BRANDS, mobile: '?0', platform: '"Android"' },
    deviceName: 'Chrome on Android',
    deviceType: 'tablet',
    browserFamily: 'chrome',
    osFamily: 'linux',
    note: 'Chrome on an Android tablet: no "Mobile" token',
  },
  {
    ua: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36',
    deviceName: 'Chrome on Android',
    deviceType: 'mobile',
    browserFamily: 'chrome',
    osFamily: 'linux',
    note: 'Chrome on an Android phone with "Desktop site" ticked, on a request without hints',
    limitation: {
      deviceName: 'Chrome on Linux',
      deviceType: 'desktop',
      why: "Android's desktop mode sends desktop Linux Chrome's UA; only Sec-CH-UA-Platform would say Android",
    },
  },
  {
    ua: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/28.0 Chrome/130.0.0.0 Mobile Safari/537.36',
    deviceName: 'Samsung Internet on Android',
    deviceType: 'mobile',
    browserFamily: 'samsung',
    osFamily: 'linux',
  },
  {
    ua: 'Mozilla/5.0 (Linux; Android 15; SM-S931B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/27.0 Chrome/125.0.0.0 Mobile Safari/537.36',
    deviceName: 'Samsung Internet on Android',
    deviceType: 'mobile',
    browserFamily: 'samsung',
    osFamily: 'linux',
    note: 'Galaxy S25; Samsung Internet still sends the model',
  },
  {
    ua: 'Mozilla/5.0 (Android 15; Mobile; rv:143.0) Gecko/143.0 Firefox/143.0',
    deviceName: 'Firefox on Android',
    deviceType: 'mobile',
    browserFamily: 'firefox',
    osFamily: 'linux',
  },
  {
    ua: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/135.0.0.0 Mobile Safari/537.36 OPR/89.0.0.0',
    deviceName: 'Opera on Android',
    deviceType: 'mobile',
    browserFamily: 'opera',
    osFamily: 'linux',
  },
  {
    ua: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Mobile Safari/537.36 EdgA/138.0.0.0',
    deviceName: 'Edge on Android',
    deviceType: 'mobile',
    browserFamily: 'edge',
    osFamily: 'linux',
  },
  // ---- In-app browsers ---------------------------------------------------------------------------------------
  {
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 385.0.0.26.84 (iPhone16,2; iOS 18_5; en_US; en; scale=3.00; 1290x2796; 745826353; IABMV/1)',
    deviceName: 'Instagram on iPhone',
    deviceType: 'mobile',
    browserFamily: 'instagram',
    osFamily: 'apple',
  },
  {
    ua: 'Mozilla/5.0 (Linux; Android 14; SM-S918B Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/138.0.7204.157 Mobile Safari/537.36 Instagram 390.0.0.43.81 Android (34/14; 480dpi; 1080x2340; samsung; SM-S918B; dm3q; qcom; en_US; 759482102)',
    deviceName: 'Instagram on Android',
    deviceType: 'mobile',
    browserFamily: 'instagram',
    osFamily: 'linux',
  },
  {
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/520.0.0.38.101;FBBV/745563612;FBDV/iPhone15,3;FBMD/iPhone;FBSN/iOS;FBSV/18.5;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5;FBRV/747172349;IABMV/1]',
    deviceName: 'Facebook on iPhone',
    deviceType: 'mobile',
    browserFamily: 'facebook',
    osFamily: 'apple',
  },
  {
    ua: 'Mozilla/5.0 (Linux; Android 15; Pixel 8 Build/BP1A.250505.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/137.0.7151.115 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/517.0.0.44.109;]',
    deviceName: 'Facebook on Android',
    deviceType: 'mobile',
    browserFamily: 'facebook',
    osFamily: 'linux',
  },
  {
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_40.2.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/en Region/US isDarkMode/1 WKWebView/1 RevealType/Dialog BytedanceWebview/d8a21c6',
    deviceName: 'TikTok on iPhone',
    deviceType: 'mobile',
    browserFamily: 'tiktok',
    osFamily: 'apple',
  },
  {
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [LinkedInApp]/9.31.1522',
    deviceName: 'LinkedIn on iPhone',
    deviceType: 'mobile',
    browserFamily: 'linkedin',
    osFamily: 'apple',
  },
  // ---- Bots --------------------------------------------------------------------------------------------------
  {
    ua: 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/138.0.7204.183 Safari/537.36',
    deviceName: 'Googlebot',
    deviceType: 'desktop',
    browserFamily: 'googlebot',
    osFamily: '',
    note: 'Googlebot desktop (evergreen Chrome)',
  },
  {
    ua: 'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.7204.183 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    deviceName: 'Googlebot',
    deviceType: 'mobile',
    browserFamily: 'googlebot',
    osFamily: '',
    note: 'Googlebot smartphone: a crawler, not an Android device, but it renders as a phone',
  },
  {
    ua: 'Googlebot/2.1 (+http://www.google.com/bot.html)',
    deviceName: 'Googlebot',
    deviceType: 'desktop',
    browserFamily: 'googlebot',
    osFamily: '',
  },
  {
    ua: 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36',
    deviceName: 'Bingbot',
    deviceType: 'desktop',
    browserFamily: 'bingbot',
    osFamily: '',
  },
  // ---- Tools and libraries -----------------------------------------------------------------------------------
  {
    ua: 'curl/8.14.1',
    deviceName: 'curl',
    deviceType: 'desktop',
    browserFamily: 'curl',
    osFamily: '',
  },
  {
    ua: 'Wget/1.25.0',
    deviceName: 'Wget',
    deviceType: 'desktop',
    browserFamily: 'wget',
    osFamily: '',
  },
  {
    ua: 'python-requests/2.32.4',
    deviceName: 'python-requests',
    deviceType: 'desktop',
    browserFamily: 'python-requests',
    osFamily: '',
  },
  {
    ua: 'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)',
    deviceName: 'node-fetch',
    deviceType: 'desktop',
    browserFamily: 'node-fetch',
    osFamily: '',
    note: 'node-fetch 2.x',
  },
  {
    ua: 'node',
    deviceName: 'Node.js',
    deviceType: 'desktop',
    browserFamily: 'node',
    osFamily: '',
    note: "Node 20+ built-in fetch (undici) sends just 'node'",
  },
  {
    ua: 'undici',
    deviceName: 'undici',
    deviceType: 'desktop',
    browserFamily: 'undici',
    osFamily: '',
    note: 'Node 18 built-in fetch / undici 5',
  },
  {
    ua: 'axios/1.11.0',
    deviceName: 'axios',
    deviceType: 'desktop',
    browserFamily: 'axios',
    osFamily: '',
  },
  {
    ua: 'PostmanRuntime/7.44.1',
    deviceName: 'Postman',
    deviceType: 'desktop',
    browserFamily: 'postmanruntime',
    osFamily: '',
  },
  {
    ua: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/139.0.7258.5 Safari/537.36',
    deviceName: 'Headless Chrome on Linux',
    deviceType: 'desktop',
    browserFamily: 'chrome',
    osFamily: 'linux',
    note: "Playwright's Chromium",
  },
  // ---- Empty and unrecognised --------------------------------------------------------------------------------
  {
    ua: '',
    deviceName: 'Unknown browser',
    deviceType: 'desktop',
    browserFamily: '',
    osFamily: '',
  },
  {
    ua: 'Mozilla/5.0 (test)',
    deviceName: 'Unknown browser',
    deviceType: 'desktop',
    browserFamily: 'mozilla',
    osFamily: '',
  },
];

/** Same browser family and OS family before and after an update: the fingerprint families must not change. */
export const SAME_FAMILY_PAIRS: readonly UserAgentPair[] = [
  {
    name: 'Chrome 131 → 132 on macOS',
    a: {
      ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    },
    b: {
      ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Safari/537.36',
    },
  },
  {
    name: 'Chrome full UA (130) → reduced UA (131) on Windows',
    a: {
      ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.117 Safari/537.36',
    },
    b: {
      ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    },
  },
  {
    name: 'Chrome on Android: full UA with model → reduced "Android 10; K"',
    a: {
      ua: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.104 Mobile Safari/537.36',
    },
    b: {
      ua: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Mobile Safari/537.36',
    },
  },
  {
    name: 'Chrome on Android → "Desktop site" (Linux UA)',
    a: {
      ua: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Mobile Safari/537.36',
    },
    b: {
      ua: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36',
    },
  },
  {
    name: 'Firefox 132 → 133 on Windows',
    a: { ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0' },
    b: { ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0' },
  },
  {
    name: 'Firefox 142 → 143 on Android',
    a: { ua: 'Mozilla/5.0 (Android 15; Mobile; rv:142.0) Gecko/142.0 Firefox/142.0' },
    b: { ua: 'Mozilla/5.0 (Android 15; Mobile; rv:143.0) Gecko/143.0 Firefox/143.0' },
  },
  {
    name: 'iOS Safari 17.6 → 18.0 on iPhone',
    a: {
      ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
    },
    b: {
      ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1',
    },
  },
  {
    name: 'iOS Safari 18.6 → 26.0 on iPhone (OS version frozen)',
    a: {
      ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1',
    },
    b: {
      ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Mobile/15E148 Safari/604.1',
    },
  },
  {
    name: 'macOS Safari 18.5 → 26.0',
    a: {
      ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Safari/605.1.15',
    },
    b: {
      ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Safari/605.1.15',
    },
  },
  {
    name: 'iPad Safari: mobile website → desktop mode (Mac UA)',
    a: {
      ua: 'Mozilla/5.0 (iPad; CPU OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1',
    },
    b: {
      ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Safari/605.1.15',
    },
  },
  {
    name: 'Edge 130 → 131 on Windows',
    a: {
      ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0',
    },
    b: {
      ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
    },
  },
  {
    name: 'Samsung Internet 26 → 27 on Android',
    a: {
      ua: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36',
    },
    b: {
      ua: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/27.0 Chrome/125.0.0.0 Mobile Safari/537.36',
    },
  },
  {
    name: 'Chrome on iPhone 137 → 138',
    a: {
      ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/137.0.7151.107 Mobile/15E148 Safari/604.1',
    },
    b: {
      ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/138.0.7204.119 Mobile/15E148 Safari/604.1',
    },
  },
  {
    name: 'Instagram app update on iPhone',
    a: {
      ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 384.0.0.46.83 (iPhone16,2; iOS 18_5; en_US; en; scale=3.00; 1290x2796; 744055532; IABMV/1)',
    },
    b: {
      ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 385.0.0.26.84 (iPhone16,2; iOS 18_5; en_US; en; scale=3.00; 1290x2796; 745826353; IABMV/1)',
    },
  },
  {
    name: 'curl 8.11 → 8.14',
    a: { ua: 'curl/8.11.1' },
    b: { ua: 'curl/8.14.1' },
  },
];

/** Different browsers or OSes: the fingerprint families must tell them apart. */
export const DIFFERENT_FAMILY_PAIRS: readonly DifferentPair[] = [
  {
    name: 'Chrome vs Firefox on Windows',
    differs: 'browser',
    a: {
      ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36',
    },
    b: { ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0' },
  },
  {
    name: 'Chrome vs Edge on Windows',
    differs: 'browser',
    a: {
      ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36',
    },
    b: {
      ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0',
    },
  },
  {
    name: 'Chrome vs Opera on Windows',
    differs: 'browser',
    a: {
      ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36',
    },
    b: {
      ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36 OPR/119.0.0.0',
    },
  },
  {
    name: 'Chrome vs Safari on macOS',
    differs: 'browser',
    a: {
      ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36',
    },
    b: {
      ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Safari/605.1.15',
    },
  },
  {
    name: 'Firefox vs Safari on macOS',
    differs: 'browser',
    a: { ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:143.0) Gecko/20100101 Firefox/143.0' },
    b: {
      ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Safari/605.1.15',
    },
  },
  {
    name: 'Safari vs Chrome on iPhone',
    differs: 'browser',
    a: {
      ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1',
    },
    b: {
      ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/138.0.7204.119 Mobile/15E148 Safari/604.1',
    },
  },
  {
    name: 'Safari vs Firefox on iPhone',
    differs: 'browser',
    a: {
      ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1',
    },
    b: {
      ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/140.0 Mobile/15E148 Safari/605.1.15',
    },
  },
  {
    name: 'Chrome vs Samsung Internet on Android',
    differs: 'browser',
    a: {
      ua: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Mobile Safari/537.36',
    },
    b: {
      ua: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/28.0 Chrome/130.0.0.0 Mobile Safari/537.36',
    },
  },
  {
    name: 'Instagram in-app vs Safari on iPhone',
    differs: 'browser',
    a: {
      ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 385.0.0.26.84 (iPhone16,2; iOS 18_5; en_US; en; scale=3.00; 1290x2796; 745826353; IABMV/1)',
    },
    b: {
      ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1',
    },
  },
  {
    name: 'Chrome on Windows vs Chrome on macOS',
    differs: 'os',
    a: {
      ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36',
    },
    b: {
      ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36',
    },
  },
  {
    name: 'Chrome on macOS vs Chrome on Linux',
    differs: 'os',
    a: {
      ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36',
    },
    b: {
      ua: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36',
    },
  },
  {
    name: 'Chrome on Linux vs Chrome on ChromeOS',
    differs: 'os',
    a: {
      ua: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36',
    },
    b: {
      ua: 'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36',
    },
  },
  {
    name: 'Chrome on Android vs Chrome on iPhone',
    differs: 'os',
    a: {
      ua: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Mobile Safari/537.36',
    },
    b: {
      ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/138.0.7204.119 Mobile/15E148 Safari/604.1',
    },
  },
  {
    name: 'Firefox on Windows vs Safari on iPhone',
    differs: 'both',
    a: { ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0' },
    b: {
      ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1',
    },
  },
  {
    name: 'curl vs python-requests',
    differs: 'browser',
    a: { ua: 'curl/8.14.1' },
    b: { ua: 'python-requests/2.32.4' },
  },
  {
    name: 'Chrome on Windows vs curl',
    differs: 'both',
    a: {
      ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36',
    },
    b: { ua: 'curl/8.14.1' },
  },
];
