import { Injectable } from '@nestjs/common';
import { type DemoUser, findUser, verifyCredentials } from '@sess/demo-kit';

/**
 * The demo's user directory: the demo users of every sess demo (alice / wonderland, bob / builder), as a provider.
 * A real app would keep users in its database; sessions only store the user id.
 */
@Injectable()
export class UsersService {
  /** The user by id, or `undefined`. */
  find(id: string): DemoUser | undefined {
    return findUser(id);
  }

  /** Resolves the user for a username and password, or `null` (unknown user or wrong password alike). */
  verify(username: string, password: string): Promise<DemoUser | null> {
    return verifyCredentials(username, password);
  }
}
