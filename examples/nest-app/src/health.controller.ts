import { Controller, Get } from '@nestjs/common';
import { Public, SessionFailOpen } from '@sess/nest';

/** Liveness: open to everyone, and it answers even when the session store is down. */
@Public()
@SessionFailOpen()
@Controller('health')
export class HealthController {
  @Get()
  health() {
    return { ok: true };
  }
}
