import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DIFFERENT_FAMILY_PAIRS,
  SAME_FAMILY_PAIRS,
  USER_AGENT_CASES,
  type UserAgentCase,
} from '../test/support/user-agents.js';
import { type ClientHints, parseUserAgent, type UserAgentInfo } from './user-agent.js';

const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36';
const CHROME_LINUX =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36';
const SAFARI_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Safari/605.1.15';
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0';
const BRAVE_BRANDS = '"Not)A;Brand";v="8", "Chromium";v="138", "Brave";v="138"';

/** A spread of hints, well-formed and not, that must never change the families. */
const HINT_VARIANTS: readonly ClientHints[] = [
  {},
  { brands: BRAVE_BRANDS, mobile: '?0', platform: '"Windows"' },
  { brands: '"Opera";v="119", "Chromium";v="134"', mobile: '?1', platform: '"Android"' },
  { brands: '"Microsoft Edge";v="140"', platform: '"iOS"' },
  { platform: '"macOS"' },
  { platform: '"Linux"', mobile: '?1' },
  { platform: '"Chrome OS"' },
  { brands: '"Brave', mobile: 'yes', platform: 'Windows' },
  { brands: 'x'.repeat(5000), platform: '"'.repeat(40) },
];

function families(info: UserAgentInfo): [string, string] {
  return [info.browserFamily, info.osFamily];
}

function expectWellFormed(info: UserAgentInfo): void {
  expect(typeof info.browser).toBe('string');
  expect(info.browser.length).toBeGreaterThan(0);
  expect(info.os === null || (typeof info.os === 'string' && info.os.length > 0)).toBe(true);
  expect(info.deviceName).toBe(info.os === null ? info.browser : `${info.browser} on ${info.os}`);
  expect(info.deviceName).not.toContain('Unknown on Unknown');
  expect(['desktop', 'mobile', 'tablet']).toContain(info.deviceType);
  expect(info.browserFamily).toBe(info.browserFamily.toLowerCase());
  expect(info.browserFamily.length).toBeLessThanOrEqual(64);
  expect(['apple', 'windows', 'linux', 'chromeos', 'bsd', '']).toContain(info.osFamily);
}

describe('parseUserAgent: corpus', () => {
  const rows = USER_AGENT_CASES.map((c, i): [string, UserAgentCase] => [
    `#${i + 1} ${c.deviceName}${c.note === undefined ? '' : ` (${c.note})`}${c.ua === '' ? ' [empty UA]' : ''}`,
    c,
  ]);

  it('has at least 45 entries', () => {
    expect(USER_AGENT_CASES.length).toBeGreaterThanOrEqual(45);
  });

  it.each(rows)('%s', (_name, c) => {
    const info = parseUserAgent(c.ua, c.hints);
    expect({
      deviceName: info.deviceName,
      deviceType: info.deviceType,
      browserFamily: info.browserFamily,
      osFamily: info.osFamily,
    }).toEqual({
      // Where the request cannot carry the person's answer, the documented fallback is pinned instead.
      deviceName: c.limitation?.deviceName ?? c.deviceName,
      deviceType: c.limitation?.deviceType ?? c.deviceType,
      browserFamily: c.browserFamily,
      osFamily: c.osFamily,
    });
    expectWellFormed(info);
  });
});

describe('parseUserAgent: fingerprint families', () => {
  it.each(SAME_FAMILY_PAIRS.map((p) => [p.name, p] as const))('same families: %s', (_name, p) => {
    const a = parseUserAgent(p.a.ua, p.a.hints);
    const b = parseUserAgent(p.b.ua, p.b.hints);
    expect(a.browserFamily).not.toBe('');
    expect(families(b)).toEqual(families(a));
  });

  it.each(DIFFERENT_FAMILY_PAIRS.map((p) => [p.name, p] as const))('different families: %s', (_name, p) => {
    const a = parseUserAgent(p.a.ua, p.a.hints);
    const b = parseUserAgent(p.b.ua, p.b.hints);
    expect(families(a)).not.toEqual(families(b));
    if (p.differs !== 'os') expect(a.browserFamily).not.toBe(b.browserFamily);
    if (p.differs !== 'browser') expect(a.osFamily).not.toBe(b.osFamily);
  });

  it('takes the families from the User-Agent alone, whatever hints come with it', () => {
    for (const c of USER_AGENT_CASES) {
      const expected = families(parseUserAgent(c.ua));
      for (const hints of HINT_VARIANTS) {
        expect(families(parseUserAgent(c.ua, hints)), `${c.ua} with ${JSON.stringify(hints)}`).toEqual(
          expected,
        );
      }
    }
  });
});

describe('parseUserAgent: Client Hints', () => {
  it('names a Chromium-based browser from Sec-CH-UA when the UA is plain Chrome', () => {
    expect(parseUserAgent(CHROME_WINDOWS).deviceName).toBe('Chrome on Windows');
    const brave = parseUserAgent(CHROME_WINDOWS, {
      brands: BRAVE_BRANDS,
      mobile: '?0',
      platform: '"Windows"',
    });
    expect(brave.browser).toBe('Brave');
    expect(brave.deviceName).toBe('Brave on Windows');
    expect(brave.browserFamily).toBe('chrome');
    expect(parseUserAgent(CHROME_WINDOWS, { brands: '"Vivaldi";v="7.5", "Chromium";v="138"' }).browser).toBe(
      'Vivaldi',
    );
    expect(
      parseUserAgent(CHROME_WINDOWS, { brands: '"Google Chrome";v="138", "Chromium";v="138"' }).browser,
    ).toBe('Chrome');
  });

  it('refines a generic platform: Linux → Android (desktop site), macOS → iPad', () => {
    const tablet = parseUserAgent(CHROME_LINUX, { platform: '"Android"', mobile: '?0' });
    expect([tablet.deviceName, tablet.deviceType]).toEqual(['Chrome on Android', 'tablet']);
    const phone = parseUserAgent(CHROME_LINUX, { platform: '"Android"', mobile: '?1' });
    expect([phone.deviceName, phone.deviceType]).toEqual(['Chrome on Android', 'mobile']);
    expect(parseUserAgent(CHROME_LINUX, { platform: '"Chrome OS"' }).deviceName).toBe('Chrome on ChromeOS');
    const ipad = parseUserAgent(SAFARI_MAC, { platform: '"iOS"' });
    expect([ipad.deviceName, ipad.deviceType]).toEqual(['Safari on iPad', 'tablet']);
    expect(families(ipad)).toEqual(families(parseUserAgent(SAFARI_MAC)));
  });

  it('marks Sec-CH-UA-Mobile ?1 as mobile', () => {
    expect(parseUserAgent(CHROME_LINUX, { mobile: '?1' }).deviceType).toBe('mobile');
    expect(parseUserAgent(CHROME_LINUX, { mobile: '?0' }).deviceType).toBe('desktop');
  });

  it('never lets hints contradict the UA', () => {
    const firefox = parseUserAgent(FIREFOX_WINDOWS, { brands: BRAVE_BRANDS, platform: '"macOS"' });
    expect(firefox.deviceName).toBe('Firefox on Windows');
    expect(parseUserAgent(CHROME_WINDOWS, { platform: '"Linux"' }).deviceName).toBe('Chrome on Windows');
    const edge = `${CHROME_WINDOWS} Edg/138.0.0.0`;
    expect(parseUserAgent(edge, { brands: BRAVE_BRANDS }).deviceName).toBe('Edge on Windows');
    expect(
      parseUserAgent('curl/8.14.1', { brands: BRAVE_BRANDS, platform: '"Windows"', mobile: '?1' }),
    ).toEqual(parseUserAgent('curl/8.14.1'));
    expect(parseUserAgent('', { brands: BRAVE_BRANDS, platform: '"Windows"' }).deviceName).toBe(
      'Unknown browser',
    );
  });

  it('reads structured-header values defensively', () => {
    const malformed: ClientHints[] = [
      { brands: '"Brave' },
      { brands: '"Brave";v=' },
      { brands: 'Brave;v="1"' },
      { brands: '"\\"Brave\\"";v="1"' },
      { brands: ';;;,,,"";v=""' },
      { brands: Array.from({ length: 10_000 }, (_, i) => `"B${i}";v="1"`).join(', ') },
      { platform: '"Windows' },
      { platform: 'Windows"' },
      { platform: '"Android"; x=1' },
      { mobile: '?2' },
    ];
    for (const hints of malformed) {
      const info = parseUserAgent(CHROME_WINDOWS, hints);
      expect(info.deviceName, JSON.stringify(hints).slice(0, 80)).toBe('Chrome on Windows');
      expect(info.deviceType).toBe('desktop');
    }
    // A bare (unquoted) platform token is tolerated.
    expect(parseUserAgent(CHROME_LINUX, { platform: 'Android' }).os).toBe('Android');
  });
});

describe('parseUserAgent: hostile input', () => {
  it('gives the empty-UA answer for non-string input', () => {
    const empty = parseUserAgent('');
    expect(empty).toEqual({
      browser: 'Unknown browser',
      os: null,
      deviceName: 'Unknown browser',
      deviceType: 'desktop',
      browserFamily: '',
      osFamily: '',
    });
    for (const bad of [undefined, null, 42, {}, [], Symbol('ua'), () => 'ua']) {
      expect(parseUserAgent(bad as unknown as string)).toEqual(empty);
    }
    for (const hints of [null, 'Brave', 42, [], { brands: 7, mobile: {}, platform: null }]) {
      expect(parseUserAgent(CHROME_WINDOWS, hints as unknown as ClientHints).deviceName).toBe(
        'Chrome on Windows',
      );
    }
  });

  it('handles a 1 MB User-Agent and 1 MB hints quickly', () => {
    const mb = 1 << 20;
    const inputs = [
      'a'.repeat(mb),
      `${CHROME_WINDOWS} ${'x/1 '.repeat(mb / 4)}`,
      `Mozilla/5.0 (${'; '.repeat(mb / 2)}`,
      'chrome/'.concat('1.'.repeat(mb / 2), '_'),
      'opt/'.concat('1a'.repeat(mb / 2)),
      '('.repeat(mb),
      `${'/'.repeat(mb)} (`,
      ' '.repeat(mb),
    ];
    for (const ua of inputs) {
      const started = performance.now();
      const info = parseUserAgent(ua, {
        brands: '"'.repeat(mb),
        mobile: '?1'.repeat(mb / 2),
        platform: 'x'.repeat(mb),
      });
      // A guard against super-linear parsing (a backtracking regex takes hours on 1 MB), not a speed test: linear
      // parsing takes milliseconds, and a loaded CI machine must not fail it.
      expect(performance.now() - started).toBeLessThan(10_000);
      expectWellFormed(info);
    }
  });

  it('handles control characters, NULs, lone surrogates and non-ASCII', () => {
    const inputs = [
      '\u0000',
      'Mozilla/5.0\u0000(Windows NT 10.0)\r\n\tChrome/1',
      `${CHROME_WINDOWS}\u0000\u0007\u001b[31m`,
      '\ud800Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X)\udfff',
      'Мозилла/5.0 (Линукс) 🦊/1.0',
      '\u202eMozilla/5.0',
    ];
    for (const ua of inputs) {
      expectWellFormed(parseUserAgent(ua, { brands: '\u0000"Brave"\u0000;v="1"', platform: '"\r\n"' }));
    }
  });

  it('never throws and always answers well-formed (property)', () => {
    const ua = fc.oneof(
      fc.string({ maxLength: 400 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc
        .tuple(
          fc.constantFrom(...USER_AGENT_CASES.map((c) => c.ua)),
          fc.string({ maxLength: 40 }),
          fc.nat(400),
        )
        .map(([base, junk, at]) => base.slice(0, at) + junk + base.slice(at)),
    );
    const hint = fc.option(
      fc.oneof(fc.string({ maxLength: 120 }), fc.constantFrom('?1', '?0', '"Android"', '"iOS"')),
      {
        nil: undefined,
      },
    );
    fc.assert(
      fc.property(ua, hint, hint, hint, (u, brands, mobile, platform) => {
        const info = parseUserAgent(u, { brands, mobile, platform });
        expectWellFormed(info);
        expect(families(info)).toEqual(families(parseUserAgent(u)));
      }),
      { numRuns: Number(process.env.SESS_FC_RUNS ?? 300) },
    );
  });
});

describe('parseUserAgent: cache', () => {
  it('returns the same frozen answer for the same input', () => {
    const hints = { brands: BRAVE_BRANDS, mobile: '?0', platform: '"Windows"' };
    const first = parseUserAgent(CHROME_WINDOWS, hints);
    expect(parseUserAgent(CHROME_WINDOWS, { ...hints })).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    // Different hints are a different entry, with the same families.
    const plain = parseUserAgent(CHROME_WINDOWS);
    expect(plain).not.toBe(first);
    expect(plain.deviceName).toBe('Chrome on Windows');
  });

  it('stays bounded: keeps 1000 entries, dropping the least recently used', () => {
    const kept = `${FIREFOX_WINDOWS} kept`;
    const dropped = `${FIREFOX_WINDOWS} dropped`;
    const keptInfo = parseUserAgent(kept);
    const droppedInfo = parseUserAgent(dropped);
    const fillers: UserAgentInfo[] = [];
    for (let i = 0; i < 1500; i++) {
      fillers.push(parseUserAgent(`${FIREFOX_WINDOWS} filler-${i}`));
      if (i % 100 === 0) expect(parseUserAgent(kept)).toBe(keptInfo);
    }
    expect(parseUserAgent(kept)).toBe(keptInfo);
    const again = parseUserAgent(dropped);
    expect(again).not.toBe(droppedInfo);
    expect(again).toEqual(droppedInfo);
    // The oldest fillers are gone, the newest are still there.
    expect(parseUserAgent(`${FIREFOX_WINDOWS} filler-0`)).not.toBe(fillers[0]);
    expect(parseUserAgent(`${FIREFOX_WINDOWS} filler-1499`)).toBe(fillers[1499]);
  });

  it('does not cache very long inputs', () => {
    const long = `${CHROME_WINDOWS} ${'x'.repeat(3000)}`;
    const a = parseUserAgent(long);
    const b = parseUserAgent(long);
    expect(b).not.toBe(a);
    expect(b).toEqual(a);
  });
});
