import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditActor } from './audit-actor';
import { AuditRepository } from './audit.repository';

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string | null;
  /** Names of the fields that changed. Never their values when they are secrets. */
  changedFields: string[];
  /** Non-secret context (names, kinds); never a secret value. */
  details?: Record<string, unknown>;
}

/**
 * Appends to audit_events inside the caller's transaction, so a change and its audit row commit
 * (or roll back) together.
 */
@Injectable()
export class AuditService {
  constructor(private readonly audit: AuditRepository) {}

  async record(manager: EntityManager, actor: AuditActor, entry: AuditEntry): Promise<void> {
    await this.audit.insert(manager, {
      actor: actor.actor,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId,
      changedFields: entry.changedFields,
      details: { ...entry.details, identity: actor.identity, ...(actor.remoteAddress ? { remote_address: actor.remoteAddress } : {}) },
    });
  }
}
