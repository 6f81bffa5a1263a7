import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** Alice's sessions in the demo's SQLite file, read with a separate read-only connection. */
export function sessionsOfAlice(dbPath: string): { id: string; device_name: string }[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare("select id, device_name from sess_sessions where user_id = 'alice'").all() as {
      id: string;
      device_name: string;
    }[];
  } finally {
    db.close();
  }
}

/** Signs alice in through the demo's login form, as a person would, and waits for her home page. */
export async function signIn(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.fill('#username', 'alice');
  await page.fill('#password', 'wonderland');
  await Promise.all([page.waitForURL(`${baseUrl}/`), page.click('button[type=submit]')]);
  await expect(page.locator('h1').textContent()).resolves.toBe('Hello, Alice');
}
