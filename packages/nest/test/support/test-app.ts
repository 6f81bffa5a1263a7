import 'reflect-metadata';
import {
  BadRequestException,
  Body,
  type CanActivate,
  Controller,
  Delete,
  type DynamicModule,
  type ExecutionContext,
  ForbiddenException,
  Get,
  HttpCode,
  Inject,
  Injectable,
  Module,
  Param,
  Post,
  Res,
  UseGuards,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { type SessionManager, SessionStore } from '@sess/core';
import type { Fault } from '@sess/core/testing';
import { getSession, Public, Session, SessionFailOpen, SessionGuard } from '../../src/index.js';

/** The session data of the test app. */
export type TestData = {
  cart?: string[];
  theme?: string;
};

/** Lets a handler switch the injected database fault on (to fail the commit after it). */
export const FAULT = Symbol('FAULT');

@Controller()
export class AuthController {
  @Post('sign-in')
  async signIn(@Session() session: SessionManager<TestData>, @Body() body: { userId: string }) {
    const created = await session.authenticate(body.userId, { theme: 'light' });
    return { id: created.id };
  }

  @Post('sign-out')
  @HttpCode(204)
  async signOut(@Session() session: SessionManager) {
    await session.logout();
  }

  @Get('whoami')
  whoami(@Session() session: SessionManager) {
    return { userId: session.userId };
  }

  @SessionFailOpen()
  @Get('health')
  health(@Session() session: SessionManager) {
    return { ok: true, authenticated: session.isAuthenticated, loadFailed: session.loadFailed };
  }

  @Post('sign-out-others')
  async signOutOthers(@Session() session: SessionManager) {
    return { destroyed: await session.logoutOther() };
  }

  @Post('own-cookie')
  ownCookie(@Session() session: SessionManager<TestData>, @Res({ passthrough: true }) response: unknown) {
    this.adapterHost.httpAdapter.setCookie(response, 'theme', 'dark', { path: '/' });
    this.adapterHost.httpAdapter.setHeader(response, 'Vary', 'Accept-Encoding');
    session.set('theme', 'dark');
    return { ok: true };
  }

  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}
}

@Controller('me')
@UseGuards(SessionGuard)
export class MeController {
  constructor(@Inject(FAULT) private readonly fault: Fault | null) {}

  @Get()
  me(@Session() session: SessionManager<TestData>) {
    return { userId: session.userId, id: session.current()?.id, theme: session.get('theme') ?? null };
  }

  @Get('sessions')
  async sessions(@Session() session: SessionManager) {
    return (await session.listMySessions()).map((s) => ({ id: s.id, current: s.current }));
  }

  @Delete('sessions/:id')
  @HttpCode(204)
  async revoke(@Session() session: SessionManager, @Param('id') id: string) {
    await session.revoke(id);
  }

  @Post('theme')
  theme(@Session() session: SessionManager<TestData>, @Body() body: { theme: string }) {
    session.set('theme', body.theme);
    return { theme: session.get('theme') };
  }

  @Post('cart-then-throw')
  cartThenThrow(@Session() session: SessionManager<TestData>) {
    session.set('cart', ['book']);
    throw new BadRequestException('the order failed after the cart changed');
  }

  @Post('cart-then-crash')
  cartThenCrash(@Session() session: SessionManager<TestData>) {
    session.set('cart', ['book']);
    throw new Error('the handler crashed after the cart changed');
  }

  @Post('cart-then-db-down')
  cartThenDbDown(@Session() session: SessionManager<TestData>) {
    session.set('cart', ['book']);
    this.fault?.fail();
    return { ok: true };
  }
}

/** A guard of the app's own that reads the session the middleware loaded (it runs before any interceptor). */
@Injectable()
export class RootOnlyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const session = getSession(context.switchToHttp().getRequest());
    if (!session) throw new Error('no session loaded before the guard');
    if (session.userId !== 'root') throw new ForbiddenException();
    return true;
  }
}

@Controller('root-only')
export class RootOnlyController {
  @Get()
  @UseGuards(RootOnlyGuard)
  welcome(@Session() session: SessionManager) {
    return { welcome: session.userId };
  }
}

/** A service of the app that uses the store directly, as an admin page or a job would. */
@Injectable()
export class AdminService {
  // Injected by type: this relies on emitDecoratorMetadata, as user code does.
  constructor(readonly store: SessionStore) {}

  list(userId: string) {
    return this.store.listForUser(userId);
  }

  signOutEverywhere(userId: string) {
    return this.store.destroyAllForUser(userId);
  }
}

@Controller('admin/users/:userId/sessions')
export class AdminController {
  constructor(@Inject(AdminService) private readonly admin: AdminService) {}

  @Get()
  async list(@Param('userId') userId: string) {
    return (await this.admin.list(userId)).map((s) => ({ id: s.id, userId: s.userId }));
  }

  @Delete()
  async destroyAll(@Param('userId') userId: string) {
    return { destroyed: await this.admin.signOutEverywhere(userId) };
  }
}

@Module({})
class TestFeatureModule {}

/** The routes and services the tests call, to import next to `SessionModule.forRoot(...)`. */
export function testFeature(fault: Fault | null = null): DynamicModule {
  return {
    module: TestFeatureModule,
    controllers: [AuthController, MeController, AdminController, RootOnlyController],
    providers: [AdminService, { provide: FAULT, useValue: fault }],
  };
}

/** Routes for an app with `SessionGuard` installed globally. */
@Controller()
export class GuardedController {
  @Get('closed')
  closed(@Session() session: SessionManager) {
    return { userId: session.userId };
  }

  @Public()
  @Get('open')
  open(@Session() session: SessionManager) {
    return { authenticated: session.isAuthenticated };
  }

  @Public()
  @Post('sign-in')
  async signIn(@Session() session: SessionManager, @Body() body: { userId: string }) {
    await session.authenticate(body.userId);
    return { ok: true };
  }
}

@Public()
@Controller('public-class')
export class PublicClassController {
  @Get()
  hello() {
    return { hello: 'world' };
  }
}
