// JSON that is already text: a value the engine has serialised once (a decision's log line, a
// decision's inputs built as a string) and hands on as is, so the event store and the bus never
// JSON.stringify the same thing a second time. Where a JSON value is expected (an event's data or
// metadata, a bus message's payload), a JsonText stands for the value its text parses to, and
// its text is used verbatim.
export class JsonText {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }

  /** The parsed value (for adapters whose client wants objects). */
  value(): unknown {
    return JSON.parse(this.text);
  }

  toJSON(): unknown {
    return this.value();
  }
}
