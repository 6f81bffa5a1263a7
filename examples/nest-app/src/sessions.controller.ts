import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { RequireFresh, Session } from '@sess/nest';
import type { AppSession } from './app-session.js';

/** "Your devices": the signed-in user's sessions, and the ways to end them. */
@Controller('sessions')
export class SessionsController {
  @Get()
  async list(@Session() session: AppSession) {
    return (await session.listMySessions()).map((s) => ({
      id: s.id,
      current: s.current,
      deviceName: s.deviceName,
      deviceType: s.deviceType,
      ipAddress: s.ipAddress,
      createdAt: s.createdAt,
      lastActiveAt: s.lastActiveAt,
    }));
  }

  /** Ends one of the user's sessions by its public id; another user's id (or an unknown one) answers 404. */
  @Delete(':id')
  @HttpCode(204)
  async revoke(@Session() session: AppSession, @Param('id') id: string): Promise<void> {
    await session.revoke(id);
  }

  /** Ends every other session of the user; this one stays. */
  @Post('sign-out-others')
  @HttpCode(200)
  async signOutOthers(@Session() session: AppSession) {
    return { signedOut: await session.logoutOther() };
  }

  /**
   * Ends every session of the user, this one included. It needs a sign-in (or `POST /me/reauthenticate`) from the
   * last 10 minutes: older answers 403 `REAUTHENTICATION_REQUIRED`. The next `GET /auth/session` says it happened.
   */
  @RequireFresh('10m')
  @Post('sign-out-everywhere')
  @HttpCode(204)
  async signOutEverywhere(@Session() session: AppSession): Promise<void> {
    await session.logoutAll();
    session.flash('notice', 'You were signed out everywhere.'); // kept in a guest session (guests: true)
  }
}
