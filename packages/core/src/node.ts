/** `@tollgate/core/node`: Node `http` requests to the core's `HttpRequest`, and responses back. */
export { fromNodeRequest, type NodeRequestReader, nodeHeaders, writeNodeResponse } from './http/node.js';
