/** 1-based line and column of an offset; a leading BOM is not a column. */
export interface Position {
  line: number;
  column: number;
}

export class LineIndex {
  private readonly starts: number[] = [0];
  private readonly bom: boolean;

  constructor(text: string) {
    this.bom = text.startsWith('\uFEFF');
    for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) {
      this.starts.push(index + 1);
    }
  }

  position(offset: number): Position {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.starts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    const column = offset - this.starts[low]! + 1 - (low === 0 && this.bom ? 1 : 0);
    return { line: low + 1, column: Math.max(1, column) };
  }

  /** The source line holding an offset, and a caret under it, for error messages. */
  excerpt(text: string, offset: number): string {
    const { line, column } = this.position(offset);
    const start = this.starts[line - 1]!;
    const end = text.indexOf('\n', start);
    const source = text
      .slice(start, end === -1 ? undefined : end)
      .replace(/\r$/, '')
      .replace(/^\uFEFF/, '');
    return `${String(line).padStart(5)} | ${source}\n      | ${' '.repeat(column - 1)}^`;
  }
}
