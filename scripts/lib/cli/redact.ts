/** The tokens never reach output, whatever a library put in a message. */
export function redact(text: string, ...tokens: string[]): string {
  return tokens.reduce((out, token) => (token === '' ? out : out.split(token).join('***')), text);
}

/**
 * A URL (a git remote) with its credentials replaced by ***: all of the user part of an http(s)
 * URL, where a token is often the user name itself, and the password of any other scheme
 * (ssh://git@host keeps its user, which is no secret).
 */
export function redactUrlCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/]*)@/i, (match, scheme: string, user: string) => {
    if (/^https?:\/\/$/i.test(scheme)) return `${scheme}***@`;
    const colon = user.indexOf(':');
    return colon === -1 ? match : `${scheme}${user.slice(0, colon)}:***@`;
  });
}
