/** The part of mjml's API the build-time compiler uses (mjml 5 ships no type declarations). */
declare module 'mjml' {
  interface MjmlError {
    readonly formattedMessage: string;
  }
  interface MjmlResult {
    readonly html: string;
    readonly errors: readonly MjmlError[];
  }
  export default function mjml2html(
    source: string,
    options?: { validationLevel?: 'strict' | 'soft' | 'skip'; keepComments?: boolean },
  ): Promise<MjmlResult> | MjmlResult;
}
