import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

export interface AuditRow {
  actor: string;
  action: string;
  entityType: string;
  entityId: string | null;
  changedFields: string[];
  details: Record<string, unknown>;
}

@Injectable()
export class AuditRepository {
  async insert(manager: EntityManager, row: AuditRow): Promise<void> {
    await manager.query(
      `INSERT INTO audit_events (actor, action, entity_type, entity_id, changed_fields, details) VALUES ($1, $2, $3, $4, $5, $6)`,
      [row.actor, row.action, row.entityType, row.entityId, row.changedFields, JSON.stringify(row.details)],
    );
  }
}
