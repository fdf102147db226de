// Which connection strings are KurrentDB's (the schemes its client accepts). Kept apart from the
// adapter so choosing an adapter does not load the client.
export const kKurrentSchemes = ['kurrentdb:', 'kurrentdb+discover:', 'kurrent:', 'kurrent+discover:', 'kdb:', 'kdb+discover:', 'esdb:', 'esdb+discover:'];

export function isKurrentUrl(url: string): boolean {
  const m = /^([a-z+]+:)\/\//.exec(url);
  return m !== null && kKurrentSchemes.includes(m[1]);
}
