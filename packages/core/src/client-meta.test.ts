import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { clientIp, parseTrustedProxies, type RequestInfo } from './client-ip.js';
import { buildSessionMeta, parseDevice } from './client-meta.js';
import { SessionError } from './errors.js';
import { checkFingerprint, DEFAULT_FINGERPRINT_HEADERS, requestFingerprint } from './fingerprint.js';

function request(headers: Record<string, string>, remoteAddress?: string): RequestInfo {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    header: (name) => lower.get(name.toLowerCase()),
    ...(remoteAddress === undefined ? {} : { remoteAddress }),
  };
}

const NONE = parseTrustedProxies([]);
const LB = parseTrustedProxies(['10.0.0.0/8']);

describe('parseTrustedProxies', () => {
  it('matches IPv4 CIDRs and treats a bare address as /32', () => {
    const t = parseTrustedProxies(['10.0.0.0/8', '192.168.1.7', '172.16.0.0/12']);
    expect(t.size).toBe(3);
    expect(t.contains('10.255.1.2')).toBe(true);
    expect(t.contains('11.0.0.1')).toBe(false);
    expect(t.contains('192.168.1.7')).toBe(true);
    expect(t.contains('192.168.1.8')).toBe(false);
    expect(t.contains('172.31.255.255')).toBe(true);
    expect(t.contains('172.32.0.0')).toBe(false);
  });

  it('matches IPv6 CIDRs in any textual form', () => {
    const t = parseTrustedProxies(['2001:db8::/32', '::1/128']);
    expect(t.contains('2001:db8:ffff::1')).toBe(true);
    expect(t.contains('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe(true);
    expect(t.contains('[2001:db8::1]:443')).toBe(true);
    expect(t.contains('2001:db9::1')).toBe(false);
    expect(t.contains('::1')).toBe(true);
    expect(t.contains('::2')).toBe(false);
    expect(t.contains('10.0.0.1')).toBe(false);
  });

  it('matches an IPv4-mapped IPv6 address against an IPv4 CIDR and vice versa', () => {
    expect(LB.contains('::ffff:10.0.0.1')).toBe(true);
    expect(LB.contains('::ffff:a00:1')).toBe(true);
    expect(LB.contains('::ffff:11.0.0.1')).toBe(false);
    const mapped = parseTrustedProxies(['::ffff:10.0.0.1', '::ffff:192.168.0.0/112']);
    expect(mapped.contains('10.0.0.1')).toBe(true);
    expect(mapped.contains('192.168.44.1')).toBe(true);
    expect(mapped.contains('192.169.0.1')).toBe(false);
  });

  it('ignores host bits and handles non-byte-aligned prefixes', () => {
    const t = parseTrustedProxies(['10.1.2.3/8', '192.168.0.0/23', '2001:db8:8000::/33']);
    expect(t.contains('10.9.9.9')).toBe(true);
    expect(t.contains('192.168.1.255')).toBe(true);
    expect(t.contains('192.168.2.0')).toBe(false);
    expect(t.contains('2001:db8:ffff::1')).toBe(true);
    expect(t.contains('2001:db8:7fff::1')).toBe(false);
  });

  it('keeps 0.0.0.0/0 to IPv4 and ::/0 to everything', () => {
    const v4 = parseTrustedProxies(['0.0.0.0/0']);
    expect(v4.contains('203.0.113.9')).toBe(true);
    expect(v4.contains('2001:db8::1')).toBe(false);
    const all = parseTrustedProxies(['::/0']);
    expect(all.contains('2001:db8::1')).toBe(true);
    expect(all.contains('203.0.113.9')).toBe(true);
  });

  it('does not match garbage addresses', () => {
    expect(LB.contains('')).toBe(false);
    expect(LB.contains('not-an-ip')).toBe(false);
    expect(LB.contains('10.0.0')).toBe(false);
    expect(LB.contains('010.0.0.1')).toBe(false);
  });

  it.each([
    'not-a-cidr',
    '10.0.0.0/33',
    '::/129',
    '10.0.0.0/',
    '10.0.0.0/8/8',
    '10.0.0.0/-1',
    '10.0.0.0/08x',
    '10.0.0.256',
    '',
    '[::1]',
    'fe80::1%eth0/64',
    '10.0.0.1:80',
  ])('rejects the invalid CIDR %j naming trustedProxies and the entry', (entry) => {
    let error: unknown;
    try {
      parseTrustedProxies(['10.0.0.0/8', entry]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SessionError);
    expect((error as SessionError).code).toBe('INVALID_CONFIG');
    expect((error as SessionError).message).toContain('trustedProxies');
    expect((error as SessionError).message).toContain(JSON.stringify(entry));
  });

  it('rejects non-string entries', () => {
    expect(() => parseTrustedProxies([42 as unknown as string])).toThrow(/trustedProxies/);
  });
});

describe('clientIp', () => {
  it('ignores X-Forwarded-For and X-Real-IP when no proxy is trusted', () => {
    const req = request({ 'X-Forwarded-For': '1.2.3.4', 'X-Real-IP': '5.6.7.8' }, '203.0.113.5');
    expect(clientIp(req, NONE)).toBe('203.0.113.5');
  });

  it('ignores X-Forwarded-For and X-Real-IP from an untrusted peer', () => {
    const req = request({ 'X-Forwarded-For': '1.2.3.4', 'X-Real-IP': '5.6.7.8' }, '203.0.113.5');
    expect(clientIp(req, LB)).toBe('203.0.113.5');
  });

  it('normalises the socket address (IPv4-mapped prefix, brackets, zone, port)', () => {
    expect(clientIp(request({}, '::ffff:203.0.113.5'), NONE)).toBe('203.0.113.5');
    expect(clientIp(request({}, '[2001:DB8::1]:8080'), NONE)).toBe('2001:db8::1');
    expect(clientIp(request({}, 'fe80::1%eth0'), NONE)).toBe('fe80::1');
    expect(clientIp(request({}, '203.0.113.5:51234'), NONE)).toBe('203.0.113.5');
  });

  it('returns "unknown" with no socket address and nothing trusted', () => {
    expect(clientIp(request({ 'x-forwarded-for': '1.2.3.4', 'x-real-ip': '5.6.7.8' }), NONE)).toBe('unknown');
    expect(clientIp(request({}, 'garbage'), LB)).toBe('unknown');
  });

  it('walks the forwarding headers when the runtime gives no socket address but proxies are trusted (Next.js)', () => {
    expect(clientIp(request({ 'x-forwarded-for': '203.0.113.9, 10.0.0.7' }), LB)).toBe('203.0.113.9');
    expect(clientIp(request({ 'x-real-ip': '203.0.113.10' }), LB)).toBe('203.0.113.10');
    expect(clientIp(request({ 'x-forwarded-for': 'garbage' }), LB)).toBe('unknown');
  });

  it('walks X-Forwarded-For from the right, skipping trusted hops', () => {
    const req = request({ 'x-forwarded-for': '6.6.6.6, 1.2.3.4, 10.0.0.3, 10.0.0.2' }, '10.0.0.1');
    expect(clientIp(req, LB)).toBe('1.2.3.4');
  });

  it('does not let a client-supplied leftmost X-Forwarded-For entry win', () => {
    const req = request({ 'x-forwarded-for': '127.0.0.1, 198.51.100.7' }, '10.0.0.1');
    expect(clientIp(req, LB)).toBe('198.51.100.7');
  });

  it('reads repeated X-Forwarded-For headers joined by commas', () => {
    const req = request({ 'x-forwarded-for': '1.2.3.4,10.0.0.9, 10.0.0.8' }, '10.0.0.1');
    expect(clientIp(req, LB)).toBe('1.2.3.4');
  });

  it('returns the leftmost hop when every hop is trusted', () => {
    const req = request({ 'x-forwarded-for': '10.0.0.3, 10.0.0.2' }, '10.0.0.1');
    expect(clientIp(req, LB)).toBe('10.0.0.3');
  });

  it('walks IPv6 hops through an IPv6 trusted range', () => {
    const t = parseTrustedProxies(['2001:db8:1::/48']);
    const req = request({ 'x-forwarded-for': '2001:db8:99::5, [2001:db8:1::2]:443' }, '2001:db8:1::1');
    expect(clientIp(req, t)).toBe('2001:db8:99::5');
  });

  it('trusts an IPv4-mapped IPv6 socket address through an IPv4 CIDR', () => {
    const req = request({ 'x-forwarded-for': '::ffff:198.51.100.7' }, '::ffff:10.0.0.1');
    expect(clientIp(req, LB)).toBe('198.51.100.7');
  });

  it('never returns a garbage X-Forwarded-For entry', () => {
    const trustedPeer = '10.0.0.1';
    const cases: [string, string][] = [
      ['<script>alert(1)</script>', '10.0.0.1'],
      ['1.2.3.4, garbage', '10.0.0.1'],
      ['1.2.3.4, garbage, 10.0.0.2', '10.0.0.2'],
      ['1.2.3.4, , 10.0.0.2', '10.0.0.2'],
      ['unknown, 10.0.0.2', '10.0.0.2'],
      ['1.2.3.4;DROP TABLE', '10.0.0.1'],
      ['999.1.1.1', '10.0.0.1'],
      ['', '10.0.0.1'],
    ];
    for (const [xff, expected] of cases) {
      expect(clientIp(request({ 'x-forwarded-for': xff }, trustedPeer), LB), xff).toBe(expected);
    }
  });

  it('falls back to X-Real-IP from a trusted peer when X-Forwarded-For is absent or invalid', () => {
    expect(clientIp(request({ 'x-real-ip': '198.51.100.7' }, '10.0.0.1'), LB)).toBe('198.51.100.7');
    expect(
      clientIp(request({ 'x-forwarded-for': 'junk', 'x-real-ip': '198.51.100.7' }, '10.0.0.1'), LB),
    ).toBe('198.51.100.7');
  });

  it('ignores an invalid X-Real-IP and falls back to the socket address', () => {
    expect(clientIp(request({ 'x-real-ip': '1.2.3.4, 5.6.7.8' }, '10.0.0.1'), LB)).toBe('10.0.0.1');
    expect(clientIp(request({ 'x-real-ip': 'x'.repeat(10_000) }, '10.0.0.1'), LB)).toBe('10.0.0.1');
  });

  it('gives a defined answer for an oversized X-Forwarded-For', () => {
    // A client pads the header; only the trailing window is read, and a cut entry is never returned.
    const padded = `${'9.9.9.9, '.repeat(50_000)}198.51.100.7, 10.0.0.2`;
    expect(clientIp(request({ 'x-forwarded-for': padded }, '10.0.0.1'), LB)).toBe('198.51.100.7');

    const oneHuge = `1${'1'.repeat(100_000)}.2.3.4`;
    expect(clientIp(request({ 'x-forwarded-for': oneHuge }, '10.0.0.1'), LB)).toBe('10.0.0.1');

    // The 4 KiB window starts inside "111.2.3.4": the cut "1.2.3.4" must not be read as an address.
    const cut = `111.2.3.4,${' '.repeat(4080)}10.0.0.2`;
    expect(cut.slice(-4096).startsWith('1.2.3.4,')).toBe(true);
    expect(clientIp(request({ 'x-forwarded-for': cut }, '10.0.0.1'), LB)).toBe('10.0.0.2');

    // Only the last 64 hops are read; if all are trusted, the leftmost of those is the answer.
    const hops = Array.from({ length: 200 }, (_, i) => `10.0.0.${i}`).join(', ');
    expect(clientIp(request({ 'x-forwarded-for': `1.2.3.4, ${hops}` }, '10.0.0.1'), LB)).toBe('10.0.0.136');
  });

  it('does not throw on hostile header input', () => {
    const hostile = ['\u0000\uffff\ud800', ','.repeat(100_000), '[', '[::1', '[1.2.3.4]', '::ffff:', '%%%'];
    for (const value of hostile) {
      const req = request({ 'x-forwarded-for': value, 'x-real-ip': value, 'user-agent': value }, '10.0.0.1');
      expect(() => buildSessionMeta(req, LB)).not.toThrow();
      expect(clientIp(req, LB)).toBe('10.0.0.1');
    }
  });
});

describe('clientIp with Forwarded (RFC 7239)', () => {
  const fwd = (value: string, socket: string | null = '10.0.0.1') =>
    clientIp(request({ forwarded: value }, socket ?? undefined), LB, 'forwarded');

  it('reads for= as a token, a quoted IPv4 with a port and a quoted bracketed IPv6 with a port', () => {
    expect(fwd('for=198.51.100.7')).toBe('198.51.100.7');
    expect(fwd('for="198.51.100.7:4711"')).toBe('198.51.100.7');
    expect(fwd('for="[2001:db8::1]:4711"')).toBe('2001:db8::1');
    expect(fwd('for="[2001:DB8:0:0::1]"')).toBe('2001:db8::1');
    expect(fwd('for=198.51.100.7;proto=https;by=10.0.0.1')).toBe('198.51.100.7');
    expect(fwd(' proto=https ; for=198.51.100.7 ')).toBe('198.51.100.7');
  });

  it('walks Forwarded from the right, skipping trusted hops', () => {
    expect(fwd('for=6.6.6.6, for=198.51.100.7;proto=https, for="[::ffff:10.0.0.3]:80", for=10.0.0.2')).toBe(
      '198.51.100.7',
    );
    expect(fwd('for=10.0.0.3, for=10.0.0.2')).toBe('10.0.0.3');
    const v6 = parseTrustedProxies(['2001:db8:1::/48']);
    const req = request({ forwarded: 'for="[2001:db8:99::5]", for="[2001:db8:1::2]:443"' }, '2001:db8:1::1');
    expect(clientIp(req, v6, 'forwarded')).toBe('2001:db8:99::5');
  });

  it('reads several Forwarded header lines, joined by commas as Headers.get() joins them', () => {
    const headers = new Headers();
    headers.append('Forwarded', 'for=203.0.113.9');
    headers.append('Forwarded', 'for="198.51.100.7:1234";proto=https');
    headers.append('Forwarded', 'for=10.0.0.2;by=10.0.0.1');
    const req: RequestInfo = { header: (n) => headers.get(n) ?? undefined, remoteAddress: '10.0.0.1' };
    expect(clientIp(req, LB, 'forwarded')).toBe('198.51.100.7');
  });

  it('matches parameter names case-insensitively and does not split at a comma or semicolon inside quotes', () => {
    expect(fwd('For=198.51.100.7')).toBe('198.51.100.7');
    expect(fwd('PROTO=https;FOR="198.51.100.7"')).toBe('198.51.100.7');
    expect(fwd('for=198.51.100.7;by="x, for=203.0.113.66;y=z"')).toBe('198.51.100.7');
  });

  it('unescapes backslash escapes in quoted values', () => {
    expect(fwd('for="198.51.100.\\7"')).toBe('198.51.100.7');
    expect(fwd('for="\\[2001:db8::1\\]:4711"')).toBe('2001:db8::1');
    expect(fwd('for=198.51.100.7;ext="a\\", for=203.0.113.66"')).toBe('198.51.100.7');
    expect(fwd('for=198.51.100.7;ext="a\\\\", for=10.0.0.2')).toBe('198.51.100.7');
  });

  it('accepts an address with an obfuscated port', () => {
    expect(fwd('for="198.51.100.7:_abc"')).toBe('198.51.100.7');
    expect(fwd('for="[2001:db8::1]:_p1"')).toBe('2001:db8::1');
  });

  it('ends the trustworthy chain at for=unknown, an obfuscated identifier or an element without for=', () => {
    expect(fwd('for=198.51.100.7, for=unknown, for=10.0.0.2')).toBe('10.0.0.2');
    expect(fwd('for=198.51.100.7, for=_hidden, for=10.0.0.2')).toBe('10.0.0.2');
    expect(fwd('for=198.51.100.7, for=UNKNOWN')).toBe('10.0.0.1');
    expect(fwd('for=198.51.100.7, for="_SEVKISEK:_port"')).toBe('10.0.0.1');
    expect(fwd('for=198.51.100.7, proto=https;by=10.0.0.2')).toBe('10.0.0.1');
    expect(fwd('for=198.51.100.7, for=unknown', null)).toBe('unknown');
  });

  it('ignores empty list elements (RFC 9110 5.6.1)', () => {
    expect(fwd('for=198.51.100.7, , for=10.0.0.2,')).toBe('198.51.100.7');
  });

  it('never returns a garbage Forwarded element', () => {
    const cases: [string, string][] = [
      ['for=<script>alert(1)</script>', '10.0.0.1'],
      ['for=198.51.100.7, garbage', '10.0.0.1'],
      ['for=198.51.100.7, garbage, for=10.0.0.2', '10.0.0.2'],
      ['for=198.51.100.7;for=203.0.113.66', '10.0.0.1'],
      ['for="198.51.100.7', '10.0.0.1'],
      ['for="198.51.100.7"x', '10.0.0.1'],
      ['for=198.51.100.7 junk', '10.0.0.1'],
      ['for = 198.51.100.7', '10.0.0.1'],
      ['for=', '10.0.0.1'],
      ['for=999.1.1.1', '10.0.0.1'],
      ['for="198.51.100.7:123456"', '10.0.0.1'],
      ['for="[198.51.100.7]"', '10.0.0.1'],
      ['198.51.100.7', '10.0.0.1'],
      ['', '10.0.0.1'],
    ];
    for (const [value, expected] of cases) expect(fwd(value), value).toBe(expected);
  });

  it('does not let a client-opened quote or a stray backslash hide the element the proxy appended', () => {
    expect(fwd('for="203.0.113.66, for=198.51.100.7')).toBe('198.51.100.7');
    expect(fwd('for=203.0.113.66;x="\\, for=198.51.100.7')).toBe('198.51.100.7');
    expect(fwd('for=203.0.113.66"", for=198.51.100.7')).toBe('198.51.100.7');
  });

  it('gives a defined answer for an oversized Forwarded header (1 MB)', () => {
    const padded = `${'for=9.9.9.9, '.repeat(80_000)}for=198.51.100.7, for=10.0.0.2`;
    expect(padded.length).toBeGreaterThan(1_000_000);
    expect(fwd(padded)).toBe('198.51.100.7');

    expect(fwd(`for="${'x'.repeat(1_000_000)}"`)).toBe('10.0.0.1');
    expect(fwd(','.repeat(1_000_000))).toBe('10.0.0.1');

    // The 4 KiB window starts inside "xfor=1.2.3.4": the cut "for=1.2.3.4" must not be read as an element.
    const cut = `xfor=1.2.3.4,${' '.repeat(4072)}for=10.0.0.2`;
    expect(cut.slice(-4096).startsWith('for=1.2.3.4,')).toBe(true);
    expect(fwd(cut)).toBe('10.0.0.2');

    // The window starts inside a quoted string that holds what looks like an element.
    const quoted = `for=198.51.100.7;x="${'a'.repeat(5000)}, for=203.0.113.66;y=", for=10.0.0.2`;
    expect(fwd(quoted)).toBe('10.0.0.2');

    // Only the last 64 elements are read; if all are trusted, the leftmost of those is the answer.
    const hops = Array.from({ length: 200 }, (_, i) => `for=10.0.0.${i}`).join(', ');
    expect(fwd(`for=198.51.100.7, ${hops}`)).toBe('10.0.0.136');
  });

  it('does not throw on hostile Forwarded input', () => {
    const hostile = [
      '\u0000\uffff\ud800',
      '"'.repeat(100_000),
      '\\'.repeat(100_000),
      `for="${'\\"'.repeat(50_000)}`,
      ';'.repeat(100_000),
      '='.repeat(100_000),
      'for="\\',
      'for=[::1',
      `for="[${':'.repeat(5000)}]"`,
    ];
    for (const value of hostile) {
      const req = request({ forwarded: value, 'x-forwarded-for': value, 'x-real-ip': value }, '10.0.0.1');
      for (const header of ['forwarded', 'x-forwarded-for', 'x-real-ip'] as const) {
        expect(clientIp(req, LB, header)).toBe('10.0.0.1');
      }
    }
  });

  it('walks Forwarded when the runtime gives no socket address but proxies are trusted (Next.js)', () => {
    expect(fwd('for=203.0.113.9, for=10.0.0.7', null)).toBe('203.0.113.9');
    expect(fwd('for=_hidden', null)).toBe('unknown');
  });

  it('ignores Forwarded from an untrusted peer and when no proxy is trusted', () => {
    const req = request({ forwarded: 'for=1.2.3.4' }, '203.0.113.5');
    expect(clientIp(req, LB, 'forwarded')).toBe('203.0.113.5');
    expect(clientIp(req, NONE, 'forwarded')).toBe('203.0.113.5');
    expect(clientIp(request({ forwarded: 'for=1.2.3.4' }), NONE, 'forwarded')).toBe('unknown');
  });
});

describe('clientIp: which forwarding header is believed', () => {
  const SPOOF = '203.0.113.66';
  const CLIENT = '198.51.100.7';

  it('ignores a client-sent Forwarded by default, where the proxy appends to X-Forwarded-For', () => {
    const req = request({ forwarded: `for=${SPOOF}`, 'x-forwarded-for': CLIENT }, '10.0.0.1');
    expect(clientIp(req, LB)).toBe(CLIENT);
    expect(clientIp(req, LB, 'x-forwarded-for')).toBe(CLIENT);
    expect(clientIp(request({ forwarded: `for=${SPOOF}` }, '10.0.0.1'), LB)).toBe('10.0.0.1');
  });

  it('does not let a client-sent X-Real-IP override the address the proxy appended to X-Forwarded-For', () => {
    const req = request({ 'x-forwarded-for': `garbage, ${CLIENT}`, 'x-real-ip': SPOOF }, '10.0.0.1');
    expect(clientIp(req, LB)).toBe(CLIENT);
  });

  it('reads only Forwarded when the proxy is declared to set it: a client-sent X-Forwarded-For or X-Real-IP is ignored', () => {
    const req = request(
      { forwarded: `for=${CLIENT}`, 'x-forwarded-for': SPOOF, 'x-real-ip': SPOOF },
      '10.0.0.1',
    );
    expect(clientIp(req, LB, 'forwarded')).toBe(CLIENT);
  });

  it('falls back to the socket address, never to X-Forwarded-For or X-Real-IP, when Forwarded yields no address', () => {
    const absent = request({ 'x-forwarded-for': SPOOF, 'x-real-ip': SPOOF }, '10.0.0.1');
    expect(clientIp(absent, LB, 'forwarded')).toBe('10.0.0.1');
    const hidden = request(
      { forwarded: 'for=unknown', 'x-forwarded-for': SPOOF, 'x-real-ip': SPOOF },
      '10.0.0.1',
    );
    expect(clientIp(hidden, LB, 'forwarded')).toBe('10.0.0.1');
  });

  it('reads only X-Real-IP when the proxy is declared to set it: a client-sent X-Forwarded-For or Forwarded is ignored', () => {
    const req = request(
      { 'x-real-ip': CLIENT, 'x-forwarded-for': SPOOF, forwarded: `for=${SPOOF}` },
      '10.0.0.1',
    );
    expect(clientIp(req, LB, 'x-real-ip')).toBe(CLIENT);
    const absent = request({ 'x-forwarded-for': SPOOF, forwarded: `for=${SPOOF}` }, '10.0.0.1');
    expect(clientIp(absent, LB, 'x-real-ip')).toBe('10.0.0.1');
  });
});

const CHROME_131_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const CHROME_132_MAC = CHROME_131_MAC.replace('Chrome/131', 'Chrome/132');
const FIREFOX_WIN = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
const CHROME_131_WIN =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const SAFARI_17_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1';
const SAFARI_18_IPHONE = SAFARI_17_IPHONE.replace(/17_6/, '18_0').replace('Version/17.6', 'Version/18.0');

describe('requestFingerprint', () => {
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  const fp = (headers: Record<string, string>, names?: readonly string[]) =>
    requestFingerprint(request(headers), names);

  it('is "v2" and 11 hex characters of the SHA-256 of the browser and OS family per header', () => {
    expect(DEFAULT_FINGERPRINT_HEADERS).toEqual(['user-agent']);
    expect(fp({ 'user-agent': CHROME_131_MAC })).toBe(
      `v2.${sha('user-agent\u0000chrome\u0000apple').slice(0, 11)}`,
    );
    expect(
      fp({ 'user-agent': CHROME_131_MAC, 'accept-language': 'de' }, ['user-agent', 'accept-language']),
    ).toBe(
      `v2.${sha('user-agent\u0000chrome\u0000apple').slice(0, 11)}.${sha('accept-language\u0000de').slice(0, 11)}`,
    );
  });

  it('leaves the part of a header the request did not send empty', () => {
    expect(fp({})).toBe('v2.');
    expect(fp({ 'user-agent': FIREFOX_WIN }, ['accept-language', 'user-agent'])).toMatch(
      /^v2\.\.[0-9a-f]{11}$/,
    );
  });

  it('fits the 64-character column with the most headers allowed', () => {
    const five = ['user-agent', 'a', 'b', 'c', 'd'];
    expect(
      fp({ 'user-agent': FIREFOX_WIN, a: '1', b: '2', c: '3', d: '4' }, five).length,
    ).toBeLessThanOrEqual(64);
  });
});

describe('checkFingerprint', () => {
  const H = DEFAULT_FINGERPRINT_HEADERS;
  const session = (ua: string, headers: Record<string, string> = {}, names = H) => ({
    userAgent: ua,
    fingerprint: requestFingerprint(request({ 'user-agent': ua, ...headers }), names),
  });
  const check = (s: ReturnType<typeof session>, headers: Record<string, string>, names = H) =>
    checkFingerprint(s, requestFingerprint(request(headers), names), names);

  it.each([
    ['Chrome 131 → 132 on macOS', CHROME_131_MAC, CHROME_132_MAC],
    ['iOS Safari 17.6 → 18.0', SAFARI_17_IPHONE, SAFARI_18_IPHONE],
    ['Firefox 132 → 133 on Windows', FIREFOX_WIN.replaceAll('133', '132'), FIREFOX_WIN],
  ])('keeps a session across a browser update: %s', (_name, before, after) => {
    expect(check(session(before), { 'user-agent': after })).toBe('match');
  });

  it('ignores Accept-Encoding and Accept-Language by default (media requests, API clients, zstd)', () => {
    const s = session(CHROME_131_MAC, { 'accept-encoding': 'gzip, br', 'accept-language': 'en' });
    expect(check(s, { 'user-agent': CHROME_131_MAC, 'accept-encoding': 'identity;q=1, *;q=0' })).toBe(
      'match',
    );
    expect(check(s, { 'user-agent': CHROME_131_MAC, 'accept-encoding': 'gzip, deflate, br, zstd' })).toBe(
      'match',
    );
    expect(check(s, { 'user-agent': CHROME_131_MAC })).toBe('match');
  });

  it.each([
    ['Chrome → Firefox', CHROME_131_WIN, FIREFOX_WIN],
    ['Chrome on macOS → Chrome on Windows', CHROME_131_MAC, CHROME_131_WIN],
    ['Safari on iPhone → Chrome on macOS', SAFARI_17_IPHONE, CHROME_131_MAC],
    ['Chrome → curl', CHROME_131_MAC, 'curl/8.11.0'],
  ])('refuses another browser or OS family: %s', (_name, before, after) => {
    expect(check(session(before), { 'user-agent': after })).toBe('mismatch');
  });

  it('cannot verify a request without a User-Agent, and says so instead of matching', () => {
    expect(check(session(CHROME_131_MAC), {})).toBe('unverifiable');
  });

  it('does not let a client that sends a User-Agent into a session signed in without one', () => {
    expect(check(session(''), { 'user-agent': CHROME_131_MAC })).toBe('mismatch');
    expect(check(session(''), {})).toBe('match');
  });

  it('binds another configured header by its exact value, skipped when either side did not send it', () => {
    const names = ['user-agent', 'x-device-id'];
    const s = session(CHROME_131_MAC, { 'x-device-id': 'd1' }, names);
    expect(check(s, { 'user-agent': CHROME_132_MAC, 'x-device-id': 'd1' }, names)).toBe('match');
    expect(check(s, { 'user-agent': CHROME_132_MAC }, names)).toBe('match');
    expect(check(s, { 'user-agent': CHROME_132_MAC, 'x-device-id': 'd2' }, names)).toBe('mismatch');
    const without = session(CHROME_131_MAC, {}, names);
    expect(check(without, { 'user-agent': CHROME_131_MAC, 'x-device-id': 'd2' }, names)).toBe('match');
  });

  it('checks a session stored with the old fingerprint (or another header list) by the User-Agent it was created with', () => {
    const legacy = { userAgent: CHROME_131_MAC, fingerprint: 'f'.repeat(64) };
    expect(check(legacy, { 'user-agent': CHROME_132_MAC })).toBe('match');
    expect(check(legacy, { 'user-agent': FIREFOX_WIN })).toBe('mismatch');
    const otherList = session(CHROME_131_MAC, { 'accept-language': 'en' }, ['user-agent', 'accept-language']);
    expect(check(otherList, { 'user-agent': CHROME_132_MAC })).toBe('match');
    expect(check(otherList, { 'user-agent': FIREFOX_WIN })).toBe('mismatch');
  });
});

describe('parseDevice', () => {
  it('names the device as a person would (the corpus in user-agent.test.ts covers the browsers)', () => {
    expect(parseDevice(CHROME_131_MAC)).toEqual({ deviceName: 'Chrome on macOS', deviceType: 'desktop' });
    expect(parseDevice(SAFARI_18_IPHONE)).toEqual({ deviceName: 'Safari on iPhone', deviceType: 'mobile' });
    expect(parseDevice('curl/8.11.0').deviceName).toBe('curl');
    expect(parseDevice('').deviceName).toBe('Unknown browser');
  });
});

describe('buildSessionMeta', () => {
  const ua =
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

  it('assembles ip, user agent, device and fingerprint from the request', () => {
    const req = request(
      {
        'User-Agent': ua,
        'Accept-Language': 'en-US,en;q=0.9',
        'Accept-Encoding': 'gzip, deflate, br',
        'X-Forwarded-For': '1.2.3.4',
      },
      '::ffff:203.0.113.5',
    );
    expect(buildSessionMeta(req, NONE)).toEqual({
      ipAddress: '203.0.113.5',
      userAgent: ua,
      deviceName: 'Chrome on macOS',
      deviceType: 'desktop',
      fingerprint: requestFingerprint(req),
    });
  });

  it('names an unknown client honestly and leaves the fingerprint parts of missing headers empty', () => {
    const meta = buildSessionMeta(request({}), NONE);
    expect(meta).toEqual({
      ipAddress: 'unknown',
      userAgent: '',
      deviceName: 'Unknown browser',
      deviceType: 'desktop',
      fingerprint: 'v2.',
    });
  });

  it('truncates the stored user agent to 512 characters', () => {
    const long = `${ua} ${'x'.repeat(2000)}`;
    const meta = buildSessionMeta(request({ 'user-agent': long }, '10.0.0.1'), NONE);
    expect(meta.userAgent).toBe(long.slice(0, 512));
    expect(meta.deviceName).toBe('Chrome on macOS');
    expect(meta.fingerprint).toBe(requestFingerprint(request({ 'user-agent': ua })));
  });

  it('does not split a surrogate pair when truncating the user agent', () => {
    const long = `${'a'.repeat(511)}😀tail`;
    const meta = buildSessionMeta(request({ 'user-agent': long }), NONE);
    expect(meta.userAgent).toBe('a'.repeat(511));
  });
});
