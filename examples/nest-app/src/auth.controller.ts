import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Post,
  UnauthorizedException,
} from '@nestjs/common';
import { Public, Session } from '@sess/nest';
import type { AppSession } from './app-session.js';
import { UsersService } from './users.js';

/** Sign-in and sign-out; open to everyone (`@Public()` under the global `SessionGuard`). */
@Public()
@Controller('auth')
export class AuthController {
  constructor(private readonly users: UsersService) {}

  /**
   * Signs in with `{ username, password, remember? }`; a new session (and cookie) replaces any current one.
   * `remember: false` gives a cookie that ends with the browser (and a 1-day session); the default remembers.
   */
  @Post('sign-in')
  @HttpCode(200)
  async signIn(@Session() session: AppSession, @Body() body: unknown) {
    const { username, password, remember } = (body ?? {}) as {
      username?: unknown;
      password?: unknown;
      remember?: unknown;
    };
    if (
      typeof username !== 'string' ||
      typeof password !== 'string' ||
      (remember !== undefined && typeof remember !== 'boolean')
    ) {
      throw new BadRequestException(
        'Send JSON { "username": string, "password": string, "remember"?: boolean }.',
      );
    }
    const user = await this.users.verify(username, password);
    if (!user) throw new UnauthorizedException('Wrong username or password.');
    const created = await session.authenticate(user.id, { theme: 'light' }, { remember: remember !== false });
    return {
      user: { id: user.id, name: user.name },
      session: { id: created.id, expiresAt: created.expiresAt, remembered: created.remembered },
    };
  }

  /**
   * What a client asks first: who is signed in, and a notice to show once: why this browser was signed out (another
   * device revoked it, or "sign out everywhere" ran here).
   */
  @Get('session')
  status(@Session() session: AppSession) {
    const user = session.userId === null ? undefined : this.users.find(session.userId);
    const notice =
      session.takeFlash<string>('notice') ??
      (session.rejection === 'not_found' ? 'You were signed out from another device.' : null);
    return { user: user ? { id: user.id, name: user.name } : null, notice };
  }

  /** Signs this device out: deletes its session and clears the cookie. */
  @Post('sign-out')
  @HttpCode(204)
  async signOut(@Session() session: AppSession): Promise<void> {
    await session.logout();
  }
}
