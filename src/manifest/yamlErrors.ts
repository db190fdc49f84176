import { CST, Parser, type YAMLError } from 'yaml';

type Token = { type: string; offset: number; source?: string; end?: Array<{ source: string }> };

/** A flow collection with no closing bracket, or a quoted scalar with no closing quote. */
function unclosed(token: Token | undefined): boolean {
  if (token === undefined) return false;
  if (token.type === 'flow-collection')
    return !(token.end ?? []).some((end) => end.source === ']' || end.source === '}');
  if (token.type !== 'double-quoted-scalar' && token.type !== 'single-quoted-scalar') return false;
  const source = token.source ?? '';
  const quote = source[0]!;
  const body = source.slice(1);
  if (!body.endsWith(quote)) return true;
  return quote === '"' && /(^|[^\\])(\\\\)*\\"$/.test(body);
}

/**
 * Where the construct behind a YAML error starts. The parser notices a `[`, `{` or quote left
 * open only where the input ends or dedents, often lines later; the user needs the opening one.
 * Other errors are where the parser says.
 */
export function yamlErrorOffset(text: string, error: YAMLError): number {
  const at = error.pos[0];
  if (error.code !== 'BAD_INDENT' && error.code !== 'MISSING_CHAR') return at;
  let opening: number | undefined;
  const consider = (token: Token | undefined) => {
    if (unclosed(token) && token!.offset <= at && (opening === undefined || token!.offset > opening)) {
      opening = token!.offset;
    }
  };
  for (const token of new Parser().parse(text)) {
    if (token.type !== 'document') continue;
    consider(token.value as Token | undefined);
    CST.visit(token, (item) => {
      consider((item.key as Token | null) ?? undefined);
      consider(item.value as Token | undefined);
    });
  }
  return opening ?? at;
}
