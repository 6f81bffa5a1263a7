import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Post,
  Put,
  UnauthorizedException,
} from '@nestjs/common';
import { Session } from '@sess/nest';
import type { AppSession } from './app-session.js';
import { UsersService } from './users.js';

/** The signed-in user (the global SessionGuard answers 401 to everyone else). */
@Controller('me')
export class MeController {
  constructor(private readonly users: UsersService) {}

  @Get()
  me(@Session() session: AppSession) {
    const current = session.current();
    const user = this.users.find(session.userId ?? '');
    return {
      user: user ? { id: user.id, name: user.name } : { id: session.userId, name: null },
      session: current && {
        id: current.id,
        deviceName: current.deviceName,
        createdAt: current.createdAt,
        expiresAt: current.expiresAt,
      },
      theme: session.get('theme') ?? 'light',
    };
  }

  /**
   * Confirms the password again (`{ password }`) before a sensitive action: a fresh sign-in time for
   * `@RequireFresh()` routes, and a new token for this session.
   */
  @Post('reauthenticate')
  @HttpCode(204)
  async reauthenticate(@Session() session: AppSession, @Body() body: unknown): Promise<void> {
    const password = (body as { password?: unknown } | undefined)?.password;
    if (typeof password !== 'string') throw new BadRequestException('Send JSON { "password": string }.');
    const user = this.users.find(session.userId ?? '');
    if (!user || !(await this.users.verify(user.id, password))) {
      throw new UnauthorizedException('Wrong password.');
    }
    await session.reauthenticate();
  }

  /** Saves `{ theme }` in this session's data: written once, after the handler. */
  @Put('theme')
  setTheme(@Session() session: AppSession, @Body() body: unknown) {
    const theme = (body as { theme?: unknown } | undefined)?.theme;
    if (theme !== 'light' && theme !== 'dark')
      throw new BadRequestException('theme must be "light" or "dark".');
    session.set('theme', theme);
    return { theme };
  }
}
