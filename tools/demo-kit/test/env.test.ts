import { describe, expect, it } from 'vitest';
import { readListenSettings, readSessionSettings } from '../src/index.js';

describe('readSessionSettings', () => {
  it('reads the table, the secret and the fingerprint headers, trimming the list', () => {
    expect(
      readSessionSettings({
        SESS_TABLE: 'app_sessions',
        SESSION_SECRET: 's'.repeat(32),
        SESS_FINGERPRINT_HEADERS: ' user-agent , accept-language,,',
      }),
    ).toEqual({
      tableName: 'app_sessions',
      secret: 's'.repeat(32),
      fingerprintHeaders: ['user-agent', 'accept-language'],
    });
  });

  it('treats unset and empty variables alike: undefined, so the defaults apply', () => {
    const unset = { tableName: undefined, secret: undefined, fingerprintHeaders: undefined };
    expect(readSessionSettings({})).toEqual(unset);
    expect(
      readSessionSettings({ SESS_TABLE: '', SESSION_SECRET: '', SESS_FINGERPRINT_HEADERS: ' , ' }),
    ).toEqual(unset);
  });
});

describe('readListenSettings', () => {
  it('listens on 127.0.0.1:3000 by default, a loopback address', () => {
    expect(readListenSettings({})).toEqual({ port: 3000, host: '127.0.0.1', loopback: true });
  });

  it('tells loopback hosts from others (only there may cookies drop Secure)', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) {
      expect(readListenSettings({ HOST: host }).loopback).toBe(true);
    }
    for (const host of ['0.0.0.0', '192.168.1.2', 'example.com', '::']) {
      expect(readListenSettings({ HOST: host }).loopback).toBe(false);
    }
  });

  it('accepts port 0 (a free port) and refuses what is not a port number', () => {
    expect(readListenSettings({ PORT: '0' }).port).toBe(0);
    for (const port of ['-1', '65536', '80.5', 'http']) {
      expect(() => readListenSettings({ PORT: port })).toThrow(`PORT must be a port number (got "${port}").`);
    }
  });
});
