// The one error root. `retriable` says whether trying the same thing again may succeed;
// `cause` keeps the underlying error. Programmer errors are never retried.

export class LucentError extends Error {
  readonly retriable: boolean;
  readonly code: string;
  constructor(code: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LucentError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** A bad option or configuration value; the message names the key. */
export class OptionError extends LucentError {
  constructor(message: string) {
    super('ERR_OPTION', message);
    this.name = 'OptionError';
  }
}

/** A market message that cannot enter the state. It is data to dead-letter, never thrown past the source. */
export class BadMessageError extends LucentError {
  constructor(message: string) {
    super('ERR_BAD_MESSAGE', message);
    this.name = 'BadMessageError';
  }
}

/** An agent thread that crashed or missed its cycle deadline. */
export class AgentThreadError extends LucentError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ERR_AGENT_THREAD', message, { retriable: true, ...options });
    this.name = 'AgentThreadError';
  }
}
