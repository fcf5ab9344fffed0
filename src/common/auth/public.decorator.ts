import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'isPublic';

/** Marks the few routes that need no admin token (health, metrics, docs, browser callbacks). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
