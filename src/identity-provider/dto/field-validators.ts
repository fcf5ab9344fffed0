import { registerDecorator, ValidationArguments } from 'class-validator';

/**
 * One decorator per field, each giving one precise message (class-validator's stacked decorators
 * would answer "x is required; x must be a string; x should not be empty" for one missing field).
 */
function rule(name: string, check: (value: unknown) => string | null) {
  return (target: object, propertyName: string) => {
    let last: string | null = null;
    registerDecorator({
      name,
      target: target.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) => {
          last = check(value);
          return last === null;
        },
        defaultMessage: (args?: ValidationArguments) => `${args?.property ?? propertyName} ${check(args?.value) ?? last ?? 'is invalid'}`,
      },
    });
  };
}

const describe = (value: unknown) => (typeof value === 'string' ? `"${value.length > 40 ? `${value.slice(0, 40)}...` : value}"` : JSON.stringify(value) ?? String(value));

export function RequiredString(maxLength = 2048) {
  return rule('requiredString', (value) => {
    if (value === undefined || value === null) return 'is required';
    if (typeof value !== 'string') return 'must be a string';
    if (value.trim() === '') return 'must not be empty';
    if (value.length > maxLength) return `must be at most ${maxLength} characters long`;
    return null;
  });
}

/** A required field that may be blank: secrets, where blank means "keep the stored one". */
export function RequiredSecret(maxLength = 16384) {
  return rule('requiredSecret', (value) => {
    if (value === undefined || value === null) return 'is required (send the masked value or an empty string to keep the stored one)';
    if (typeof value !== 'string') return 'must be a string';
    if (value.length > maxLength) return `must be at most ${maxLength} characters long`;
    return null;
  });
}

export function OptionalString(maxLength = 16384) {
  return rule('optionalString', (value) => {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') return 'must be a string or null';
    if (value.length > maxLength) return `must be at most ${maxLength} characters long`;
    return null;
  });
}

export function RequiredBoolean() {
  return rule('requiredBoolean', (value) => {
    if (value === undefined || value === null) return 'is required';
    return typeof value === 'boolean' ? null : `must be true or false (got ${describe(value)})`;
  });
}

export function RequiredEnum(values: readonly string[]) {
  return rule('requiredEnum', (value) => {
    if (value === undefined || value === null) return `is required: one of ${values.join(', ')}`;
    return typeof value === 'string' && values.includes(value) ? null : `must be one of ${values.join(', ')} (got ${describe(value)})`;
  });
}

export function RequiredInteger(min: number, max: number, unit = '') {
  return rule('requiredInteger', (value) => {
    if (value === undefined || value === null) return 'is required';
    if (typeof value !== 'number' || !Number.isInteger(value)) return `must be a whole number${unit} (got ${describe(value)})`;
    if (value < min) return `must be at least ${min}${unit} (got ${value})`;
    if (value > max) return `must be at most ${max}${unit} (got ${value})`;
    return null;
  });
}

export function StringList(what: string) {
  return rule('stringList', (value) => (Array.isArray(value) && value.every((item) => typeof item === 'string') ? null : `must be ${what}`));
}
