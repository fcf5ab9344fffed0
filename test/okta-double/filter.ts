// The `filter` query parameter of the list endpoints, as Okta documents it for users and groups:
// `attr op "value"` expressions joined with `and` / `or`, parentheses allowed, `and` binding tighter
// than `or` (SCIM filter precedence, which Okta's filter syntax follows). Dates compare with
// eq/gt/ge/lt/le, other attributes only with eq (developer.okta.com/docs/reference/core-okta-api/#filter).
// Anything else is "Invalid search criteria" (400 E0000031).
import { invalidSearchCriteria } from './okta-errors';

export type FilterAttribute<T> =
  | { kind: 'string'; get: (item: T) => string | null | undefined; caseInsensitive?: boolean }
  | { kind: 'date'; get: (item: T) => number | null };

export type FilterAttributes<T> = Record<string, FilterAttribute<T>>;
export type Predicate<T> = (item: T) => boolean;

type Token = { type: '(' | ')' } | { type: 'word'; value: string } | { type: 'string'; value: string };

const DATE_OPERATORS = new Set(['eq', 'gt', 'ge', 'lt', 'le']);

/** Splits a filter into words, quoted strings and parentheses. */
export function tokenizeFilter(filter: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const c = filter[i];
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ type: c });
      i++;
    } else if (c === '"') {
      let value = '';
      i++;
      while (i < filter.length && filter[i] !== '"') {
        if (filter[i] === '\\' && i + 1 < filter.length) i++;
        value += filter[i++];
      }
      if (i >= filter.length) throw invalidSearchCriteria('Unterminated string in filter');
      i++;
      tokens.push({ type: 'string', value });
    } else {
      let value = '';
      while (i < filter.length && !' \t()"'.includes(filter[i])) value += filter[i++];
      tokens.push({ type: 'word', value });
    }
  }
  return tokens;
}

/** Parses `filter` into a predicate over the records the endpoint lists. */
export function parseFilter<T>(filter: string, attributes: FilterAttributes<T>): Predicate<T> {
  const tokens = tokenizeFilter(filter);
  let pos = 0;
  const peekWord = (): string | null => {
    const t = tokens[pos];
    return t && t.type === 'word' ? t.value.toLowerCase() : null;
  };

  function parseOr(): Predicate<T> {
    const terms = [parseAnd()];
    while (peekWord() === 'or') {
      pos++;
      terms.push(parseAnd());
    }
    return terms.length === 1 ? terms[0] : (item) => terms.some((p) => p(item));
  }

  function parseAnd(): Predicate<T> {
    const terms = [parsePrimary()];
    while (peekWord() === 'and') {
      pos++;
      terms.push(parsePrimary());
    }
    return terms.length === 1 ? terms[0] : (item) => terms.every((p) => p(item));
  }

  function parsePrimary(): Predicate<T> {
    const t = tokens[pos];
    if (!t) throw invalidSearchCriteria('Unexpected end of filter');
    if (t.type === '(') {
      pos++;
      const inner = parseOr();
      if (tokens[pos]?.type !== ')') throw invalidSearchCriteria('Missing closing parenthesis');
      pos++;
      return inner;
    }
    if (t.type !== 'word') throw invalidSearchCriteria('Expected an attribute name');
    const op = tokens[pos + 1];
    const value = tokens[pos + 2];
    if (!op || op.type !== 'word' || !value || value.type !== 'string') {
      throw invalidSearchCriteria(`Expected 'attribute operator "value"' after ${t.value}`);
    }
    pos += 3;
    return comparison(t.value, op.value.toLowerCase(), value.value, attributes);
  }

  const predicate = parseOr();
  if (pos !== tokens.length) throw invalidSearchCriteria('Unexpected input after the filter expression');
  return predicate;
}

/** One `attr op "value"` term. */
function comparison<T>(name: string, op: string, raw: string, attributes: FilterAttributes<T>): Predicate<T> {
  const attr = Object.prototype.hasOwnProperty.call(attributes, name) ? attributes[name] : undefined;
  if (!attr) throw invalidSearchCriteria(`Unsupported filter attribute: ${name}`);
  if (attr.kind === 'string') {
    if (op !== 'eq') throw invalidSearchCriteria(`Unsupported operator '${op}' for ${name}`);
    if (attr.caseInsensitive) {
      const wanted = raw.toLowerCase();
      return (item) => (attr.get(item) ?? '').toLowerCase() === wanted;
    }
    return (item) => attr.get(item) === raw;
  }
  if (!DATE_OPERATORS.has(op)) throw invalidSearchCriteria(`Unsupported operator '${op}' for ${name}`);
  const at = Date.parse(raw);
  if (!Number.isFinite(at)) throw invalidSearchCriteria(`Invalid date for ${name}: ${raw}`);
  return (item) => {
    const v = attr.get(item);
    if (v === null) return false;
    switch (op) {
      case 'eq':
        return v === at;
      case 'gt':
        return v > at;
      case 'ge':
        return v >= at;
      case 'lt':
        return v < at;
      default:
        return v <= at;
    }
  };
}
