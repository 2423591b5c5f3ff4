/** Composition root of the staff Lambda: configuration, the unit of work, one service per container. */
import { systemClock } from '../core/clock.ts';
import { createUnitOfWork } from '../core/db/unit-of-work.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { staffConfig } from './staff.config.ts';
import { staffRepositories } from './staff.repositories.ts';
import { StaffService } from './staff.service.ts';

let service: Promise<StaffService> | undefined;

export function staffService(): Promise<StaffService> {
  service ??= (async () => {
    const config = staffConfig();
    const db = createUnitOfWork(await databaseFromEnv('staff'), staffRepositories);
    return new StaffService(db, systemClock, {
      refundDualControlCents: config.STAFF_REFUND_DUAL_CONTROL_CENTS,
      proposalTtlHours: config.STAFF_PROPOSAL_TTL_HOURS,
    });
  })();
  service.catch(() => (service = undefined));
  return service;
}
