/**
 * A small PowerShell tokenizer for tests that check the structure of generated scripts without
 * running PowerShell (this machine has none): comments, single-quoted (verbatim) and double-quoted
 * (expandable) strings, here-strings, variables, numbers, words and single punctuation. It knows
 * enough of PowerShell's quoting to tell program text from string contents: in a single-quoted
 * string only `''` is special; PowerShell also ends quoted strings on the typographic quotes
 * U+2018-U+201E, which it treats like ASCII ones, so those are reported as quotes too.
 */
export type TokenKind = 'comment' | 'verbatim-string' | 'expandable-string' | 'here-string' | 'variable' | 'number' | 'word' | 'punctuation' | 'newline';

export interface Token {
  kind: TokenKind;
  text: string;
  /** The contents of a string (quotes removed, `''` undone for verbatim strings). */
  value?: string;
  line: number;
}

const SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b";
const DOUBLE_QUOTES = '"\u201c\u201d\u201e';

const isWordChar = (c: string): boolean => /[A-Za-z0-9_\-.:\\]/.test(c);

export const tokenize = (source: string): Token[] => {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  const push = (kind: TokenKind, start: number, value?: string) => {
    const text = source.slice(start, i);
    tokens.push({ kind, text, line, ...(value !== undefined ? { value } : {}) });
    line += (text.match(/\n/g) ?? []).length;
  };
  while (i < source.length) {
    const c = source[i] as string;
    const start = i;
    if (c === '\n') {
      i += 1;
      tokens.push({ kind: 'newline', text: '\n', line });
      line += 1;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i += 1;
    } else if (source.startsWith('<#', i)) {
      const end = source.indexOf('#>', i + 2);
      i = end < 0 ? source.length : end + 2;
      push('comment', start);
    } else if (c === '#') {
      while (i < source.length && source[i] !== '\n') i += 1;
      push('comment', start);
    } else if (source.startsWith("@'", i) || source.startsWith('@"', i)) {
      const close = `\n${source[i + 1]}@`;
      const end = source.indexOf(close, i + 2);
      i = end < 0 ? source.length : end + close.length;
      push('here-string', start);
    } else if (SINGLE_QUOTES.includes(c)) {
      let value = '';
      i += 1;
      for (;;) {
        if (i >= source.length) throw new Error(`Unterminated single-quoted string at line ${line}.`);
        const d = source[i] as string;
        if (SINGLE_QUOTES.includes(d)) {
          const next = source[i + 1];
          if (next !== undefined && SINGLE_QUOTES.includes(next)) {
            value += d;
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        value += d;
        i += 1;
      }
      push('verbatim-string', start, value);
    } else if (DOUBLE_QUOTES.includes(c)) {
      i += 1;
      while (i < source.length && !DOUBLE_QUOTES.includes(source[i] as string)) i += source[i] === '`' ? 2 : 1;
      if (i >= source.length) throw new Error(`Unterminated double-quoted string at line ${line}.`);
      i += 1;
      push('expandable-string', start, source.slice(start + 1, i - 1));
    } else if (c === '$' && /[A-Za-z_{?^$]/.test(source[i + 1] ?? '')) {
      i += 1;
      if (source[i] === '{') {
        while (i < source.length && source[i] !== '}') i += 1;
        i += 1;
      } else if (/[?^$]/.test(source[i] as string)) {
        i += 1;
      } else {
        while (i < source.length && /[A-Za-z0-9_:]/.test(source[i] as string)) i += 1;
      }
      push('variable', start);
    } else if (/[0-9]/.test(c)) {
      while (i < source.length && /[0-9A-Fa-fx]/.test(source[i] as string)) i += 1;
      push('number', start);
    } else if (isWordChar(c)) {
      while (i < source.length && isWordChar(source[i] as string)) i += 1;
      push('word', start);
    } else {
      i += 1;
      push('punctuation', start);
    }
  }
  return tokens;
};

/** Whether (), {} and [] outside strings and comments nest properly. */
export const bracketsBalance = (tokens: Token[]): boolean => {
  const pairs: Record<string, string> = { ')': '(', '}': '{', ']': '[' };
  const stack: string[] = [];
  for (const token of tokens.filter((t) => t.kind === 'punctuation')) {
    if ('({['.includes(token.text)) stack.push(token.text);
    else if (token.text in pairs && stack.pop() !== pairs[token.text]) return false;
  }
  return stack.length === 0;
};

/** The statements (tokens between newlines and `;`) as lists of tokens, comments left out. */
export const statements = (tokens: Token[]): Token[][] => {
  const out: Token[][] = [[]];
  for (const token of tokens) {
    if (token.kind === 'comment') continue;
    if (token.kind === 'newline' || (token.kind === 'punctuation' && token.text === ';')) out.push([]);
    else (out[out.length - 1] as Token[]).push(token);
  }
  return out.filter((s) => s.length > 0);
};
