import fc from 'fast-check';
import { badNumber, badString } from './arbitraries';

interface FieldDescriptor {
  name: string;
  type: string;
  typeName: string;
  label: string;
}

interface MessageDescriptor {
  field: FieldDescriptor[];
}

type Definition = Record<string, { format?: string; type?: MessageDescriptor & { value?: { name: string; number: number }[] } }>;

const INT64 = ['TYPE_INT64', 'TYPE_UINT64', 'TYPE_SINT64', 'TYPE_FIXED64', 'TYPE_SFIXED64'];
const INT32 = ['TYPE_INT32', 'TYPE_UINT32', 'TYPE_SINT32', 'TYPE_FIXED32', 'TYPE_SFIXED32'];

/**
 * Requests that serialise (the client library refuses wrong wire types, so the server can only
 * ever see well-typed messages) but carry hostile values: huge and tricky strings, extreme
 * numbers, unknown enum values, missing fields.
 */
export function requestArbitrary(definition: Definition, message: MessageDescriptor, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of message.field) {
    const single = fieldArbitrary(definition, field, depth);
    fields[field.name] = field.label === 'LABEL_REPEATED' ? fc.array(single, { maxLength: 4 }) : single;
  }
  return fc.record(fields, { requiredKeys: [] });
}

function fieldArbitrary(definition: Definition, field: FieldDescriptor, depth: number): fc.Arbitrary<unknown> {
  if (field.type === 'TYPE_STRING') return badString;
  if (field.type === 'TYPE_BYTES') return fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes));
  if (field.type === 'TYPE_BOOL') return fc.boolean();
  if (INT32.includes(field.type)) return badNumber.map((n) => (Number.isFinite(n) ? Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.trunc(n))) : 0));
  if (INT64.includes(field.type)) return fc.oneof(fc.constantFrom('-1', '0', '9223372036854775807', '-9223372036854775808', '1'), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String));
  if (field.type === 'TYPE_DOUBLE' || field.type === 'TYPE_FLOAT') return badNumber;
  if (field.type === 'TYPE_ENUM') {
    const values = findType(definition, field.typeName)?.type?.value?.map((v) => v.name) ?? [];
    return fc.oneof(fc.constantFrom(...(values.length ? values : [0])), fc.integer({ min: -5, max: 99 }));
  }
  if (field.type === 'TYPE_MESSAGE' && depth < 2) {
    const nested = findType(definition, field.typeName)?.type;
    if (nested) return requestArbitrary(definition, nested, depth + 1);
  }
  return fc.constant(undefined);
}

function findType(definition: Definition, typeName: string) {
  const name = typeName.replace(/^\./, '');
  return definition[name] ?? Object.entries(definition).find(([key]) => key.endsWith(`.${name}`))?.[1];
}
