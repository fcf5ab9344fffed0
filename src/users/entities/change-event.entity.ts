import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A row of the append-only `change_events` feed. */
@Entity('change_events')
export class ChangeEventEntity {
  /** bigint: kept as a decimal string end to end. */
  @PrimaryColumn('bigint') sequence: string;
  @Column('text') type: string;
  @Column('text') entityId: string;
  /** The entity as the gRPC message shows it (null for provider.updated). */
  @Column('jsonb', { nullable: true }) payload: unknown;
  @Column('timestamptz') occurredAt: Date;
}
