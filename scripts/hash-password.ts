/**
 * `npm run hash-password`: prints the bcrypt hash of a password, for SUPERVISOR_ADMIN_PASSWORD_HASH and
 * the dashboard users file. Uses the bcryptjs Node-RED ships, so the editor and the dashboard accept it.
 *
 *   npm run hash-password                      asks twice, without echo (terminal)
 *   printf '%s' "$PASSWORD" | npm run -s hash-password   reads standard input (one line)
 *   npm run hash-password -- 'password'        from the argument (it stays in the shell history)
 *   --cost N                                   bcrypt cost, 10 to 15 (default 12)
 *
 * Only the hash goes to standard output; prompts and messages go to standard error.
 */
import { nodeRedBcrypt } from './environment';

export const DEFAULT_COST = 12;
const MIN_COST = 10;
const MAX_COST = 15;

interface Options {
  cost: number;
  password?: string;
}

export function parseArguments(args: readonly string[]): Options {
  const options: Options = { cost: DEFAULT_COST };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--cost') {
      const cost = Number(args[++i]);
      if (!Number.isInteger(cost) || cost < MIN_COST || cost > MAX_COST) throw new Error(`--cost must be an integer from ${MIN_COST} to ${MAX_COST}`);
      options.cost = cost;
    } else if (arg === '--help' || arg === '-h') {
      throw new Error('usage: npm run hash-password [-- [--cost N] [password]] (no password: asked on the terminal or read from standard input)');
    } else if (options.password === undefined) {
      options.password = arg;
    } else {
      throw new Error(`unexpected argument "${arg}" (quote a password that holds spaces)`);
    }
  }
  return options;
}

/**
 * Reads lines from the terminal without echoing them: raw mode (set before the prompt is shown, so
 * nothing typed is echoed) and our own line editing (backspace, Ctrl-C/Ctrl-D cancel). What is typed
 * ahead of a prompt is kept for it.
 */
class HiddenTerminal {
  private typed = '';
  private lines: string[] = [];
  private waiting: { resolve(line: string): void; reject(err: Error): void } | undefined;
  private failure: Error | undefined;

  constructor(private readonly stdin: NodeJS.ReadStream) {
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.on('data', (chunk: string) => this.onData(chunk));
    stdin.resume();
  }

  private onData(chunk: string): void {
    for (const ch of chunk) {
      if (ch === '\r' || ch === '\n') {
        this.lines.push(this.typed);
        this.typed = '';
      } else if (ch === '\u0003' || ch === '\u0004') {
        this.failure = new Error('cancelled');
      } else if (ch === '\u007f' || ch === '\b') {
        this.typed = this.typed.slice(0, -1);
      } else {
        this.typed += ch;
      }
    }
    this.deliver();
  }

  private deliver(): void {
    if (this.waiting === undefined) return;
    const waiting = this.waiting;
    if (this.lines.length > 0) {
      this.waiting = undefined;
      waiting.resolve(this.lines.shift() as string);
    } else if (this.failure !== undefined) {
      this.waiting = undefined;
      waiting.reject(this.failure);
    }
  }

  ask(prompt: string): Promise<string> {
    process.stderr.write(prompt);
    return new Promise<string>((resolve, reject) => {
      this.waiting = {
        resolve: (line) => { process.stderr.write('\n'); resolve(line); },
        reject: (err) => { process.stderr.write('\n'); reject(err); },
      };
      this.deliver();
    });
  }

  close(): void {
    this.stdin.setRawMode(false);
    this.stdin.pause();
  }
}

async function readStdin(): Promise<string> {
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) text += chunk;
  // One line: the trailing line break of `echo` is not part of the password.
  return text.replace(/\r?\n$/, '');
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  let password = options.password;
  if (password === undefined) {
    if (process.stdin.isTTY) {
      const terminal = new HiddenTerminal(process.stdin);
      try {
        password = await terminal.ask('Mot de passe : ');
        const again = await terminal.ask('Confirmez le mot de passe : ');
        if (again !== password) throw new Error('the two passwords differ');
      } finally {
        terminal.close();
      }
    } else {
      password = await readStdin();
    }
  }
  if (password === '') throw new Error('the password is empty');
  const bcrypt = nodeRedBcrypt();
  if (bcrypt.truncates(password)) throw new Error('the password is longer than 72 bytes: bcrypt would ignore the rest');
  if (password.length < 12) process.stderr.write('[hash-password] warning: a password of fewer than 12 characters is easy to guess\n');
  process.stdout.write(`${bcrypt.hashSync(password, options.cost)}\n`);
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`[hash-password] ${err.message}\n`);
    process.exit(1);
  });
}
