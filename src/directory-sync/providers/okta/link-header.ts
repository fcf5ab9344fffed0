// Okta's cursor pagination (developer.okta.com/docs/api/#pagination): the next page's absolute URL
// comes in a `Link: <url>; rel="next"` header beside `rel="self"`, each usually on its own header
// line. Fetch joins repeated header lines with ", " (RFC 9110 §5.3), and a URL may itself contain
// commas or semicolons, so the value is scanned link by link rather than split on commas.

export interface WebLink {
  /** The target as written between `<` and `>`, resolved against the request URL. */
  url: string;
  /** RFC 8288 §3.3: `rel` is a space-separated list of relation types, compared case-insensitively. */
  rels: string[];
}

/** The header value (or values) cannot be read as RFC 8288 links. */
export class LinkHeaderError extends Error {}

/**
 * Parses one or more `Link` header values (RFC 8288 §3). Throws LinkHeaderError on anything that is
 * not `<uri-reference> *( ; param )` separated by commas, so a damaged header never reads as
 * "no next page".
 */
export function parseLinkHeader(values: string | readonly string[] | null | undefined, baseUrl: string): WebLink[] {
  if (values === null || values === undefined) return [];
  const lines = typeof values === 'string' ? [values] : values;
  const links: WebLink[] = [];
  for (const line of lines) links.push(...parseLinkLine(line, baseUrl));
  return links;
}

function parseLinkLine(value: string, baseUrl: string): WebLink[] {
  const links: WebLink[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < value.length && (value[i] === ' ' || value[i] === '\t')) i++;
  };
  skipSpace();
  if (i === value.length) return links;
  for (;;) {
    skipSpace();
    if (value[i] !== '<') throw new LinkHeaderError(`expected '<' at offset ${i}`);
    const close = value.indexOf('>', i + 1);
    if (close < 0) throw new LinkHeaderError('unterminated <uri-reference>');
    const target = value.slice(i + 1, close).trim();
    i = close + 1;
    const rels: string[] = [];
    // link-params: *( OWS ";" OWS link-param )
    for (;;) {
      skipSpace();
      if (value[i] !== ';') break;
      i++;
      skipSpace();
      const nameMatch = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+\*?/.exec(value.slice(i));
      if (!nameMatch) throw new LinkHeaderError(`expected a parameter name at offset ${i}`);
      const name = nameMatch[0].toLowerCase();
      i += nameMatch[0].length;
      skipSpace();
      let paramValue = '';
      if (value[i] === '=') {
        i++;
        skipSpace();
        if (value[i] === '"') {
          i++;
          while (i < value.length && value[i] !== '"') {
            if (value[i] === '\\' && i + 1 < value.length) i++;
            paramValue += value[i++];
          }
          if (value[i] !== '"') throw new LinkHeaderError('unterminated quoted parameter value');
          i++;
        } else {
          const tokenMatch = /^[^;,\s]*/.exec(value.slice(i))!;
          paramValue = tokenMatch[0];
          i += paramValue.length;
        }
      }
      // RFC 8288 §3.3: only the first `rel` parameter counts.
      if (name === 'rel' && rels.length === 0) rels.push(...paramValue.toLowerCase().split(/\s+/).filter(Boolean));
    }
    links.push({ url: resolveTarget(target, baseUrl), rels });
    skipSpace();
    if (i === value.length) return links;
    if (value[i] !== ',') throw new LinkHeaderError(`expected ',' or the end at offset ${i}`);
    i++;
    skipSpace();
    if (i === value.length) return links; // a trailing comma is tolerated
  }
}

function resolveTarget(target: string, baseUrl: string): string {
  try {
    return new URL(target, baseUrl).toString();
  } catch {
    throw new LinkHeaderError('a link target is not a valid URL');
  }
}

/**
 * The `rel="next"` link, or null on the last page. Refuses a next link to another origin: the
 * bearer token must never be sent anywhere but the org (RFC 6750 §5.3 advice on token leakage).
 * Two different next links are a broken header, not a choice.
 */
export function findNextLink(values: string | readonly string[] | null | undefined, requestUrl: string): string | null {
  const next = parseLinkHeader(values, requestUrl).filter((l) => l.rels.includes('next'));
  if (next.length === 0) return null;
  const distinct = new Set(next.map((l) => l.url));
  if (distinct.size > 1) throw new LinkHeaderError('the response has more than one rel="next" link');
  const url = next[0].url;
  const origin = new URL(requestUrl).origin;
  if (new URL(url).origin !== origin) {
    throw new LinkHeaderError(`the rel="next" link points to another origin (${new URL(url).origin}, expected ${origin})`);
  }
  return url;
}
