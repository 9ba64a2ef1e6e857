/** `--strict` found an invalid line: the run stops with exit code 1. */
export class StrictInputError extends Error {
  readonly file: string;
  readonly line: number;
  readonly path: string;
  constructor(file: string, rejection: { line: number; errors: { path: string; message: string }[] }) {
    const first = rejection.errors[0];
    const path = first?.path ?? '';
    super(`${file}:${rejection.line}: invalid event${path ? ` at field "${path}"` : ''}: ${rejection.errors.map((e) => `${e.path || '(line)'}: ${e.message}`).join('; ')}`);
    this.name = 'StrictInputError';
    this.file = file;
    this.line = rejection.line;
    this.path = path;
  }
}
