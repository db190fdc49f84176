/** Where the CLI writes: results to stdout, warnings and errors to stderr. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export const processOutput: Output = {
  out: (text) => {
    if (text) process.stdout.write(`${text}\n`);
  },
  err: (text) => {
    if (text) process.stderr.write(`${text}\n`);
  },
};
