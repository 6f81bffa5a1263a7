/** A parsed `Set-Cookie` header. */
export interface ParsedSetCookie {
  name: string;
  value: string;
  path?: string;
  domain?: string;
  maxAge?: number;
  expires?: Date;
  secure: boolean;
  httpOnly: boolean;
  sameSite?: string;
  /** Attribute names as they appeared, lowercased, with their raw values. */
  raw: Record<string, string | true>;
}

/** Parses one `Set-Cookie` header value. */
export function parseSetCookie(header: string): ParsedSetCookie {
  const [pair = '', ...attrs] = header.split(';');
  const eq = pair.indexOf('=');
  const result: ParsedSetCookie = {
    name: pair.slice(0, eq).trim(),
    value: pair.slice(eq + 1).trim(),
    secure: false,
    httpOnly: false,
    raw: {},
  };
  for (const attr of attrs) {
    const i = attr.indexOf('=');
    const key = (i === -1 ? attr : attr.slice(0, i)).trim().toLowerCase();
    const value = i === -1 ? true : attr.slice(i + 1).trim();
    if (!key) continue;
    result.raw[key] = value;
    if (key === 'path' && typeof value === 'string') result.path = value;
    else if (key === 'domain' && typeof value === 'string') result.domain = value;
    else if (key === 'max-age' && typeof value === 'string') result.maxAge = Number(value);
    else if (key === 'expires' && typeof value === 'string') result.expires = new Date(value);
    else if (key === 'secure') result.secure = true;
    else if (key === 'httponly') result.httpOnly = true;
    else if (key === 'samesite' && typeof value === 'string') result.sameSite = value.toLowerCase();
  }
  return result;
}

/** Splits a `Headers` object's cookies (`getSetCookie()`) or a raw array into parsed cookies. */
export function parseSetCookies(headers: Headers | readonly string[]): ParsedSetCookie[] {
  const list = Array.isArray(headers) ? headers : (headers as Headers).getSetCookie();
  return list.map(parseSetCookie);
}
