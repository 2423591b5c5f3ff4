/** RastUp partner SDK: the generated client, its types, and the runtime's options and error. */
export * from './client.ts';
export { RastUpApiError, type ApiResponse, type ClientOptions, type RequestOptions } from './runtime.ts';
