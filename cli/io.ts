/** The process's streams and environment, passed down so nothing reaches for globals. */
export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  homeDir: string;
}

export const writeLine = (stream: NodeJS.WritableStream, line = ''): void => {
  stream.write(`${line}\n`);
};

/** Progress and notices go to stderr, so stdout stays clean for what scripts capture. */
export const notice = (io: Io, line: string): void => writeLine(io.stderr, `rotor: ${line}`);

export const readAll = async (stream: NodeJS.ReadableStream): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
};
