/** cosmiconfig's explorer class: internal to it, so its own declaration file exports nothing. */
declare module 'cosmiconfig/dist/Explorer.js' {
  export class Explorer {
    constructor(options: Record<string, unknown>);
    search(from?: string): Promise<unknown>;
    load(filepath: string): Promise<unknown>;
  }
}
