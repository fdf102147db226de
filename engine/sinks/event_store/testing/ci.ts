// Whether the tests run under CI (env CI set and not "0"/"false"): a missing service then fails.
export function inCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}
