import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import type { SessionManager } from '@sess/core';
import { Public, RequireFresh, Session, SessionGuard } from '../../src/index.js';

/** The session data of the features app: a cart that guests fill before they sign in. */
export type ShopData = {
  cart?: string[];
  theme?: string;
};

type Shop = SessionManager<ShopData>;

/** Guest carts, sign-in with and without "remember me", flash messages. Open to everyone. */
@Controller()
export class ShopController {
  @Get('cart')
  cart(@Session() session: Shop) {
    return { items: session.get('cart') ?? [], guest: session.isGuest, userId: session.userId };
  }

  @Post('cart')
  add(@Session() session: Shop, @Body() body: { item: string }) {
    session.set('cart', [...(session.get('cart') ?? []), body.item]);
    return { items: session.get('cart') };
  }

  @Post('sign-in')
  @HttpCode(200)
  async signIn(@Session() session: Shop, @Body() body: { userId: string; remember?: boolean }) {
    const created = await session.authenticate(
      body.userId,
      { theme: 'light' },
      body.remember === undefined ? {} : { remember: body.remember },
    );
    return { id: created.id, remembered: created.remembered, expiresAt: created.expiresAt };
  }

  /** Sign-in that merges the guest's cart with the one the user saved earlier (here: a fixed one). */
  @Post('sign-in-merge')
  @HttpCode(200)
  async signInMerge(@Session() session: Shop, @Body() body: { userId: string }) {
    await session.authenticate(
      body.userId,
      { cart: ['saved'] },
      {
        merge: (guest, data) => ({ ...guest, ...data, cart: [...(data.cart ?? []), ...(guest.cart ?? [])] }),
      },
    );
    return { items: session.get('cart') };
  }

  @Post('sign-out')
  @HttpCode(204)
  async signOut(@Session() session: Shop) {
    await session.logout();
    session.flash('notice', 'You are signed out.');
  }

  @Post('flash')
  flash(@Session() session: Shop, @Body() body: { notice: string }) {
    session.flash('notice', body.notice);
    return { ok: true };
  }

  @Get('flash')
  takeFlash(@Session() session: Shop) {
    return { notice: session.takeFlash<string>('notice') ?? null };
  }

  @Get('flash/peek')
  peekFlash(@Session() session: Shop) {
    return { notice: session.peekFlash<string>('notice') ?? null };
  }

  /** After a password check (not modelled here): a new token and a fresh sign-in time. */
  @Post('reauthenticate')
  @HttpCode(204)
  async reauthenticate(@Session() session: Shop) {
    await session.reauthenticate();
  }
}

/** Signed-in routes, some of them sensitive. `SessionGuard` per controller (not global). */
@Controller('account')
@UseGuards(SessionGuard)
export class AccountController {
  @Get()
  me(@Session() session: Shop) {
    return { userId: session.userId };
  }

  @RequireFresh('10m')
  @Post('password')
  @HttpCode(200)
  changePassword() {
    return { changed: true };
  }

  /** Checks freshness in the handler itself: the SessionError it throws must become a 403 too. */
  @Post('delete')
  @HttpCode(200)
  deleteAccount(@Session() session: Shop) {
    session.set('theme', 'gone');
    session.requireFresh('10m');
    return { deleted: true };
  }
}

/** `@RequireFresh()` on a controller (no other guard), overridden by one route. */
@RequireFresh('1h')
@Controller('admin')
export class AdminController {
  @Get()
  dashboard(@Session() session: Shop) {
    return { userId: session.userId };
  }

  @RequireFresh('5m')
  @Get('keys')
  keys() {
    return { keys: [] };
  }
}

/** A public controller with one sensitive route: `@RequireFresh()` wins over the class's `@Public()`. */
@Public()
@Controller('public')
export class PublicController {
  @Get()
  open() {
    return { open: true };
  }

  @RequireFresh('10m')
  @Get('fresh')
  fresh() {
    return { fresh: true };
  }
}

/** One route open under a global `SessionGuard` that makes the visitor a guest. */
@Public()
@Controller('guest')
export class GuestCartController {
  @Post('cart')
  add(@Session() session: Shop, @Body() body: { item: string }) {
    session.set('cart', [...(session.get('cart') ?? []), body.item]);
    return { items: session.get('cart'), guest: session.isGuest };
  }
}
