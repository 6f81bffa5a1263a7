import { BadRequestException, Body, Controller, HttpCode, Post, UnauthorizedException } from '@nestjs/common';
import { Public, Session } from '@sess/nest';
import type { AppSession } from './app-session.js';
import { UsersService } from './users.js';

/** Sign-in and sign-out; open to everyone (`@Public()` under the global `SessionGuard`). */
@Public()
@Controller('auth')
export class AuthController {
  constructor(private readonly users: UsersService) {}

  /** Signs in with `{ username, password }`; a new session (and cookie) replaces any current one. */
  @Post('sign-in')
  @HttpCode(200)
  async signIn(@Session() session: AppSession, @Body() body: unknown) {
    const { username, password } = (body ?? {}) as { username?: unknown; password?: unknown };
    if (typeof username !== 'string' || typeof password !== 'string') {
      throw new BadRequestException('Send JSON { "username": string, "password": string }.');
    }
    const user = await this.users.verify(username, password);
    if (!user) throw new UnauthorizedException('Wrong username or password.');
    const created = await session.authenticate(user.id, { theme: 'light' });
    return {
      user: { id: user.id, name: user.name },
      session: { id: created.id, expiresAt: created.expiresAt },
    };
  }

  /** Signs this device out: deletes its session and clears the cookie. */
  @Post('sign-out')
  @HttpCode(204)
  async signOut(@Session() session: AppSession): Promise<void> {
    await session.logout();
  }
}
